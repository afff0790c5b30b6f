using Microsoft.Extensions.Options;

namespace Conciergus.Core.TimeSeries;

/// <summary>Checks <see cref="TimeSeriesOptions"/> at start and says in words what is wrong.</summary>
public sealed class TimeSeriesOptionsValidator : IValidateOptions<TimeSeriesOptions>
{
    /// <summary>Upper bound on buckets per ring, so a typo (1 s for a year) fails at start instead of eating memory.</summary>
    public const long MaxBucketsPerRing = 1_000_000;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TimeSeriesOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with the options (empty when they are valid).</summary>
    public static IReadOnlyList<string> Check(TimeSeriesOptions? options)
    {
        const string Section = "Conciergus:TimeSeries";
        var failures = new List<string>();
        if (options is null)
        {
            failures.Add($"{Section} is missing.");
            return failures;
        }

        var resolutions = options.Resolutions;
        if (resolutions is null || resolutions.Count == 0)
        {
            failures.Add($"{Section}:Resolutions must list at least one resolution (for example Step 00:00:01, Retention 00:15:00).");
        }
        else
        {
            for (var i = 0; i < resolutions.Count; i++)
            {
                var resolution = resolutions[i];
                var at = $"{Section}:Resolutions:{i}";
                if (resolution is null)
                {
                    failures.Add($"{at} is empty.");
                    continue;
                }

                if (resolution.Step <= TimeSpan.Zero)
                {
                    failures.Add($"{at}:Step must be greater than zero (it is {resolution.Step}).");
                    continue;
                }

                if (resolution.Retention <= TimeSpan.Zero)
                {
                    failures.Add($"{at}:Retention must be greater than zero (it is {resolution.Retention}).");
                }
                else if (resolution.Retention.Ticks % resolution.Step.Ticks != 0)
                {
                    failures.Add($"{at}:Retention ({resolution.Retention}) must be a whole multiple of its Step ({resolution.Step}).");
                }
                else if (resolution.Retention.Ticks / resolution.Step.Ticks > MaxBucketsPerRing)
                {
                    failures.Add($"{at} would keep {resolution.Retention.Ticks / resolution.Step.Ticks:N0} buckets per series; at most {MaxBucketsPerRing:N0} are allowed (use a coarser Step or a shorter Retention).");
                }

                if (i == 0 || resolutions[i - 1] is not { Step.Ticks: > 0 } finer)
                {
                    continue;
                }

                if (resolution.Step <= finer.Step)
                {
                    failures.Add($"{Section}:Resolutions must be listed finest first: Step {resolution.Step} at index {i} is not coarser than {finer.Step} at index {i - 1}.");
                }
                else if (resolution.Step.Ticks % finer.Step.Ticks != 0)
                {
                    failures.Add($"{at}:Step ({resolution.Step}) must be a whole multiple of the finer Step before it ({finer.Step}).");
                }

                if (resolution.Retention < finer.Retention)
                {
                    failures.Add($"{at}:Retention ({resolution.Retention}) must reach at least as far back as the finer resolution before it ({finer.Retention}).");
                }
            }
        }

        if (options.MaxSeriesPerDimension < 1)
        {
            failures.Add($"{Section}:MaxSeriesPerDimension must be at least 1 (it is {options.MaxSeriesPerDimension}).");
        }

        if (options.MemoryBudgetMB is < 1 or > 1_048_576)
        {
            failures.Add($"{Section}:MemoryBudgetMB must be between 1 and 1048576 (it is {options.MemoryBudgetMB}); it bounds the memory new series may take.");
        }

        if (options.MaxUsersPerDay < 1)
        {
            failures.Add($"{Section}:MaxUsersPerDay must be at least 1 (it is {options.MaxUsersPerDay}).");
        }

        if (options.UserLedgerDays is < 1 or > 3660)
        {
            failures.Add($"{Section}:UserLedgerDays must be between 1 and 3660 (it is {options.UserLedgerDays}).");
        }

        return failures;
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem when the options are invalid.</summary>
    internal static void ThrowIfInvalid(TimeSeriesOptions options)
    {
        var failures = Check(options);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid time-series options: " + string.Join(" ", failures), nameof(options));
        }
    }
}
