using Conciergus.Core.Ingestion;
using Conciergus.Dashboard.Metrics;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>The back-pressure counters of <see cref="IngestionGate"/> on /metrics.</summary>
internal static class OtlpOverloadMetrics
{
    /// <summary>Writes the throttled-request counter and the in-flight gauges.</summary>
    public static void Write(PrometheusTextWriter w, IngestionGate gate)
    {
        var s = gate.Snapshot();
        w.Family("conciergus_ingestion_throttled_requests_total", "counter", "Ingestion requests refused with 429 because MaxConcurrentRequests were in flight, by endpoint.")
            .Sample("conciergus_ingestion_throttled_requests_total", s.ThrottledOtlp, ("endpoint", "otlp"))
            .Sample("conciergus_ingestion_throttled_requests_total", s.ThrottledJson, ("endpoint", "json"));
        w.Family("conciergus_ingestion_in_flight_requests", "gauge", "Ingestion requests being read, decoded or recorded now.")
            .Sample("conciergus_ingestion_in_flight_requests", s.InFlight);
        w.Family("conciergus_ingestion_in_flight_requests_peak", "gauge", "Highest number of ingestion requests in flight at once since start.")
            .Sample("conciergus_ingestion_in_flight_requests_peak", s.PeakInFlight);
        w.Family("conciergus_ingestion_max_concurrent_requests", "gauge", "Limit of ingestion requests in flight (Conciergus:Ingestion:MaxConcurrentRequests).")
            .Sample("conciergus_ingestion_max_concurrent_requests", s.Limit);
    }
}
