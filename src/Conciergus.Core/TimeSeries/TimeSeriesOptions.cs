namespace Conciergus.Core.TimeSeries;

/// <summary>Configuration of the in-memory time-series cache (section Conciergus:TimeSeries).</summary>
public sealed class TimeSeriesOptions
{
    /// <summary>Ring-buffer resolutions, finest first. Default: 1 s for 15 min, 1 min for 48 h, 1 h for 30 days.</summary>
    public List<ResolutionOptions> Resolutions { get; set; } =
    [
        new() { Step = TimeSpan.FromSeconds(1), Retention = TimeSpan.FromMinutes(15) },
        new() { Step = TimeSpan.FromMinutes(1), Retention = TimeSpan.FromHours(48) },
        new() { Step = TimeSpan.FromHours(1), Retention = TimeSpan.FromDays(30) },
    ];

    /// <summary>Distinct values kept per dimension; further values go to the overflow series.</summary>
    public int MaxSeriesPerDimension { get; set; } = 200;

    /// <summary>
    /// Memory the series may take, in MB (estimate of rings, buckets and sketches): a new series is admitted while the
    /// estimate is under it, otherwise its operations go to the dimension's overflow series and are counted. Series
    /// released after their retention give their memory back. Default 128 MB, sized for a small machine.
    /// </summary>
    public int MemoryBudgetMB { get; set; } = 128;

    /// <summary>Distinct users kept per day in the cost ledger; further users go to an overflow row.</summary>
    public int MaxUsersPerDay { get; set; } = 10_000;

    /// <summary>Days of per-user cost kept.</summary>
    public int UserLedgerDays { get; set; } = 35;
}

/// <summary>One ring-buffer resolution.</summary>
public sealed class ResolutionOptions
{
    /// <summary>Bucket width.</summary>
    public TimeSpan Step { get; set; }

    /// <summary>How far back this resolution reaches.</summary>
    public TimeSpan Retention { get; set; }
}
