using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>
/// The one code path behind both OTLP transports: OTLP/HTTP (<c>POST /v1/*</c>) and OTLP/gRPC (the collector
/// services) hand a decoded Export*ServiceRequest here and send back the response it returns, so the same payload
/// gives the same spans, operations, log records and partial success whichever way it came. The transports only
/// read bytes, check the key, the gate and the size limits, and turn refusals into their own status codes.
/// </summary>
public sealed class OtlpReceiver(OtlpTraceIngestor ingestor, IEnumerable<IOtlpMetricSink>? metricSinks = null)
{
    private readonly IOtlpMetricSink[] _metricSinks = metricSinks?.ToArray() ?? [];

    /// <summary>Ingests a trace export; the response names refused spans (partial success) or is empty.</summary>
    public ExportTraceServiceResponse Export(ExportTraceServiceRequest request)
    {
        var result = ingestor.Ingest(request);
        return result.Rejected == 0
            ? new ExportTraceServiceResponse()
            : new ExportTraceServiceResponse { PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = result.Rejected, ErrorMessage = result.ErrorMessage ?? "" } };
    }

    /// <summary>Counts a metrics export's data points and hands them to the metric sinks (metrics never create operations).</summary>
    public ExportMetricsServiceResponse Export(ExportMetricsServiceRequest request)
    {
        var result = ingestor.Ingest(request);
        foreach (var sink in _metricSinks)
        {
            sink.Accept(request);
        }

        return result.Rejected == 0
            ? new ExportMetricsServiceResponse()
            : new ExportMetricsServiceResponse { PartialSuccess = new ExportMetricsPartialSuccess { RejectedDataPoints = result.Rejected, ErrorMessage = result.ErrorMessage ?? "" } };
    }

    /// <summary>Keeps a logs export's records; the response names refused records (partial success) or is empty.</summary>
    public ExportLogsServiceResponse Export(ExportLogsServiceRequest request)
    {
        var result = ingestor.Ingest(request);
        return result.Rejected == 0
            ? new ExportLogsServiceResponse()
            : new ExportLogsServiceResponse { PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = result.Rejected, ErrorMessage = result.ErrorMessage ?? "" } };
    }
}
