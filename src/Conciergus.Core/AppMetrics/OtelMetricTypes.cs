namespace Conciergus.Core.AppMetrics;

/// <summary>How an instrument's points are kept and read.</summary>
public enum OtelMetricKind
{
    /// <summary>A gauge: the value as observed (read: the last value of each step).</summary>
    Gauge,

    /// <summary>A non-monotonic sum (UpDownCounter): a level such as active requests (read: the last level).</summary>
    Level,

    /// <summary>A monotonic sum (Counter): increases (read: a rate per second).</summary>
    Counter,

    /// <summary>A histogram (explicit or exponential) or a summary: count and sum of the measurements (read: the mean).</summary>
    Histogram,
}

/// <summary>How a series is read back (the part after a second ':' in <c>otel:&lt;name&gt;:&lt;aggregation&gt;</c>).</summary>
public enum OtelAggregation
{
    /// <summary>The kind's natural reading: last for gauges and levels, rate for counters, mean for histograms.</summary>
    Default,

    /// <summary>The last value of the step (gauges, levels); the increase for counters and histogram counts.</summary>
    Last,

    /// <summary>Mean of the observations (gauges, levels) or of the measurements (histograms).</summary>
    Avg,

    /// <summary>Largest observation (histograms: largest max reported).</summary>
    Max,

    /// <summary>Smallest observation (histograms: smallest min reported).</summary>
    Min,

    /// <summary>Per second: counter increase, histogram measurement count.</summary>
    Rate,

    /// <summary>Sum over the step: counter increase, histogram sum of measurements.</summary>
    Sum,

    /// <summary>Number of points (gauges, levels, counters) or measurements (histograms) in the step.</summary>
    Count,
}

/// <summary>One instrument as seen: name, kind, unit and description (all as sent; render as text).</summary>
/// <param name="Name">Instrument name.</param>
/// <param name="Kind">How it is kept.</param>
/// <param name="Unit">UCUM unit as sent ("By", "s", "{request}").</param>
/// <param name="Description">Description as sent.</param>
/// <param name="Series">Series currently held for it.</param>
public sealed record OtelMetricInfo(string Name, OtelMetricKind Kind, string Unit, string Description, int Series);

/// <summary>One series: instrument, <c>service.name</c> and attribute set.</summary>
/// <param name="Metric">Instrument name.</param>
/// <param name="Service">Resource <c>service.name</c> ("unknown" when absent; <c>__overflow__</c> past the cap).</param>
/// <param name="Attributes">Canonical attribute set: <c>k=v</c> pairs sorted by key, joined by U+001F ("" for none).</param>
public readonly record struct OtelSeriesId(string Metric, string Service, string Attributes);

/// <summary>Counters of the application metrics store (health page, /metrics).</summary>
/// <param name="Points">Data points accepted into a series.</param>
/// <param name="OverflowPoints">Points that went to an <c>__overflow__</c> service or attribute set.</param>
/// <param name="DroppedPoints">Points not kept: instrument or series cap reached, older than every ring, no value.</param>
/// <param name="Resets">Cumulative counters or histograms seen to restart (new start time or a smaller value).</param>
/// <param name="Series">Series held.</param>
/// <param name="Metrics">Instruments held.</param>
/// <param name="LastDropReason">Why the last point was dropped, or null.</param>
public sealed record AppMetricsStats(long Points, long OverflowPoints, long DroppedPoints, long Resets, int Series, int Metrics, string? LastDropReason);

/// <summary>GET /api/v1/timeseries?metric=otel:&lt;name&gt;: one line per group, points [unixMs, value].</summary>
/// <param name="Metric">The metric as asked (<c>otel:name</c> or <c>otel:name:aggregation</c>).</param>
/// <param name="StepMs">Step in milliseconds.</param>
/// <param name="Kind">Instrument kind (gauge, level, counter, histogram).</param>
/// <param name="Unit">Unit as sent (per second for rates: the unit of the increase per second).</param>
/// <param name="Aggregation">How each step's value was read.</param>
/// <param name="Series">Lines.</param>
public sealed record OtelTimeSeriesReport(string Metric, long StepMs, string Kind, string Unit, string Aggregation, IReadOnlyList<Analytics.TimeSeriesLine> Series);
