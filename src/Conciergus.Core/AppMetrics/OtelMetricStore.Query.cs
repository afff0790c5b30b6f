using Conciergus.Core.Analytics;

namespace Conciergus.Core.AppMetrics;

/// <summary>Reading the series back: by step for charts and the API, one value over a window for pages and alerts.</summary>
public sealed partial class OtelMetricStore
{
    /// <summary>Prefix of application metrics in metric names (<c>otel:&lt;instrument&gt;[:&lt;aggregation&gt;]</c>).</summary>
    public const string MetricPrefix = "otel:";

    /// <summary>Most lines a grouped query returns (the largest groups first).</summary>
    public const int MaxLines = 50;

    /// <summary>Parses <c>otel:&lt;name&gt;</c> or <c>otel:&lt;name&gt;:&lt;aggregation&gt;</c>; false with a message when it is not.</summary>
    public static bool TryParseMetric(string? text, out string name, out OtelAggregation aggregation, out string? error)
    {
        name = "";
        aggregation = OtelAggregation.Default;
        error = null;
        if (text is null || !text.StartsWith(MetricPrefix, StringComparison.OrdinalIgnoreCase))
        {
            error = "an application metric is named otel:<instrument name>, optionally followed by :last, :avg, :min, :max, :rate, :sum or :count";
            return false;
        }

        var rest = text[MetricPrefix.Length..];
        var colon = rest.LastIndexOf(':');
        if (colon >= 0)
        {
            var agg = rest[(colon + 1)..];
            if (!Enum.TryParse(agg, ignoreCase: true, out aggregation) || aggregation == OtelAggregation.Default || int.TryParse(agg, out _))
            {
                error = $"'{agg}' is not an aggregation; use last, avg, min, max, rate, sum or count";
                return false;
            }

            rest = rest[..colon];
        }

        if (rest.Length == 0)
        {
            error = "the instrument name after otel: is empty";
            return false;
        }

        name = rest;
        return true;
    }

