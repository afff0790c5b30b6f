using System.Diagnostics;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.TimeSeries;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Live;

namespace Conciergus.Dashboard.Metrics;

/// <summary>
/// Renders GET /metrics: the cumulative AI metrics of <see cref="AiMetricCounters"/> and the dashboard's own
/// health (collector, time-series cache, trace store, live publisher, process memory).
/// </summary>
public sealed class PrometheusExposition
{
    private static readonly double ProcessStartSeconds = GetProcessStart();

    private readonly AiMetricCounters _counters;
    private readonly IServiceProvider _services;

    /// <summary>Creates the renderer; the read models it reports on are resolved when present.</summary>
    public PrometheusExposition(AiMetricCounters counters, IServiceProvider services)
    {
        _counters = counters;
        _services = services;
    }

    /// <summary>The whole exposition as text (format 0.0.4).</summary>
    public string Render()
    {
        var w = new PrometheusTextWriter();
        WriteAi(w);
        WriteHealth(w);
        return w.ToString();
    }

    private void WriteAi(PrometheusTextWriter w)
    {
        w.Family("conciergus_ai_requests_total", "counter", "AI calls recorded since start, by provider, model and application.");
        foreach (var (key, cell) in Sorted(_counters.Requests(), k => (k.Provider, k.Model, k.Application)))
        {
            w.Sample("conciergus_ai_requests_total", cell.Value, ("provider", key.Provider), ("model", key.Model), ("application", key.Application));
        }

        w.Family("conciergus_ai_errors_total", "counter", "Failed AI calls since start, by provider, model and error category.");
        foreach (var (key, cell) in Sorted(_counters.Errors(), k => (k.Provider, k.Model, k.Category)))
        {
            w.Sample("conciergus_ai_errors_total", cell.Value, ("provider", key.Provider), ("model", key.Model), ("category", key.Category));
        }

        var models = Sorted(_counters.Models(), k => (k.Provider, k.Model, ""));
        w.Family(
            "conciergus_ai_tokens_total",
            "counter",
            "Tokens since start, by provider, model and type. input includes cached_input and cache_creation; output includes reasoning (OpenTelemetry GenAI rules): do not add the types up.");
        foreach (var (key, cell) in models)
        {
            lock (cell.Gate)
            {
                Tokens(w, key, "input", cell.InputTokens);
                Tokens(w, key, "output", cell.OutputTokens);
                Tokens(w, key, "cached_input", cell.CachedInputTokens);
                Tokens(w, key, "cache_creation", cell.CacheCreationInputTokens);
                Tokens(w, key, "reasoning", cell.ReasoningTokens);
            }
        }

        w.Family("conciergus_ai_cost_usd_total", "counter", "Cost in US dollars of the priced AI calls since start, by provider and model.");
        foreach (var (key, cell) in models)
        {
            lock (cell.Gate)
            {
                w.Sample("conciergus_ai_cost_usd_total", cell.CostUsd, ("provider", key.Provider), ("model", key.Model));
            }
        }

        w.Family("conciergus_ai_unpriced_requests_total", "counter", "AI calls whose model has no price (not included in the cost), by provider and model.");
        foreach (var (key, cell) in models)
        {
            lock (cell.Gate)
            {
                w.Sample("conciergus_ai_unpriced_requests_total", cell.Unpriced, ("provider", key.Provider), ("model", key.Model));
            }
        }

        w.Family("conciergus_ai_request_duration_seconds", "histogram", "Duration of AI calls in seconds, by provider and model.");
        foreach (var (key, cell) in models)
        {
            lock (cell.Gate)
            {
                var h = cell.Duration;
                w.Histogram("conciergus_ai_request_duration_seconds", h.Bounds, h.Cumulative(), h.Sum, h.Count, ("provider", key.Provider), ("model", key.Model));
            }
        }

        w.Family("conciergus_ai_time_to_first_token_seconds", "histogram", "Time to first token of streaming AI calls in seconds, by provider and model.");
        foreach (var (key, cell) in models)
        {
            lock (cell.Gate)
            {
                var h = cell.TimeToFirstToken;
                if (h.Count > 0)
                {
                    w.Histogram("conciergus_ai_time_to_first_token_seconds", h.Bounds, h.Cumulative(), h.Sum, h.Count, ("provider", key.Provider), ("model", key.Model));
                }
            }
        }

        w.Family("conciergus_metrics_overflow_total", "counter", "Observations counted under the __overflow__ label set because a metric reached its label-set cap.");
        w.Sample("conciergus_metrics_overflow_total", _counters.Overflowed);
    }

