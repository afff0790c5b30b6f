using Conciergus.Core.Errors;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>Read models over the time-series cache: what the API and the panels show. Never scans raw operations.</summary>
public sealed partial class AnalyticsService
{
    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _recentErrors;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the service.</summary>
    public AnalyticsService(TimeSeriesCache cache, UserCostLedger ledger, RecentErrors recentErrors, TimeProvider timeProvider)
    {
        _cache = cache;
        _ledger = ledger;
        _recentErrors = recentErrors;
        _timeProvider = timeProvider;
    }

    /// <summary>Totals over the last <paramref name="window"/> for one series (all operations by default).</summary>
    public SummaryReport Summary(TimeSpan window, SeriesKey? series = null) => throw new NotImplementedException();

    /// <summary>One row per provider + model that has data in the window, most requests first.</summary>
    public IReadOnlyList<ModelReport> Models(TimeSpan window) => throw new NotImplementedException();

    /// <summary>Cost over the window grouped by a dimension.</summary>
    public CostBreakdown Costs(TimeSpan window, CostGroupBy groupBy) => throw new NotImplementedException();

    /// <summary>A metric over the window in steps, one line per group (or one "total" line).</summary>
    public TimeSeriesReport TimeSeries(TimeSeriesMetric metric, TimeSpan window, TimeSpan? step = null, SeriesDimension? groupBy = null) => throw new NotImplementedException();

    /// <summary>Failures over the window by category.</summary>
    public ErrorReport Errors(TimeSpan window) => throw new NotImplementedException();
}

/// <summary>Dimensions a cost breakdown can group by.</summary>
public enum CostGroupBy
{
    /// <summary>Provider + model.</summary>
    Model,

    /// <summary>Provider.</summary>
    Provider,

    /// <summary>Operation kind.</summary>
    Operation,

    /// <summary>Application.</summary>
    Application,

    /// <summary>End user (from the per-user ledger, UTC-day granularity).</summary>
    User,

    /// <summary>Experiment variant.</summary>
    Experiment,

    /// <summary>UTC day.</summary>
    Day,
}

/// <summary>Metrics a time series can show.</summary>
public enum TimeSeriesMetric
{
    /// <summary>Operations per step.</summary>
    Requests,

    /// <summary>Operations per second.</summary>
    RequestsPerSecond,

    /// <summary>Failures per step.</summary>
    Errors,

    /// <summary>Failures / operations.</summary>
    ErrorRate,

    /// <summary>Median latency (ms).</summary>
    LatencyP50,

    /// <summary>95th percentile latency (ms).</summary>
    LatencyP95,

    /// <summary>99th percentile latency (ms).</summary>
    LatencyP99,

    /// <summary>Mean latency (ms).</summary>
    LatencyAvg,

    /// <summary>Median time to first token (ms).</summary>
    TtftP50,

    /// <summary>95th percentile time to first token (ms).</summary>
    TtftP95,

    /// <summary>Input tokens.</summary>
    InputTokens,

    /// <summary>Output tokens.</summary>
    OutputTokens,

    /// <summary>Cached input tokens.</summary>
    CachedInputTokens,

    /// <summary>Reasoning tokens.</summary>
    ReasoningTokens,

    /// <summary>Input + output tokens.</summary>
    Tokens,

    /// <summary>Cost in USD.</summary>
    Cost,
}
