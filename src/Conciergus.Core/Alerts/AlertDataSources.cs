using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Alerts;

/// <summary>What rules read: the time-series cache, the per-user ledger, drop counters and experiment SRM p-values.</summary>
public sealed class AlertDataSources
{
    /// <summary>Time-series cache (every metric except user_cost, ingestion_drops and experiment_srm).</summary>
    public required TimeSeriesCache Cache { get; init; }

    /// <summary>Per-user cost ledger (user_cost).</summary>
    public required UserCostLedger Ledger { get; init; }

    /// <summary>Total operations lost so far (collector drops and too-old, OTLP rejected spans and refused requests); a counter.</summary>
    public Func<long> IngestionDropCount { get; init; } = static () => 0;

    /// <summary>Application metrics from OTLP (otel: rules); null when the feature is not registered.</summary>
    public AppMetrics.OtelMetricStore? AppMetrics { get; init; }

    /// <summary>Running experiments with their sample-ratio-mismatch p-value.</summary>
    public Func<IReadOnlyList<(string Key, double PValue)>> ExperimentSrm { get; init; } = static () => [];

    /// <summary>A compliance violation metric over the window ending at the instant; null when compliance is not registered (no data).</summary>
    public Func<AlertMetric, TimeSpan, DateTimeOffset, double?> Compliance { get; init; } = static (_, _, _) => null;
}

/// <summary>One label set's value at one evaluation.</summary>
/// <param name="Labels">Group-by labels.</param>
/// <param name="Value">Value (null when a no-data policy forces the instance).</param>
/// <param name="UnpricedRequests">For cost metrics: calls of the series on unpriced models, whose cost is unknown and not in the value.</param>
internal sealed record AlertSample(IReadOnlyDictionary<string, string> Labels, double? Value, long UnpricedRequests = 0);
