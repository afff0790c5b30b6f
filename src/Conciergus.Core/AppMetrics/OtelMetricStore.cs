using System.Collections.Concurrent;
using System.Text;

using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Core.TimeSeries;
using Google.Protobuf.Collections;

namespace Conciergus.Core.AppMetrics;

/// <summary>
/// Application metrics from OTLP <c>/v1/metrics</c> as series: per instrument, <c>service.name</c> and attribute set,
/// rings at the time-series cache's resolutions. Gauges keep their observations, non-monotonic sums their level,
/// monotonic sums their increases (read as rates), histograms their count and sum. Cumulative and delta temporality
/// both work; a cumulative stream restarting (new start time, or a smaller value) is a reset, counted. Metrics never
/// become operations: spans are the source of truth for calls (<c>gen_ai.client.*</c> metrics are shown, not counted).
/// </summary>
public sealed partial class OtelMetricStore : IOtlpMetricSink
{
    /// <summary>Service or attribute set taking values past a cap.</summary>
    public const string OverflowValue = SeriesKey.OverflowValue;

    /// <summary>Separator between canonical attribute pairs.</summary>
    public const char AttributeSeparator = '\u001f';

    private const int MaxAttributeValueLength = 256;

    private readonly AppMetricsOptions _options;
    private readonly TimeProvider _time;
    private readonly long[] _stepTicks;
    private readonly int[] _bucketCounts;
    private readonly long _startedTicks;

    private readonly ConcurrentDictionary<string, MetricEntry> _metrics = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<OtelSeriesId, OtelSeries> _series = new();

    // Last cumulative value per original stream (before any overflow folding), so increases stay right when several
    // streams share an overflow series. Bounded: at most 4 x MaxSeries streams; beyond, new cumulative streams are dropped.
    private readonly ConcurrentDictionary<OtelSeriesId, StreamState> _streams = new();
    private readonly Lock _insertGate = new();

    private long _points;
    private long _overflowPoints;
    private long _droppedPoints;
    private long _resets;
    private string? _lastDropReason;

    /// <summary>Creates the store with the cache's resolutions (same steps, retention and bucket alignment).</summary>
    public OtelMetricStore(AppMetricsOptions options, TimeSeriesCache cache, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(time);
        _options = options;
        _time = time;
        _stepTicks = [.. cache.Steps.Select(s => s.Ticks)];
        _bucketCounts = [.. cache.Retentions.Select((r, i) => checked((int)(r.Ticks / _stepTicks[i]) + 1))];
        _startedTicks = time.GetUtcNow().UtcTicks;
    }

    /// <summary>The cache resolutions (finest first) the series are kept at.</summary>
    public IReadOnlyList<TimeSpan> Steps => Array.ConvertAll(_stepTicks, TimeSpan.FromTicks);

    /// <summary>Counters for the health page and /metrics.</summary>
    public AppMetricsStats Stats => new(
        Interlocked.Read(ref _points),
        Interlocked.Read(ref _overflowPoints),
        Interlocked.Read(ref _droppedPoints),
        Interlocked.Read(ref _resets),
        _series.Count,
        _metrics.Count,
        Volatile.Read(ref _lastDropReason));

