using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Google.Protobuf;
using Grpc.Core;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.trace.v1.TraceService</c>: the same <see cref="OtlpReceiver"/> as POST /v1/traces.</summary>
public sealed class OtlpGrpcTraceService(OtlpReceiver receiver, OtlpIngestionStats stats) : TraceService.TraceServiceBase
{
    /// <inheritdoc />
    public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context) =>
        Task.FromResult(receiver.Export(OtlpGrpcCall.Arrived(request, context, stats)));
}

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.metrics.v1.MetricsService</c>: the same <see cref="OtlpReceiver"/> as POST /v1/metrics.</summary>
public sealed class OtlpGrpcMetricsService(OtlpReceiver receiver, OtlpIngestionStats stats) : MetricsService.MetricsServiceBase
{
    /// <inheritdoc />
    public override Task<ExportMetricsServiceResponse> Export(ExportMetricsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(receiver.Export(OtlpGrpcCall.Arrived(request, context, stats)));
}

/// <summary>OTLP/gRPC <c>opentelemetry.proto.collector.logs.v1.LogsService</c>: the same <see cref="OtlpReceiver"/> as POST /v1/logs.</summary>
public sealed class OtlpGrpcLogsService(OtlpReceiver receiver, OtlpIngestionStats stats) : LogsService.LogsServiceBase
{
    /// <inheritdoc />
    public override Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context) =>
        Task.FromResult(receiver.Export(OtlpGrpcCall.Arrived(request, context, stats)));
}

/// <summary>Bookkeeping shared by the three services.</summary>
internal static class OtlpGrpcCall
{
    /// <summary>HttpContext.Items key set when a call reached its service (the gate middleware counts the others as failed).</summary>
    public const string ReachedKey = "conciergus.otlp.grpc.reached";

    /// <summary>Counts the request (its decoded size: gRPC gives the handler no wire size) and marks the call as reached.</summary>
    public static T Arrived<T>(T request, ServerCallContext context, OtlpIngestionStats stats)
        where T : IMessage
    {
        stats.Request(request.CalculateSize());
        context.GetHttpContext().Items[ReachedKey] = true;
        return request;
    }
}
