using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Metrics;

/// <summary>The operation store's part of /metrics: appended, dropped, queue length, disk bytes and state.</summary>
internal static class OperationStoreMetrics
{
    /// <summary>Writes the store's families.</summary>
    public static void Write(PrometheusTextWriter w, OperationStoreStatus status)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(status);
        w.Family("conciergus_operation_store_appended_total", "counter", "Items committed to the operation store since start, by kind.")
            .Sample("conciergus_operation_store_appended_total", status.Appended, ("kind", "operation"))
            .Sample("conciergus_operation_store_appended_total", status.SpansAppended, ("kind", "span"));
        w.Family("conciergus_operation_store_dropped_total", "counter", "Operations and spans the store dropped (queue full, or a write that failed three times).")
            .Sample("conciergus_operation_store_dropped_total", status.Dropped);
        w.Family("conciergus_operation_store_queue_length", "gauge", "Items waiting for the operation store's writer.")
            .Sample("conciergus_operation_store_queue_length", status.QueueLength);
        w.Family("conciergus_operation_store_disk_bytes", "gauge", "Size of the operation store's database file and write-ahead log.")
            .Sample("conciergus_operation_store_disk_bytes", status.DiskBytes);
        w.Family("conciergus_operation_store_up", "gauge", "1 when the operation store is open and writing, 0 when degraded, starting or disabled.")
            .Sample("conciergus_operation_store_up", status.State == OperationStoreState.Healthy ? 1 : 0);
    }
}