    /// <inheritdoc />
    public OtlpExportResult Accept(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long accepted = 0;
        var now = _time.GetUtcNow().UtcTicks;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            var service = ServiceName(resourceMetrics.Resource?.Attributes);
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    if (string.IsNullOrEmpty(metric.Name))
                    {
                        continue;
                    }

                    accepted += AcceptMetric(metric, service, now);
                }
            }
        }

        return new OtlpExportResult(accepted, 0, null);
    }

    private long AcceptMetric(Metric metric, string service, long now)
    {
        long accepted = 0;
        switch (metric.DataCase)
        {
            case Metric.DataOneofCase.Gauge:
                foreach (var p in metric.Gauge.DataPoints)
                {
                    accepted += Level(metric, OtelMetricKind.Gauge, service, p, now, delta: false) ? 1 : 0;
                }

                break;
            case Metric.DataOneofCase.Sum:
                var sum = metric.Sum;
                var isDelta = sum.AggregationTemporality == AggregationTemporality.Delta;
                foreach (var p in sum.DataPoints)
                {
                    accepted += (sum.IsMonotonic
                        ? Increase(metric, OtelMetricKind.Counter, service, p.Attributes, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags, Number(p), 0, isDelta, now, null, null)
                        : Level(metric, OtelMetricKind.Level, service, p, now, isDelta)) ? 1 : 0;
                }

                break;
            case Metric.DataOneofCase.Histogram:
                var h = metric.Histogram;
                foreach (var p in h.DataPoints)
                {
                    accepted += Increase(metric, OtelMetricKind.Histogram, service, p.Attributes, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags, p.HasSum ? p.Sum : double.NaN, (long)p.Count,
                        h.AggregationTemporality == AggregationTemporality.Delta, now, p.HasMin ? p.Min : null, p.HasMax ? p.Max : null) ? 1 : 0;
                }

                break;
            case Metric.DataOneofCase.ExponentialHistogram:
                var e = metric.ExponentialHistogram;
                foreach (var p in e.DataPoints)
                {
                    accepted += Increase(metric, OtelMetricKind.Histogram, service, p.Attributes, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags, p.HasSum ? p.Sum : double.NaN, (long)p.Count,
                        e.AggregationTemporality == AggregationTemporality.Delta, now, p.HasMin ? p.Min : null, p.HasMax ? p.Max : null) ? 1 : 0;
                }

                break;
            case Metric.DataOneofCase.Summary:
                foreach (var p in metric.Summary.DataPoints)
                {
                    // Summaries are cumulative by definition (count and sum since start).
                    accepted += Increase(metric, OtelMetricKind.Histogram, service, p.Attributes, p.StartTimeUnixNano, p.TimeUnixNano, p.Flags, p.Sum, (long)p.Count, false, now, null, null) ? 1 : 0;
                }

                break;
        }

        return accepted;
    }

    private static double Number(NumberDataPoint p) => p.ValueCase switch
    {
        NumberDataPoint.ValueOneofCase.AsDouble => p.AsDouble,
        NumberDataPoint.ValueOneofCase.AsInt => p.AsInt,
        _ => double.NaN,
    };

    /// <summary>A gauge observation or an up-down counter level (a delta level is added to the stream's running level).</summary>
    private bool Level(Metric metric, OtelMetricKind kind, string service, NumberDataPoint p, long now, bool delta)
    {
        var value = Number(p);
        if ((p.Flags & 1) != 0 || !double.IsFinite(value))
        {
            return Drop("a point without a finite value");
        }

        if (Resolve(metric, kind, service, p.Attributes) is not { } target)
        {
            return false;
        }

        if (delta)
        {
            var state = _streams.GetOrAdd(target.Stream, static _ => new StreamState());
            if (_streams.Count > _options.MaxSeries * 4)
            {
                _streams.TryRemove(target.Stream, out _);
                return Drop("the stream state cap was reached");
            }

            lock (state)
            {
                state.Value += value;
                value = state.Value;
            }
        }

        return Place(target.Series, Ticks(p.TimeUnixNano, now), now, value, 1, value, value, value);
    }

    /// <summary>A monotonic sum or a histogram point: turned into an increase (delta as is; cumulative against the stream's last point).</summary>
    private bool Increase(
        Metric metric, OtelMetricKind kind, string service, RepeatedField<KeyValue> attributes, ulong startNanos, ulong timeNanos, uint flags,
        double value, long count, bool delta, long now, double? min, double? max)
    {
        if ((flags & 1) != 0 || (kind == OtelMetricKind.Counter && !double.IsFinite(value)))
        {
            return Drop("a point without a finite value");
        }

        if (double.IsNaN(value))
        {
            value = 0; // a histogram without a sum still counts its measurements
        }

        if (Resolve(metric, kind, service, attributes) is not { } target)
        {
            return false;
        }

        var ticks = Ticks(timeNanos, now);
        double increase;
        long countIncrease;
        if (delta)
        {
            increase = value;
            countIncrease = count;
        }
        else
        {
            var state = _streams.GetOrAdd(target.Stream, static _ => new StreamState { Fresh = true });
            if (_streams.Count > _options.MaxSeries * 4)
            {
                _streams.TryRemove(target.Stream, out _);
                return Drop("the stream state cap was reached");
            }

            lock (state)
            {
                var startTicks = Ticks(startNanos, now);
                if (state.Fresh)
                {
                    // First point of a stream: its whole value is an increase only when the stream started after this
                    // store did (we saw its whole life); otherwise it is the baseline, as Prometheus' rate() does.
                    state.Fresh = false;
                    var sawStart = startNanos != 0 && startTicks >= _startedTicks;
                    increase = sawStart ? value : 0;
                    countIncrease = sawStart ? count : 0;
                }
                else if ((startNanos != 0 && startNanos != state.StartNanos) || value < state.Value || count < state.Count)
                {
                    // Reset: the counter restarted from zero (new start time, or it went down).
                    Interlocked.Increment(ref _resets);
                    increase = value;
                    countIncrease = count;
                }
                else
                {
                    increase = value - state.Value;
                    countIncrease = count - state.Count;
                }

                state.StartNanos = startNanos;
                state.Value = value;
                state.Count = count;
            }
        }

        return kind == OtelMetricKind.Counter
            ? Place(target.Series, ticks, now, increase, 1, increase, increase, increase)
            : Place(target.Series, ticks, now, increase, countIncrease, min ?? double.PositiveInfinity, max ?? double.NegativeInfinity, countIncrease == 0 ? 0 : increase / countIncrease);
    }

    private bool Place(OtelSeries series, long ticks, long now, double sum, long count, double min, double max, double last)
    {
        if (!series.Add(ticks, now, sum, count, min, max, last))
        {
            return Drop("a point older than every ring");
        }

        Interlocked.Increment(ref _points);
        return true;
    }

    private static long Ticks(ulong unixNanos, long now)
    {
        if (unixNanos == 0)
        {
            return now;
        }

        var ticks = DateTimeOffset.UnixEpoch.UtcTicks + (long)Math.Min(unixNanos / 100, (ulong)(DateTimeOffset.MaxValue.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks));
        return Math.Min(ticks, now); // a point from the future is "now"
    }

    private bool Drop(string reason)
    {
        Interlocked.Increment(ref _droppedPoints);
        Volatile.Write(ref _lastDropReason, reason);
        return false;
    }

    /// <summary>The series a point goes to (after the caps) and the stream it belongs to (before them).</summary>
    private (OtelSeries Series, OtelSeriesId Stream)? Resolve(Metric metric, OtelMetricKind kind, string service, RepeatedField<KeyValue> attributes)
    {
        var (canonical, pairs) = Canonical(attributes);
        var stream = new OtelSeriesId(metric.Name, service, canonical);
        if (_series.TryGetValue(stream, out var hit))
        {
            return hit.Kind == kind ? (hit, stream) : KindClash(metric.Name);
        }

        lock (_insertGate)
        {
            if (!_metrics.TryGetValue(metric.Name, out var entry))
            {
                if (_metrics.Count >= _options.MaxMetrics)
                {
                    Drop($"the instrument cap ({_options.MaxMetrics}) was reached");
                    return null;
                }

                entry = new MetricEntry(metric.Name, kind, Cut(metric.Unit), Cut(metric.Description));
                _metrics[metric.Name] = entry;
            }

            if (entry.Kind != kind)
            {
                return KindClash(metric.Name);
            }

            var overflow = false;
            if (!entry.Services.TryGetValue(service, out var sets))
            {
                if (entry.Services.Count >= _options.MaxServicesPerMetric)
                {
                    service = OverflowValue;
                    overflow = true;
                }

                if (!entry.Services.TryGetValue(service, out sets))
                {
                    sets = new HashSet<string>(StringComparer.Ordinal);
                    entry.Services[service] = sets;
                }
            }

            if (!sets.Contains(canonical))
            {
                if (sets.Count >= _options.MaxAttributeSetsPerService)
                {
                    canonical = OverflowValue;
                    pairs = new Dictionary<string, string>(StringComparer.Ordinal);
                    overflow = true;
                }
            }

            var id = new OtelSeriesId(metric.Name, service, canonical);
            if (!_series.TryGetValue(id, out var series))
            {
                if (_series.Count >= _options.MaxSeries)
                {
                    Drop($"the series cap ({_options.MaxSeries}) was reached");
                    return null;
                }

                series = new OtelSeries(id, kind, pairs, _stepTicks, _bucketCounts);
                _series[id] = series;
                sets.Add(canonical);
            }

            if (overflow)
            {
                Interlocked.Increment(ref _overflowPoints);
            }

            return (series, stream);
        }
    }

    private (OtelSeries, OtelSeriesId)? KindClash(string name)
    {
        Drop($"instrument '{Cut(name)}' arrived with another kind than first seen");
        return null;
    }

    private (string Canonical, Dictionary<string, string> Pairs) Canonical(RepeatedField<KeyValue> attributes)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (attributes.Count == 0)
        {
            return ("", pairs);
        }

        foreach (var kv in attributes.OrderBy(a => a.Key, StringComparer.Ordinal).Take(_options.MaxAttributesPerPoint))
        {
            pairs[Cut(kv.Key)] = Cut(OtlpTraceIngestor.ToText(kv.Value));
        }

        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append(AttributeSeparator);
            }

            text.Append(key).Append('=').Append(value);
        }

        return (text.ToString(), pairs);
    }

    private static string Cut(string? text) =>
        string.IsNullOrEmpty(text) ? "" : text.Length <= MaxAttributeValueLength ? text : text[..MaxAttributeValueLength];

    private static string ServiceName(RepeatedField<KeyValue>? attributes)
    {
        if (attributes is not null)
        {
            foreach (var kv in attributes)
            {
                if (kv.Key == "service.name" && kv.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue && !string.IsNullOrWhiteSpace(kv.Value.StringValue))
                {
                    return Cut(kv.Value.StringValue);
                }
            }
        }

        return "unknown";
    }

    private sealed class StreamState
    {
        public bool Fresh;
        public ulong StartNanos;
        public double Value;
        public long Count;
    }

    private sealed class MetricEntry(string name, OtelMetricKind kind, string unit, string description)
    {
        public string Name { get; } = name;

        public OtelMetricKind Kind { get; } = kind;

        public string Unit { get; } = unit;

        public string Description { get; } = description;

        /// <summary>Service -> attribute sets held (guarded by the insert gate).</summary>
        public Dictionary<string, HashSet<string>> Services { get; } = new(StringComparer.Ordinal);
    }
}
