using System.Collections.Concurrent;

namespace Conciergus.Core.AppMetrics;

/// <summary>
/// Series the dashboard writes itself (service <c>conciergus</c>, attribute <c>model</c> = provider/model), read like
/// any application metric: retries, fallbacks and circuit openings per model (<see cref="RecoverySeries"/>).
/// </summary>
public sealed partial class OtelMetricStore
{
    /// <summary>service.name of the dashboard's own series.</summary>
    public const string InternalService = "conciergus";

    /// <summary>Derived instruments: increases of the first divided by increases of the second, per group.</summary>
    private static readonly Dictionary<string, (string Numerator, string Denominator)> Ratios = new(StringComparer.Ordinal)
    {
        [RecoverySeries.RetryRate] = (RecoverySeries.RetriedCalls, RecoverySeries.Calls),
        [RecoverySeries.FallbackRate] = (RecoverySeries.Fallbacks, RecoverySeries.Calls),
    };

    private readonly ConcurrentDictionary<(string Metric, string Provider, string Model), OtelSeries> _internal = new();

    /// <summary>Adds an increase to an internal counter of a model (allocation-free once the series exists).</summary>
    internal void RecordInternal(string metric, string provider, string model, long ticks, double increase)
    {
        var now = _time.GetUtcNow().UtcTicks;
        if (!_internal.TryGetValue((metric, provider, model), out var series))
        {
            series = CreateInternal(metric, provider, model);
            if (series is null)
            {
                return;
            }
        }

        Place(series, Math.Min(ticks, now), now, increase, 1, increase, increase, increase);
    }

    private OtelSeries? CreateInternal(string metric, string provider, string model)
    {
        var value = Cut(provider + "/" + model);
        lock (_insertGate)
        {
            if (_internal.TryGetValue((metric, provider, model), out var existing))
            {
                return existing;
            }

            if (!_metrics.TryGetValue(metric, out var entry))
            {
                entry = new MetricEntry(metric, OtelMetricKind.Counter, "{event}", "recorded by the dashboard from AI calls and circuit breakers");
                _metrics[metric] = entry;
            }

            if (!entry.Services.TryGetValue(InternalService, out var sets))
            {
                sets = new HashSet<string>(StringComparer.Ordinal);
                entry.Services[InternalService] = sets;
            }

            var canonical = "model=" + value;
            var pairs = new Dictionary<string, string>(StringComparer.Ordinal) { ["model"] = value };
            if (sets.Count >= _options.MaxAttributeSetsPerService && !sets.Contains(canonical))
            {
                canonical = OverflowValue;
                pairs = new Dictionary<string, string>(StringComparer.Ordinal);
                Interlocked.Increment(ref _overflowPoints);
            }

            var id = new OtelSeriesId(metric, InternalService, canonical);
            if (!_series.TryGetValue(id, out var series))
            {
                if (_series.Count >= _options.MaxSeries)
                {
                    Drop($"the series cap ({_options.MaxSeries}) was reached");
                    return null;
                }

                series = new OtelSeries(id, OtelMetricKind.Counter, pairs, _stepTicks, _bucketCounts);
                _series[id] = series;
                sets.Add(canonical);
            }

            if (canonical != OverflowValue)
            {
                _internal[(metric, provider, model)] = series;
            }

            return series;
        }
    }

    /// <summary>Per group, the ratio of two internal counters' increases over the window (null where the denominator is 0).</summary>
    private IReadOnlyList<(string Group, double Value)>? RatioValues(string metric, string? groupBy, DateTimeOffset from, DateTimeOffset to)
    {
        if (!Ratios.TryGetValue(metric, out var ratio))
        {
            return null;
        }

        var denominators = Values(ratio.Denominator, OtelAggregation.Sum, groupBy, from, to).ToDictionary(v => v.Group, v => v.Value, StringComparer.Ordinal);
        var numerators = Values(ratio.Numerator, OtelAggregation.Sum, groupBy, from, to).ToDictionary(v => v.Group, v => v.Value, StringComparer.Ordinal);
        return [.. denominators
            .Where(d => d.Value > 0)
            .Select(d => (d.Key, numerators.GetValueOrDefault(d.Key) / d.Value))
            .OrderBy(d => d.Key, StringComparer.Ordinal)];
    }
}
