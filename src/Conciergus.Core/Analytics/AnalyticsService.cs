using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>Read models over the time-series cache: what the API and the panels show. Never scans raw operations.</summary>
public sealed partial class AnalyticsService
{
    /// <summary>Most points a default step produces for one line.</summary>
    public const int MaxDefaultPoints = 360;

    /// <summary>Most lines a grouped time series returns (the rest are the smallest by requests).</summary>
    public const int MaxLines = 20;

    private static readonly TimeSpan[] NiceSteps =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15),
        TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10),
        TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(3),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1),
    ];

    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _recentErrors;
    private readonly TimeSeriesOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IOperationStore? _store;

    /// <summary>Creates the service; without <paramref name="store"/>, slices the cache cannot answer are refused.</summary>
    public AnalyticsService(TimeSeriesCache cache, UserCostLedger ledger, RecentErrors recentErrors, TimeSeriesOptions options, TimeProvider timeProvider, IOperationStore? store = null)
    {
        _store = store;
        _cache = cache;
        _ledger = ledger;
        _recentErrors = recentErrors;
        _options = options;
        _timeProvider = timeProvider;
    }

    /// <summary>Totals over the last <paramref name="window"/> for one series (all operations by default).</summary>
    public SummaryReport Summary(TimeSpan window, SeriesKey? series = null)
    {
        var (from, to) = Range(window);
        return ToSummary(_cache.Aggregate(series ?? SeriesKey.Total, from, to), from, to);
    }

    /// <summary>One row per provider + model that has data in the window, most requests first.</summary>
    public IReadOnlyList<ModelReport> Models(TimeSpan window)
    {
        var (from, to) = Range(window);
        var rows = new List<ModelReport>();
        foreach (var key in _cache.Keys(SeriesDimension.Model))
        {
            var aggregate = _cache.Aggregate(key, from, to);
            if (aggregate.Requests == 0)
            {
                continue;
            }

            var (provider, model) = key.ModelParts;
            rows.Add(new ModelReport
            {
                Provider = provider,
                Model = model,
                Priced = aggregate.UnpricedRequests == 0,
                Stats = ToSummary(aggregate, from, to),
            });
        }

        return rows.OrderByDescending(r => r.Stats.Requests).ThenBy(r => r.Provider, StringComparer.Ordinal).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
    }

    /// <summary>Cost over the window grouped by a dimension.</summary>
    public CostBreakdown Costs(TimeSpan window, CostGroupBy groupBy)
    {
        var (from, to) = Range(window);
        var total = _cache.Aggregate(SeriesKey.Total, from, to);
        var groups = new List<(string Key, decimal Cost, long Requests, long Input, long Output, long? Unpriced)>();
        switch (groupBy)
        {
            case CostGroupBy.User:
                foreach (var row in _ledger.Top(from, to, int.MaxValue))
                {
                    groups.Add((row.UserId, row.CostUsd, row.Requests, row.InputTokens, row.OutputTokens, null));
                }

                break;
            case CostGroupBy.Day:
                for (var day = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero); day < to; day = day.AddDays(1))
                {
                    var a = _cache.Aggregate(SeriesKey.Total, Max(from, day), Min(to, day.AddDays(1)));
                    if (a.Requests > 0)
                    {
                        groups.Add((day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), a.CostUsd, a.Requests, a.InputTokens, a.OutputTokens, a.UnpricedRequests));
                    }
                }

                break;
            default:
                var dimension = ToDimension(groupBy);
                foreach (var key in _cache.Keys(dimension))
                {
                    var a = _cache.Aggregate(key, from, to);
                    if (a.Requests > 0)
                    {
                        groups.Add((DisplayKey(key), a.CostUsd, a.Requests, a.InputTokens, a.OutputTokens, a.UnpricedRequests));
                    }
                }

                break;
        }

        // User rows come from the per-day ledger, so their total is their own sum (whole UTC days).
        var totalUsd = groupBy == CostGroupBy.User ? groups.Sum(g => g.Cost) : total.CostUsd;
        var rows = groups
            .OrderByDescending(g => g.Cost).ThenByDescending(g => g.Requests).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CostGroup(g.Key, g.Cost, g.Requests, g.Input, g.Output, totalUsd == 0 ? 0 : (double)(g.Cost / totalUsd), g.Unpriced))
            .ToList();
        return new CostBreakdown(ToWireName(groupBy), totalUsd, total.UnpricedRequests, rows);
    }

    /// <summary>Why <paramref name="step"/> cannot be used for <paramref name="window"/> (null when it can, or when it is null: the default step always fits).</summary>
    public string? StepError(TimeSpan window, TimeSpan? step)
    {
        if (step is not { } s)
        {
            return null;
        }

        var resolution = ResolutionFor(window);
        if (s < resolution || s.Ticks % resolution.Ticks != 0)
        {
            return $"step must be a multiple of {TimeWindow.Format(resolution)} for a {TimeWindow.Format(window)} window (the cache keeps {TimeWindow.Format(resolution)} buckets that far back)";
        }

        return window.Ticks / s.Ticks > 10_000 ? "step is too small for this window: at most 10000 points per series" : null;
    }

    /// <summary>A metric over the window in steps, one line per group (or one "total" line).</summary>
    /// <exception cref="ArgumentException">The step does not fit the cache's resolutions, or would produce too many points.</exception>
    public TimeSeriesReport TimeSeries(TimeSeriesMetric metric, TimeSpan window, TimeSpan? step = null, SeriesDimension? groupBy = null)
    {
        if (StepError(window, step) is { } error)
        {
            throw new ArgumentException(error, nameof(step));
        }

        var (from, to) = Range(window);
        var effectiveStep = step ?? DefaultStep(window, ResolutionFor(window));

        var lines = new List<TimeSeriesLine>();
        if (groupBy is null or SeriesDimension.Total)
        {
            lines.Add(new TimeSeriesLine("total", ToPoints(_cache.Range(SeriesKey.Total, from, to, effectiveStep), metric, effectiveStep, to)));
        }
        else
        {
            var keys = _cache.Keys(groupBy.Value)
                .Select(k => (Key: k, Requests: _cache.Aggregate(k, from, to).Requests))
                .Where(k => k.Requests > 0)
                .OrderByDescending(k => k.Requests).ThenBy(k => k.Key.Value, StringComparer.Ordinal)
                .Take(MaxLines);
            foreach (var (key, _) in keys)
            {
                lines.Add(new TimeSeriesLine(DisplayKey(key), ToPoints(_cache.Range(key, from, to, effectiveStep), metric, effectiveStep, to)));
            }
        }

        return new TimeSeriesReport(ToWireName(metric), (long)effectiveStep.TotalMilliseconds, lines);
    }

    /// <summary>Failures over the window by category.</summary>
    public ErrorReport Errors(TimeSpan window)
    {
        var (from, to) = Range(window);
        var recent = _recentErrors.Between(from, to);
        var rows = new List<(string Category, long Count, DateTimeOffset? LastSeen)>();
        foreach (var key in _cache.Keys(SeriesDimension.ErrorCategory))
        {
            var a = _cache.Aggregate(key, from, to);
            if (a.Requests > 0)
            {
                rows.Add((key.Value, a.Requests, a.LastSeen));
            }
        }

        var total = rows.Sum(r => r.Count);
        var categories = rows
            .OrderByDescending(r => r.Count).ThenBy(r => r.Category, StringComparer.Ordinal)
            .Select(r => new ErrorCategoryRow(
                r.Category,
                r.Count,
                total == 0 ? 0 : (double)r.Count / total,
                r.LastSeen,
                recent.FirstOrDefault(op => op.ErrorCategory.ToWireName() == r.Category) is { } op ? ToSample(op) : null))
            .ToList();
        return new ErrorReport(total, categories);
    }

    /// <summary>The step the cache keeps for windows this long: the finest resolution whose retention covers it.</summary>
    public TimeSpan ResolutionFor(TimeSpan window)
    {
        foreach (var resolution in _options.Resolutions)
        {
            if (resolution.Retention >= window)
            {
                return resolution.Step;
            }
        }

        return _options.Resolutions[^1].Step;
    }

    /// <summary>The samples of failed operations kept in memory for the window, newest first.</summary>
    public IReadOnlyList<ErrorSample> RecentErrorSamples(TimeSpan window, int limit)
    {
        var (from, to) = Range(window);
        return _recentErrors.Between(from, to).Take(limit).Select(ToSample).ToList();
    }

    private static TimeSpan DefaultStep(TimeSpan window, TimeSpan resolution)
    {
        foreach (var candidate in NiceSteps)
        {
            if (candidate >= resolution && candidate.Ticks % resolution.Ticks == 0 && window.Ticks / candidate.Ticks <= MaxDefaultPoints)
            {
                return candidate;
            }
        }

        return TimeSpan.FromDays(1);
    }

    private (DateTimeOffset From, DateTimeOffset To) Range(TimeSpan window)
    {
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "window must be positive");
        }

        // (now - window, now]: an operation that completed at this very instant is in the window.
        var to = _timeProvider.GetUtcNow().AddTicks(1);
        return (to - window, to);
    }

    private static SummaryReport ToSummary(WindowAggregate a, DateTimeOffset from, DateTimeOffset to)
    {
        var seconds = (to - from).TotalSeconds;
        return new SummaryReport
        {
            From = from,
            To = to,
            Requests = a.Requests,
            Errors = a.Errors,
            ErrorRate = a.ErrorRate,
            InputTokens = a.InputTokens,
            OutputTokens = a.OutputTokens,
            CachedInputTokens = a.CachedInputTokens,
            CacheCreationInputTokens = a.CacheCreationInputTokens,
            ReasoningTokens = a.ReasoningTokens,
            CostUsd = a.CostUsd,
            UnpricedRequests = a.UnpricedRequests,
            LatencyMs = new LatencyPercentiles(Q(a.Latency, 0.50), Q(a.Latency, 0.95), Q(a.Latency, 0.99), a.Latency.Count == 0 ? null : a.Latency.Mean),
            TtftMs = new TtftPercentiles(Q(a.TimeToFirstToken, 0.50), Q(a.TimeToFirstToken, 0.95)),
            RequestsPerSecond = seconds <= 0 ? 0 : a.Requests / seconds,
        };
    }

    private static double? Q(LatencySketch sketch, double q) => sketch.Count == 0 ? null : sketch.Quantile(q);

    /// <remarks>Rates divide by the step, or for the bucket in progress at <paramref name="to"/> by the time elapsed (<see cref="ChartStep.Elapsed"/>).</remarks>
    private static List<double?[]> ToPoints(IReadOnlyList<BucketPoint> buckets, TimeSeriesMetric metric, TimeSpan step, DateTimeOffset to)
    {
        var points = new List<double?[]>(buckets.Count);
        foreach (var bucket in buckets)
        {
            points.Add([bucket.Start.ToUnixTimeMilliseconds(), Value(bucket.Aggregate, metric, ChartStep.Elapsed(bucket.Start, step, to))]);
        }

        return points;
    }

    private static double? Value(WindowAggregate a, TimeSeriesMetric metric, TimeSpan elapsed) => metric switch
    {
        TimeSeriesMetric.Requests => a.Requests,
        TimeSeriesMetric.RequestsPerSecond => a.Requests / elapsed.TotalSeconds,
        TimeSeriesMetric.Errors => a.Errors,
        TimeSeriesMetric.ErrorRate => a.Requests == 0 ? null : a.ErrorRate,
        TimeSeriesMetric.LatencyP50 => Q(a.Latency, 0.50),
        TimeSeriesMetric.LatencyP95 => Q(a.Latency, 0.95),
        TimeSeriesMetric.LatencyP99 => Q(a.Latency, 0.99),
        TimeSeriesMetric.LatencyAvg => a.Latency.Count == 0 ? null : a.Latency.Mean,
        TimeSeriesMetric.TtftP50 => Q(a.TimeToFirstToken, 0.50),
        TimeSeriesMetric.TtftP95 => Q(a.TimeToFirstToken, 0.95),
        TimeSeriesMetric.InputTokens => a.InputTokens,
        TimeSeriesMetric.OutputTokens => a.OutputTokens,
        TimeSeriesMetric.CachedInputTokens => a.CachedInputTokens,
        TimeSeriesMetric.ReasoningTokens => a.ReasoningTokens,
        TimeSeriesMetric.Tokens => a.InputTokens + a.OutputTokens,
        TimeSeriesMetric.Cost => (double)a.CostUsd,
        _ => null,
    };

    private static ErrorSample ToSample(Model.AiOperation op) => new(
        op.OperationId,
        op.TraceId,
        op.EndTime,
        op.Provider,
        op.Model,
        op.Error?.Type,
        op.Error?.HttpStatus,
        op.Error?.Code,
        op.Error?.Message is { Length: > 500 } m ? m[..500] + "..." : op.Error?.Message);

    /// <summary>How a series value is shown: "provider/model" for models, the value otherwise.</summary>
    public static string DisplayKey(SeriesKey key) =>
        key.Dimension == SeriesDimension.Model ? $"{key.ModelParts.Provider}/{key.ModelParts.Model}" : key.Value;

    private static SeriesDimension ToDimension(CostGroupBy groupBy) => groupBy switch
    {
        CostGroupBy.Model => SeriesDimension.Model,
        CostGroupBy.Provider => SeriesDimension.Provider,
        CostGroupBy.Operation => SeriesDimension.Operation,
        CostGroupBy.Application => SeriesDimension.Application,
        CostGroupBy.Experiment => SeriesDimension.ExperimentVariant,
        _ => throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "not a series dimension"),
    };

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    /// <summary>The API name of a group-by value (lower case).</summary>
    public static string ToWireName(CostGroupBy groupBy) => groupBy.ToString().ToLowerInvariant();

    /// <summary>The API name of a metric (snake_case).</summary>
    public static string ToWireName(TimeSeriesMetric metric) => MetricNames[(int)metric];

    /// <summary>API names of <see cref="TimeSeriesMetric"/>, in enum order.</summary>
    public static IReadOnlyList<string> MetricNames { get; } =
    [
        "requests", "requests_per_second", "errors", "error_rate", "latency_p50", "latency_p95", "latency_p99", "latency_avg",
        "ttft_p50", "ttft_p95", "input_tokens", "output_tokens", "cached_input_tokens", "reasoning_tokens", "tokens", "cost",
    ];
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
