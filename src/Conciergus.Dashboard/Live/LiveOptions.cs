using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Live;

/// <summary>Live publisher settings (section Conciergus:Live).</summary>
public sealed class LiveOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Live";

    /// <summary>How often the publisher checks for new operations (4 Hz by default).</summary>
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Publish at least this often even without new operations, so windows slide.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Window of the summary in each snapshot.</summary>
    public TimeSpan SummaryWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Per-second points kept for late subscribers (charts backfill from them).</summary>
    public int HistoryPoints { get; set; } = 300;
}

/// <summary>Says in words what is wrong with <see cref="LiveOptions"/>.</summary>
internal sealed class LiveOptionsValidator : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions options)
    {
        var failures = new List<string>();
        if (options.TickInterval < TimeSpan.FromMilliseconds(50) || options.TickInterval > TimeSpan.FromSeconds(10))
        {
            failures.Add($"{LiveOptions.SectionName}:TickInterval must be between 50 ms and 10 s (was {options.TickInterval}).");
        }

        if (options.HeartbeatInterval < options.TickInterval)
        {
            failures.Add($"{LiveOptions.SectionName}:HeartbeatInterval must not be shorter than TickInterval (was {options.HeartbeatInterval}).");
        }

        if (options.SummaryWindow < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{LiveOptions.SectionName}:SummaryWindow must be at least 1 s (was {options.SummaryWindow}).");
        }

        if (options.HistoryPoints is < 1 or > 3600)
        {
            failures.Add($"{LiveOptions.SectionName}:HistoryPoints must be between 1 and 3600 (was {options.HistoryPoints}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
