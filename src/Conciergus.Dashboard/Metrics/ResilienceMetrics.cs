using Conciergus.Core.Resilience;

namespace Conciergus.Dashboard.Metrics;

/// <summary>The auto-scaling gauges and circuit states in /metrics.</summary>
internal static class ResilienceMetrics
{
    public static void Write(PrometheusTextWriter w, ScalingSignals signals, CircuitRegistry? circuits)
    {
        var all = signals.Compute();
        w.Family("conciergus_recommended_concurrency", "gauge", "Recommended concurrent AI calls per application (Little's law on the last window, with trend and head-room).");
        foreach (var s in all)
        {
            w.Sample("conciergus_recommended_concurrency", s.RecommendedConcurrency, ("application", s.Application));
        }

        w.Family("conciergus_replica_hint", "gauge", "Replica hint per application: recommended concurrency / concurrency per replica.");
        foreach (var s in all)
        {
            w.Sample("conciergus_replica_hint", s.ReplicaHint, ("application", s.Application));
        }

        if (circuits is not null)
        {
            w.Family("conciergus_circuit_state", "gauge", "Circuit per provider and model: 0 closed, 1 half-open, 2 open.");
            foreach (var c in circuits.Snapshot())
            {
                w.Sample("conciergus_circuit_state", c.State switch { CircuitStatus.Closed => 0L, CircuitStatus.HalfOpen => 1L, _ => 2L }, ("provider", c.Provider), ("model", c.Model));
            }
        }
    }
}