    /// <summary>The instruments held, by name.</summary>
    public IReadOnlyList<OtelMetricInfo> Metrics()
    {
        var counts = _series.Keys.GroupBy(k => k.Metric, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return [.. _metrics.Values
            .Select(m => new OtelMetricInfo(m.Name, m.Kind, m.Unit, m.Description, counts.GetValueOrDefault(m.Name)))
            .OrderBy(m => m.Name, StringComparer.Ordinal)];
    }

    /// <summary>The instrument's description, or null when it never arrived.</summary>
    public OtelMetricInfo? Describe(string name) =>
        _metrics.TryGetValue(name, out var m) ? new OtelMetricInfo(m.Name, m.Kind, m.Unit, m.Description, _series.Keys.Count(k => k.Metric == name)) : null;

    /// <summary>Every <c>service.name</c> that sent metrics, with the newest point time.</summary>
    public IReadOnlyList<(string Service, DateTimeOffset LastSeen)> Services() =>
        [.. _series.Values
            .GroupBy(s => s.Id.Service, StringComparer.Ordinal)
            .Select(g => (g.Key, new DateTimeOffset(g.Max(s => s.NewestTicks), TimeSpan.Zero)))
            .OrderBy(s => s.Key, StringComparer.Ordinal)];

    /// <summary>
    /// One value of an instrument over [from, to) for a service (null: every service), series of the instrument combined:
    /// last values added (total heap, total active requests), increases and counts added. Null when no point arrived.
    /// </summary>
    public double? Value(string metric, OtelAggregation aggregation, string? service, DateTimeOffset from, DateTimeOffset to)
    {
        if (!_metrics.TryGetValue(metric, out var entry))
        {
            return null;
        }

        var now = _time.GetUtcNow().UtcTicks;
        var combined = OtelBucket.Empty(0);
        Span<OtelBucket> one = stackalloc OtelBucket[1];
        foreach (var series in SeriesOf(metric, service is null ? null : [service]))
        {
            one[0] = OtelBucket.Empty(0);
            series.Window(from.UtcTicks, to.UtcTicks, now, ref one[0]);
            Combine(ref combined, one[0]);
        }

        return Read(entry.Kind, aggregation, combined, (to - from).TotalSeconds);
    }

    /// <summary>
    /// Values per group over the window (groupBy: null, "application" or "attr.&lt;name&gt;"), for alert rules: one
    /// entry per group that has data.
    /// </summary>
    public IReadOnlyList<(string Group, double Value)> Values(string metric, OtelAggregation aggregation, string? groupBy, DateTimeOffset from, DateTimeOffset to)
    {
        if (RatioValues(metric, groupBy, from, to) is { } ratios)
        {
            return ratios;
        }

        if (!_metrics.TryGetValue(metric, out var entry))
        {
            return [];
        }

        var now = _time.GetUtcNow().UtcTicks;
        var groups = new Dictionary<string, OtelBucket>(StringComparer.Ordinal);
        Span<OtelBucket> one = stackalloc OtelBucket[1];
        foreach (var series in SeriesOf(metric, null))
        {
            one[0] = OtelBucket.Empty(0);
            series.Window(from.UtcTicks, to.UtcTicks, now, ref one[0]);
            var key = GroupOf(series, groupBy);
            var g = groups.TryGetValue(key, out var existing) ? existing : OtelBucket.Empty(0);
            Combine(ref g, one[0]);
            groups[key] = g;
        }

        var seconds = (to - from).TotalSeconds;
        return [.. groups
            .Select(g => (g.Key, Value: Read(entry.Kind, aggregation, g.Value, seconds)))
            .Where(g => g.Value is not null)
            .Select(g => (g.Key, g.Value!.Value))
            .OrderBy(g => g.Key, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The instrument in steps over [from, to), one line per group (groupBy null: one "total" line; "application": per
    /// <c>service.name</c>; "attr.&lt;name&gt;": per value of that attribute, "" where absent), optionally only some services.
    /// </summary>
    /// <exception cref="ArgumentException">No resolution divides the step, or too many points.</exception>
    public OtelTimeSeriesReport Query(string metricText, DateTimeOffset from, DateTimeOffset to, TimeSpan step, string? groupBy, IReadOnlyCollection<string>? services)
    {
        if (!TryParseMetric(metricText, out var name, out var aggregation, out var error))
        {
            throw new ArgumentException(error, nameof(metricText));
        }

        if (step <= TimeSpan.Zero || !_stepTicks.Any(s => step.Ticks % s == 0))
        {
            throw new ArgumentException($"step must be a multiple of {string.Join(" or ", Steps)}", nameof(step));
        }

        var first = from.UtcTicks / step.Ticks * step.Ticks;
        var count = (int)Math.Max(0, ((to.UtcTicks - first) + step.Ticks - 1) / step.Ticks);
        if (count > 11_000)
        {
            throw new ArgumentException("the range would hold more than 11,000 points; use a larger step", nameof(step));
        }

        if (!_metrics.TryGetValue(name, out var entry))
        {
            return new OtelTimeSeriesReport(metricText, (long)step.TotalMilliseconds, "unknown", "", ToWire(aggregation), []);
        }

        var now = _time.GetUtcNow().UtcTicks;
        var groups = new Dictionary<string, OtelBucket[]>(StringComparer.Ordinal);
        var buffer = new OtelBucket[count];
        foreach (var series in SeriesOf(name, services))
        {
            Array.Fill(buffer, OtelBucket.Empty(0));
            series.Range(from.UtcTicks, to.UtcTicks, step.Ticks, now, buffer);
            var key = groupBy is null ? "total" : GroupOf(series, groupBy);
            if (!groups.TryGetValue(key, out var line))
            {
                line = new OtelBucket[count];
                Array.Fill(line, OtelBucket.Empty(0));
                groups[key] = line;
            }

            for (var i = 0; i < count; i++)
            {
                Combine(ref line[i], buffer[i]);
            }
        }

        var seconds = step.TotalSeconds;
        var lines = groups
            .OrderByDescending(g => g.Value.Sum(b => b.Count)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(MaxLines)
            .Select(g => new TimeSeriesLine(g.Key, [.. g.Value.Select((b, i) => new double?[]
            {
                new DateTimeOffset(first + (i * step.Ticks), TimeSpan.Zero).ToUnixTimeMilliseconds(),
                Read(entry.Kind, aggregation, b, seconds),
            })]))
            .OrderBy(l => l.Key, StringComparer.Ordinal)
            .ToList();
        var unit = entry.Kind == OtelMetricKind.Counter && aggregation is OtelAggregation.Default or OtelAggregation.Rate ? entry.Unit + "/s" : entry.Unit;
        return new OtelTimeSeriesReport(metricText, (long)step.TotalMilliseconds, entry.Kind.ToString().ToLowerInvariant(), unit, ToWire(aggregation), lines);
    }

    /// <summary>A default step for a window: the finest resolution step that keeps the line under ~240 points.</summary>
    public TimeSpan DefaultStep(TimeSpan window)
    {
        foreach (var s in _stepTicks)
        {
            var reach = s * _bucketCounts[Array.IndexOf(_stepTicks, s)];
            if (reach < window.Ticks)
            {
                continue;
            }

            var multiple = Math.Max(1, (long)Math.Ceiling(window.Ticks / (double)s / 240));
            return TimeSpan.FromTicks(s * multiple);
        }

        var coarsest = _stepTicks[^1];
        return TimeSpan.FromTicks(coarsest * Math.Max(1, (long)Math.Ceiling(window.Ticks / (double)coarsest / 240)));
    }

    /// <summary>The value of a merged bucket under an aggregation (null where it has no data or no meaning).</summary>
    internal static double? Read(OtelMetricKind kind, OtelAggregation aggregation, in OtelBucket b, double seconds)
    {
        if (!b.HasData)
        {
            return null;
        }

        return (kind, aggregation) switch
        {
            (OtelMetricKind.Gauge or OtelMetricKind.Level, OtelAggregation.Default or OtelAggregation.Last) => b.Last,
            (OtelMetricKind.Gauge or OtelMetricKind.Level, OtelAggregation.Avg) => b.Count == 0 ? null : b.Sum / b.Count,
            (OtelMetricKind.Gauge or OtelMetricKind.Level, OtelAggregation.Sum) => b.Sum,
            (OtelMetricKind.Gauge or OtelMetricKind.Level, OtelAggregation.Rate) => null,
            (OtelMetricKind.Counter, OtelAggregation.Default or OtelAggregation.Rate) => b.Sum / seconds,
            (OtelMetricKind.Counter, OtelAggregation.Last or OtelAggregation.Sum) => b.Sum,
            (OtelMetricKind.Counter, OtelAggregation.Avg) => b.Count == 0 ? null : b.Sum / b.Count,
            (OtelMetricKind.Histogram, OtelAggregation.Default or OtelAggregation.Avg) => b.Count == 0 ? null : b.Sum / b.Count,
            (OtelMetricKind.Histogram, OtelAggregation.Rate) => b.Count / seconds,
            (OtelMetricKind.Histogram, OtelAggregation.Sum) => b.Sum,
            (OtelMetricKind.Histogram, OtelAggregation.Last) => b.Count,
            (_, OtelAggregation.Count) => b.Count,
            (_, OtelAggregation.Max) => double.IsFinite(b.Max) ? b.Max : null,
            (_, OtelAggregation.Min) => double.IsFinite(b.Min) ? b.Min : null,
            _ => null,
        };
    }

    /// <summary>Wire name of an aggregation.</summary>
    public static string ToWire(OtelAggregation aggregation) => aggregation.ToString().ToLowerInvariant();

    private IEnumerable<OtelSeries> SeriesOf(string metric, IReadOnlyCollection<string>? services)
    {
        foreach (var (id, series) in _series)
        {
            if (id.Metric == metric && (services is null || services.Count == 0 || services.Contains(id.Service)))
            {
                yield return series;
            }
        }
    }

    private static string GroupOf(OtelSeries series, string? groupBy)
    {
        if (groupBy is null)
        {
            return "";
        }

        if (groupBy == "application")
        {
            return series.Id.Service;
        }

        if (series.Id.Attributes == OverflowValue)
        {
            return OverflowValue;
        }

        var attribute = groupBy.StartsWith("attr.", StringComparison.Ordinal) ? groupBy[5..] : groupBy;
        return series.Attributes.TryGetValue(attribute, out var v) ? v : "";
    }

    /// <summary>Adds one series' step into a group's step: last values add up across series (sum by group).</summary>
    private static void Combine(ref OtelBucket group, in OtelBucket series)
    {
        if (!series.HasData)
        {
            return;
        }

        group.Sum += series.Sum;
        group.Count += series.Count;
        group.Min = Math.Min(group.Min, series.Min);
        group.Max = Math.Max(group.Max, series.Max);
        group.Last += series.Last;
        group.LastTicks = Math.Max(group.LastTicks, series.LastTicks);
    }
}
