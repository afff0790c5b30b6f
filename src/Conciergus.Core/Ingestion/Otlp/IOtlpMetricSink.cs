using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>
/// Takes the data points of OTLP metrics exports (both transports), e.g. the application metrics series
/// (<c>Core/AppMetrics</c>). Never throws for bad points: they are skipped and counted by the sink.
/// </summary>
public interface IOtlpMetricSink
{
    /// <summary>Keeps what it can of one export request; the result counts the points kept.</summary>
    OtlpExportResult Accept(ExportMetricsServiceRequest request);
}
