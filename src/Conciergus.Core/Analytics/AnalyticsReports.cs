namespace Conciergus.Core.Analytics;

/// <summary>Latency percentiles in milliseconds (null when the window has no samples).</summary>
public sealed record LatencyPercentiles(double? P50, double? P95, double? P99, double? Avg);

/// <summary>Time-to-first-token percentiles in milliseconds (null when no operation reported one).</summary>
public sealed record TtftPercentiles(double? P50, double? P95);

/// <summary>GET /api/v1/summary: totals over a window.</summary>
public sealed record SummaryReport
{
    /// <summary>Start of the window (inclusive).</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>End of the window (exclusive).</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Operations.</summary>
    public long Requests { get; init; }

    /// <summary>Failed operations.</summary>
    public long Errors { get; init; }

    /// <summary>Errors / requests (0..1).</summary>
    public double ErrorRate { get; init; }

    /// <summary>Input tokens (including cached).</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens (including reasoning).</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cached-read input tokens.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Cache-creation input tokens.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning output tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Cost of priced operations in USD.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Operations on unpriced models (their cost is not in <see cref="CostUsd"/>).</summary>
    public long UnpricedRequests { get; init; }

    /// <summary>Latency percentiles.</summary>
    public required LatencyPercentiles LatencyMs { get; init; }

    /// <summary>Time to first token percentiles.</summary>
    public required TtftPercentiles TtftMs { get; init; }

    /// <summary>Requests / window seconds.</summary>
    public double RequestsPerSecond { get; init; }
}

/// <summary>GET /api/v1/models: one row per provider + model.</summary>
public sealed record ModelReport
{
    /// <summary>Provider.</summary>
    public required string Provider { get; init; }

    /// <summary>Model (the requested model id).</summary>
    public required string Model { get; init; }

    /// <summary>Whether the catalog prices this model.</summary>
    public bool Priced { get; init; }

    /// <summary>The same figures as the summary, for this model.</summary>
    public required SummaryReport Stats { get; init; }
}

/// <summary>GET /api/v1/costs: a breakdown of cost.</summary>
/// <param name="GroupBy">The dimension.</param>
/// <param name="TotalUsd">Total cost over the window.</param>
/// <param name="UnpricedRequests">Operations on unpriced models.</param>
/// <param name="Groups">Groups, highest cost first.</param>
public sealed record CostBreakdown(string GroupBy, decimal TotalUsd, long UnpricedRequests, IReadOnlyList<CostGroup> Groups)
{
    /// <summary>Groups of the breakdown before <see cref="Top"/> cut it (the totals always cover all of them).</summary>
    public int GroupCount { get; init; } = Groups.Count;

    /// <summary>Whether <see cref="Groups"/> holds fewer groups than <see cref="GroupCount"/>.</summary>
    public bool Truncated => Groups.Count < GroupCount;

    /// <summary>The breakdown with its first <paramref name="limit"/> groups (the highest cost); totals and <see cref="GroupCount"/> unchanged.</summary>
    public CostBreakdown Top(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        return Groups.Count <= limit ? this : this with { Groups = Groups.Take(limit).ToList() };
    }
}

/// <summary>One group of a cost breakdown.</summary>
/// <param name="Key">Group value (model id, provider, day as yyyy-MM-dd, ...).</param>
/// <param name="CostUsd">Cost.</param>
/// <param name="Requests">Operations.</param>
/// <param name="InputTokens">Input tokens.</param>
/// <param name="OutputTokens">Output tokens.</param>
/// <param name="Share">CostUsd / total (0..1).</param>
/// <param name="UnpricedRequests">Operations of the group on unpriced models (their cost is unknown, not in <paramref name="CostUsd"/>); null when the source cannot tell (the per-user ledger used when the store is off).</param>
public sealed record CostGroup(string Key, decimal CostUsd, long Requests, long InputTokens, long OutputTokens, double Share, long? UnpricedRequests = 0);

/// <summary>GET /api/v1/timeseries: one line per group.</summary>
/// <param name="Metric">The metric.</param>
/// <param name="StepMs">Step in milliseconds.</param>
/// <param name="Series">Lines.</param>
public sealed record TimeSeriesReport(string Metric, long StepMs, IReadOnlyList<TimeSeriesLine> Series);

/// <summary>One line: points are [unixMs, value] (value null where undefined, e.g. p95 of an empty step).</summary>
/// <param name="Key">Group value ("total" without groupBy).</param>
/// <param name="Points">[unixMs, value] pairs.</param>
public sealed record TimeSeriesLine(string Key, IReadOnlyList<double?[]> Points);

/// <summary>GET /api/v1/errors.</summary>
/// <param name="TotalErrors">Failed operations in the window.</param>
/// <param name="Categories">Categories, most frequent first.</param>
public sealed record ErrorReport(long TotalErrors, IReadOnlyList<ErrorCategoryRow> Categories);

/// <summary>One error category in a window.</summary>
/// <param name="Category">snake_case category.</param>
/// <param name="Count">Failures.</param>
/// <param name="Share">Count / all failures.</param>
/// <param name="LastSeen">Newest failure of this category.</param>
/// <param name="Sample">The newest kept failure of this category, when still in memory.</param>
public sealed record ErrorCategoryRow(string Category, long Count, double Share, DateTimeOffset? LastSeen, ErrorSample? Sample);

/// <summary>A failed operation as shown to an operator.</summary>
/// <param name="OperationId">Operation id.</param>
/// <param name="TraceId">Trace id, to open the trace.</param>
/// <param name="At">Completion time.</param>
/// <param name="Provider">Provider.</param>
/// <param name="Model">Model.</param>
/// <param name="Type">Error type.</param>
/// <param name="HttpStatus">HTTP status.</param>
/// <param name="Code">Provider code.</param>
/// <param name="Message">Message.</param>
public sealed record ErrorSample(string OperationId, string? TraceId, DateTimeOffset At, string Provider, string Model, string? Type, int? HttpStatus, string? Code, string? Message);
