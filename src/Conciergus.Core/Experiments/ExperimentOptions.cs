using Microsoft.Extensions.Options;

namespace Conciergus.Core.Experiments;

/// <summary>Settings of the experiments feature ("Conciergus:Experiments").</summary>
public sealed class ExperimentOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Experiments";

    /// <summary>Users tallied per experiment; outcomes of further users are counted as dropped.</summary>
    public int MaxUsersPerExperiment { get; set; } = 100_000;

    /// <summary>Sticky assignments kept in memory (all are stored in LiteDB).</summary>
    public int MaxCachedAssignments { get; set; } = 200_000;

    /// <summary>How often tallies are written to LiteDB.</summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Says what is wrong with <see cref="ExperimentOptions"/> in words.</summary>
internal sealed class ExperimentOptionsValidator : IValidateOptions<ExperimentOptions>
{
    public ValidateOptionsResult Validate(string? name, ExperimentOptions options)
    {
        var failures = new List<string>();
        if (options.MaxUsersPerExperiment < 1)
        {
            failures.Add("Conciergus:Experiments:MaxUsersPerExperiment must be at least 1.");
        }

        if (options.MaxCachedAssignments < 0)
        {
            failures.Add("Conciergus:Experiments:MaxCachedAssignments must not be negative.");
        }

        if (options.PersistInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add("Conciergus:Experiments:PersistInterval must be at least 1 second (for example 00:00:15).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
