using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Resilience;

namespace Conciergus.Core.AppMetrics;

/// <summary>
/// Recovery made visible (issue 18 item 5): per model (attribute <c>model</c> = provider/model, service <c>conciergus</c>)
/// counters of calls, calls that needed a retry, retries, fallbacks, and circuit openings, kept as application-metric
/// series. Read with <c>otel:conciergus.model.fallbacks:sum&amp;groupBy=attr.model</c>; the derived
/// <c>otel:conciergus.model.retry_rate</c> and <c>otel:conciergus.model.fallback_rate</c> (share of calls) are alertable.
/// </summary>
public sealed class RecoverySeries : IAiOperationSink, IDisposable
{
    /// <summary>AI calls per model.</summary>
    public const string Calls = "conciergus.model.calls";

    /// <summary>Calls that needed at least one retry.</summary>
    public const string RetriedCalls = "conciergus.model.retried_calls";

    /// <summary>Retries (a call retried twice counts 2).</summary>
    public const string Retries = "conciergus.model.retries";

    /// <summary>Calls answered by a fallback model.</summary>
    public const string Fallbacks = "conciergus.model.fallbacks";

    /// <summary>Circuit breaker openings.</summary>
    public const string CircuitOpenings = "conciergus.model.circuit_openings";

    /// <summary>Derived: retried calls / calls over the window, per group (alerts).</summary>
    public const string RetryRate = "conciergus.model.retry_rate";

    /// <summary>Derived: fallbacks / calls over the window, per group (alerts).</summary>
    public const string FallbackRate = "conciergus.model.fallback_rate";

    private readonly OtelMetricStore _store;
    private readonly TimeProvider _time;
    private readonly CircuitRegistry? _circuits;
    private readonly Dictionary<(string Provider, string Model), long> _openings = [];
    private readonly IDisposable? _circuitsChanged;

    /// <summary>Creates the sink; with a circuit registry, openings are counted as they happen.</summary>
    public RecoverySeries(OtelMetricStore store, TimeProvider time, CircuitRegistry? circuits = null)
    {
        _store = store;
        _time = time;
        _circuits = circuits;
        if (circuits is not null)
        {
            foreach (var c in circuits.Snapshot())
            {
                _openings[(c.Provider, c.Model)] = c.Opened;
            }

            _circuitsChanged = circuits.Changes.Subscribe(OnCircuitsChangedAsync, TimeSpan.Zero);
        }
    }

    /// <inheritdoc />
    public void Accept(AiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var d = operation.DurationMs;
        var ticks = operation.StartTime.UtcTicks + (double.IsFinite(d) && d > 0 ? (long)Math.Min(d * TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerDay) : 0);
        var provider = operation.Provider;
        var model = operation.Model ?? "unknown";
        _store.RecordInternal(Calls, provider, model, ticks, 1);
        if (operation.RetryCount > 0)
        {
            _store.RecordInternal(RetriedCalls, provider, model, ticks, 1);
            _store.RecordInternal(Retries, provider, model, ticks, operation.RetryCount);
        }

        if (operation.FallbackUsed)
        {
            _store.RecordInternal(Fallbacks, provider, model, ticks, 1);
        }
    }

    /// <summary>
    /// Retry rate and fallback rate (share of calls, null where a step has no call) and circuit openings per step,
    /// all models together, for the Models page chart.
    /// </summary>
    public (IReadOnlyList<double?[]> RetryRate, IReadOnlyList<double?[]> FallbackRate, IReadOnlyList<double?[]> Openings) Lines(TimeSpan window, TimeSpan step)
    {
        var to = _time.GetUtcNow().AddTicks(1);
        var from = to - window;
        var calls = Line(Calls, from, to, step);
        var retried = Line(RetriedCalls, from, to, step);
        var fallbacks = Line(Fallbacks, from, to, step);
        var openings = Line(CircuitOpenings, from, to, step);
        return (Ratio(retried, calls), Ratio(fallbacks, calls), openings);
    }

    /// <summary>Totals over the window, all models: calls, retried calls, fallbacks, circuit openings.</summary>
    public (double Calls, double Retried, double Fallbacks, double Openings) Totals(TimeSpan window)
    {
        var to = _time.GetUtcNow().AddTicks(1);
        var from = to - window;
        return (Sum(Calls), Sum(RetriedCalls), Sum(Fallbacks), Sum(CircuitOpenings));

        double Sum(string metric) => _store.Value(metric, OtelAggregation.Sum, OtelMetricStore.InternalService, from, to) ?? 0;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _circuitsChanged?.Dispose();
    }

    private IReadOnlyList<double?[]> Line(string metric, DateTimeOffset from, DateTimeOffset to, TimeSpan step) =>
        _store.Query(OtelMetricStore.MetricPrefix + metric + ":sum", from, to, step, null, [OtelMetricStore.InternalService]).Series is [var line, ..]
            ? line.Points
            : [];

    private static IReadOnlyList<double?[]> Ratio(IReadOnlyList<double?[]> numerator, IReadOnlyList<double?[]> denominator)
    {
        var top = numerator.ToDictionary(p => p[0]!.Value, p => p[1] ?? 0);
        return [.. denominator.Select(p => new double?[] { p[0], p[1] is double d && d > 0 ? top.GetValueOrDefault(p[0]!.Value) / d : null })];
    }

    private Task OnCircuitsChangedAsync()
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_openings)
        {
            // Notified on every state change (no interval: each is delivered, never two at once); only the growth of each circuit's opening count is recorded.
            foreach (var c in _circuits!.Snapshot())
            {
                var before = _openings.GetValueOrDefault((c.Provider, c.Model));
                if (c.Opened > before)
                {
                    _openings[(c.Provider, c.Model)] = c.Opened;
                    _store.RecordInternal(CircuitOpenings, c.Provider, c.Model, now, c.Opened - before);
                }
            }
        }

        return Task.CompletedTask;
    }
}
