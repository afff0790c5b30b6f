using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.Options;

namespace Conciergus.Core.Resilience;

/// <summary>The auto-scaling signal of one application (see README.md in this folder for the formula).</summary>
public sealed record ScalingSignal
{
    /// <summary>Application (service.name).</summary>
    public required string Application { get; init; }

    /// <summary>Completed AI calls per second in the last window.</summary>
    public double RequestsPerSecond { get; init; }

    /// <summary>Calls per second in the window before.</summary>
    public double PreviousRequestsPerSecond { get; init; }

    /// <summary>Relative change of the rate (0.2 = +20%); null without traffic in the window before.</summary>
    public double? RateTrend { get; init; }

    /// <summary>Mean latency in the last window (ms); 0 without traffic.</summary>
    public double MeanLatencyMs { get; init; }

    /// <summary>Mean latency in the window before (ms).</summary>
    public double PreviousMeanLatencyMs { get; init; }

    /// <summary>Relative change of the mean latency; null without traffic in the window before.</summary>
    public double? LatencyTrend { get; init; }

    /// <summary>p95 latency in the last window (ms).</summary>
    public double P95LatencyMs { get; init; }

    /// <summary>Calls in flight on average, by Little's law: rate x mean latency.</summary>
    public double InFlight { get; init; }

    /// <summary>Rate expected one window ahead: the current rate plus its rise (never below the current rate).</summary>
    public double ProjectedRequestsPerSecond { get; init; }

    /// <summary>ceil(projected rate x max(mean latency now, before) x head-room); 0 without traffic.</summary>
    public int RecommendedConcurrency { get; init; }

    /// <summary>ceil(recommended concurrency / concurrency per replica), at least 1.</summary>
    public int ReplicaHint { get; init; }
}

/// <summary>Computes <see cref="ScalingSignal"/>s from the time-series cache (per application series).</summary>
public sealed class ScalingSignals(TimeSeriesCache cache, IOptions<ResilienceOptions> options, TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    /// <summary>The settings in force.</summary>
    public ScalingSignalSettings Settings => options.Value.Signals;

    /// <summary>One signal per application seen in the last two windows, by application.</summary>
    public IReadOnlyList<ScalingSignal> Compute(TimeSpan? window = null)
    {
        var w = window ?? Settings.Window;
        var now = _time.GetUtcNow();
        var signals = new List<ScalingSignal>();
        foreach (var key in cache.Keys(SeriesDimension.Application))
        {
            var current = cache.Aggregate(key, now - w, now);
            var previous = cache.Aggregate(key, now - w - w, now - w);
            if (current.Requests == 0 && previous.Requests == 0)
            {
                continue;
            }

            signals.Add(Signal(key.Value, current, previous, w, Settings));
        }

        return [.. signals.OrderBy(s => s.Application, StringComparer.Ordinal)];
    }

    /// <summary>The formula, on two window aggregates (public for tests and the README's worked example).</summary>
    public static ScalingSignal Signal(string application, WindowAggregate current, WindowAggregate previous, TimeSpan window, ScalingSignalSettings settings)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(settings);
        var seconds = window.TotalSeconds;
        var rate = current.Requests / seconds;
        var previousRate = previous.Requests / seconds;
        var latencyMs = current.Latency.Count > 0 ? current.Latency.Mean : 0;
        var previousLatencyMs = previous.Latency.Count > 0 ? previous.Latency.Mean : 0;

        // Look one window ahead on the rate (a rising rate keeps rising for a while); never scale on a dip, and
        // take the worse of the two latencies so a slowdown that just ended still counts once.
        var projected = Math.Max(rate, rate + (rate - previousRate));
        var concurrency = projected * (Math.Max(latencyMs, previousLatencyMs) / 1000.0) * settings.Headroom;
        var recommended = current.Requests == 0 && previous.Requests == 0 ? 0 : (int)Math.Ceiling(Math.Max(concurrency, 1e-9));
        return new ScalingSignal
        {
            Application = application,
            RequestsPerSecond = rate,
            PreviousRequestsPerSecond = previousRate,
            RateTrend = previousRate > 0 ? (rate - previousRate) / previousRate : null,
            MeanLatencyMs = latencyMs,
            PreviousMeanLatencyMs = previousLatencyMs,
            LatencyTrend = previousLatencyMs > 0 ? (latencyMs - previousLatencyMs) / previousLatencyMs : null,
            P95LatencyMs = current.Latency.Count > 0 ? current.Latency.Quantile(0.95) : 0,
            InFlight = rate * latencyMs / 1000.0,
            ProjectedRequestsPerSecond = projected,
            RecommendedConcurrency = recommended,
            ReplicaHint = Math.Max(1, (int)Math.Ceiling(recommended / (double)settings.ConcurrencyPerReplica)),
        };
    }
}