    private void WriteHealth(PrometheusTextWriter w)
    {
        if (_services.GetService<Core.Resilience.ScalingSignals>() is { } signals)
        {
            ResilienceMetrics.Write(w, signals, _services.GetService<Core.Resilience.CircuitRegistry>());
        }

        if (_services.GetService<AiOperationCollector>() is { } collector)
        {
            var stats = collector.Stats;
            w.Family("conciergus_ingestion_operations_total", "counter", "Operations that reached the collector, by result (recorded, or dropped by a failure).")
                .Sample("conciergus_ingestion_operations_total", stats.Recorded, ("result", "recorded"))
                .Sample("conciergus_ingestion_operations_total", stats.Dropped, ("result", "dropped"));
            w.Family("conciergus_collector_sink_failures_total", "counter", "Read-model updates that failed (each is a read model missing one operation).")
                .Sample("conciergus_collector_sink_failures_total", stats.SinkFailures);
            w.Family("conciergus_timeseries_too_old_total", "counter", "Operations older than every ring buffer of the time-series cache.")
                .Sample("conciergus_timeseries_too_old_total", stats.TooOld);
            w.Family("conciergus_timeseries_overflow_total", "counter", "Operations whose dimension value went to an overflow series of the time-series cache.")
                .Sample("conciergus_timeseries_overflow_total", stats.Overflowed);
        }

        if (_services.GetService<Core.Operations.IOperationStore>() is { } operationStore)
        {
            OperationStoreMetrics.Write(w, operationStore.Status);
        }

        if (_services.GetService<OtlpIngestionStats>() is { } otlpStats)
        {
            var otlp = otlpStats.Snapshot();
            w.Family("conciergus_otlp_requests_total", "counter", "OTLP/HTTP export requests received, by result (ok, or failed with 4xx).")
                .Sample("conciergus_otlp_requests_total", otlp.Requests - otlp.FailedRequests, ("result", "ok"))
                .Sample("conciergus_otlp_requests_total", otlp.FailedRequests, ("result", "failed"));
            w.Family("conciergus_otlp_received_bytes_total", "counter", "OTLP/HTTP request body bytes received.")
                .Sample("conciergus_otlp_received_bytes_total", otlp.Bytes);
            w.Family("conciergus_otlp_spans_total", "counter", "OTLP spans by result (accepted, or rejected in a partial success).")
                .Sample("conciergus_otlp_spans_total", otlp.AcceptedSpans, ("result", "accepted"))
                .Sample("conciergus_otlp_spans_total", otlp.RejectedSpans, ("result", "rejected"));
            w.Family("conciergus_otlp_duplicate_ai_spans_total", "counter", "AI spans not counted again because their call was already counted.")
                .Sample("conciergus_otlp_duplicate_ai_spans_total", otlp.DuplicateSpans);
            w.Family("conciergus_otlp_attributes_limited_total", "counter", "Span attributes cut (truncated) or dropped by the limits.")
                .Sample("conciergus_otlp_attributes_limited_total", otlp.TruncatedAttributes, ("action", "truncated"))
                .Sample("conciergus_otlp_attributes_limited_total", otlp.DroppedAttributes, ("action", "dropped"));
            w.Family("conciergus_otlp_pending_child_spans", "gauge", "Vercel do* spans waiting for their ai.* parent (the ingestion queue depth).")
                .Sample("conciergus_otlp_pending_child_spans", otlp.PendingChildren);
        }

        if (_services.GetService<Core.Ingestion.IngestionGate>() is { } gate)
        {
            Endpoints.OtlpOverloadMetrics.Write(w, gate);
        }

        if (_services.GetService<TimeSeriesCache>() is { } cache)
        {
            w.Family("conciergus_timeseries_series", "gauge", "Series held by the time-series cache.")
                .Sample("conciergus_timeseries_series", cache.SeriesCount);
            w.Family("conciergus_timeseries_estimated_bytes", "gauge", "Estimated bytes held by the time-series cache's series (rings, bucket chunks, sketches).")
                .Sample("conciergus_timeseries_estimated_bytes", cache.EstimatedBytes);
            w.Family("conciergus_timeseries_memory_budget_bytes", "gauge", "Conciergus:TimeSeries:MemoryBudgetMB: new series are admitted while the estimate is under it.")
                .Sample("conciergus_timeseries_memory_budget_bytes", cache.MemoryBudgetBytes);
            w.Family("conciergus_timeseries_budget_refused_total", "counter", "Operations sent to an overflow series because the cache was over its memory budget.")
                .Sample("conciergus_timeseries_budget_refused_total", cache.BudgetRefusedCount);
            w.Family("conciergus_timeseries_released_series_total", "counter", "Series released because nothing of theirs was left inside any retention.")
                .Sample("conciergus_timeseries_released_series_total", cache.ReleasedSeriesCount);
        }

        if (_services.GetService<TraceStore>() is { } traces)
        {
            var stats = traces.Stats;
            w.Family("conciergus_traces_stored", "gauge", "Traces held by the trace store.")
                .Sample("conciergus_traces_stored", stats.Traces);
            w.Family("conciergus_trace_spans_stored", "gauge", "Spans held by the trace store.")
                .Sample("conciergus_trace_spans_stored", stats.Spans);
            w.Family("conciergus_traces_evicted_total", "counter", "Traces evicted from the trace store to stay within its bounds.")
                .Sample("conciergus_traces_evicted_total", stats.EvictedTraces);
            w.Family("conciergus_trace_spans_dropped_total", "counter", "New spans dropped because their trace already held the most spans allowed.")
                .Sample("conciergus_trace_spans_dropped_total", stats.DroppedSpans);
            w.Family("conciergus_trace_store_failures_total", "counter", "Spans the trace store could not take (no usable id, or an unexpected failure).")
                .Sample("conciergus_trace_store_failures_total", stats.Failures);
        }

        if (_services.GetService<LivePublisher>() is { } live)
        {
            var status = live.Status;
            w.Family("conciergus_live_publishes_total", "counter", "Live snapshots published to dashboard panels.")
                .Sample("conciergus_live_publishes_total", status.Publishes);
            w.Family("conciergus_live_subscribers", "gauge", "Panels subscribed to live snapshots.")
                .Sample("conciergus_live_subscribers", status.Subscribers);
            w.Family("conciergus_live_failures_total", "counter", "Live publisher ticks and subscriber callbacks that failed.")
                .Sample("conciergus_live_failures_total", status.TickFailures + status.SubscriberFailures);
        }

        if (_services.GetService<Core.Compliance.ComplianceViolations>() is { } violations)
        {
            ComplianceMetrics.Write(w, violations);
        }

        if (_services.GetService<Conciergus.Core.Alerts.IAlertService>() is { } alerts)
        {
            AlertMetrics.Write(w, alerts);
        }

        w.Family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.")
            .Sample("process_resident_memory_bytes", Environment.WorkingSet);
        w.Family("dotnet_gc_heap_size_bytes", "gauge", "Managed heap size in bytes after the last garbage collection.")
            .Sample("dotnet_gc_heap_size_bytes", GC.GetGCMemoryInfo().HeapSizeBytes);
        w.Family("process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch in seconds.")
            .Sample("process_start_time_seconds", ProcessStartSeconds);
    }

    private static void Tokens(PrometheusTextWriter w, (string Provider, string Model) key, string type, long value) =>
        w.Sample("conciergus_ai_tokens_total", value, ("provider", key.Provider), ("model", key.Model), ("type", type));

    private static KeyValuePair<TKey, TValue>[] Sorted<TKey, TValue>(KeyValuePair<TKey, TValue>[] series, Func<TKey, (string, string, string)> parts)
    {
        // Stable order keeps scrapes diffable and tests simple.
        Array.Sort(series, (a, b) =>
        {
            var (a1, a2, a3) = parts(a.Key);
            var (b1, b2, b3) = parts(b.Key);
            var c = string.CompareOrdinal(a1, b1);
            c = c != 0 ? c : string.CompareOrdinal(a2, b2);
            return c != 0 ? c : string.CompareOrdinal(a3, b3);
        });
        return series;
    }

    private static double GetProcessStart()
    {
        using var process = Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }
}
