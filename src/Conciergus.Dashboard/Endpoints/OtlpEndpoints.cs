using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Dashboard.Security;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using RpcStatus = Conciergus.Core.Ingestion.Otlp.Proto.Rpc.Status;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// OTLP/HTTP receiver (the gRPC one is <see cref="OtlpGrpcServer"/>; both go through <see cref="OtlpReceiver"/>): POST /v1/traces, /v1/metrics, /v1/logs in protobuf or JSON, optionally gzip-compressed.
/// The reply uses the request's format: an empty Export*ServiceResponse (or <c>{}</c>) on full success, a
/// partial success naming what was refused, and for a refused request a google.rpc.Status (protobuf) or a
/// problem details document that also carries <c>code</c> and <c>message</c> (JSON).
/// </summary>
public static class OtlpEndpoints
{
    private const string ProtobufContentType = "application/x-protobuf";

    /// <summary>Maps the three OTLP endpoints (ingestion key required).</summary>
    public static IEndpointRouteBuilder MapOtlpIngestion(this IEndpointRouteBuilder app)
    {
        var otlp = app.MapGroup("/v1")
            .AddEndpointFilter<IngestionKeyFilter>()
            .AddEndpointFilter(new OtlpBackpressureFilter(IngestionEndpoint.Otlp))
            .AsIngestionEndpoint()
            .DisableAntiforgery();

        // Decoding, limits and refusals are this transport's; ingestion and the reply are OtlpReceiver's, shared with gRPC.
        otlp.MapPost("/traces", (HttpContext context, OtlpReceiver receiver) =>
            ExportAsync<ExportTraceServiceRequest, ExportTraceServiceResponse>(context, ExportTraceServiceRequest.Parser, receiver.Export))
            .WithName("OtlpTraces");
        otlp.MapPost("/metrics", (HttpContext context, OtlpReceiver receiver) =>
            ExportAsync<ExportMetricsServiceRequest, ExportMetricsServiceResponse>(context, ExportMetricsServiceRequest.Parser, receiver.Export))
            .WithName("OtlpMetrics");
        otlp.MapPost("/logs", (HttpContext context, OtlpReceiver receiver) =>
            ExportAsync<ExportLogsServiceRequest, ExportLogsServiceResponse>(context, ExportLogsServiceRequest.Parser, receiver.Export))
            .WithName("OtlpLogs");
        return app;
    }

    private static async Task<IResult> ExportAsync<TRequest, TResponse>(
        HttpContext context,
        MessageParser<TRequest> parser,
        Func<TRequest, TResponse> export)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var services = context.RequestServices;
        var stats = services.GetRequiredService<OtlpIngestionStats>();
        var request = context.Request;
        var format = OtlpPayload.FormatOf(request.ContentType);
        if (format is null)
        {
            stats.Request(0);
            stats.FailedRequest();
            return Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type",
                detail: $"Send application/x-protobuf or application/json, not '{request.ContentType}'.");
        }

        var maxBytes = services.GetRequiredService<IOptions<IngestionOptions>>().Value.MaxRequestBytes;
        var body = await RequestBody.ReadLimitedAsync(request, maxBytes, context.RequestAborted).ConfigureAwait(false);
        if (body is null)
        {
            stats.Request(request.ContentLength ?? maxBytes);
            stats.FailedRequest();
            return Failure(format.Value, StatusCodes.Status413PayloadTooLarge, 8, "Request body too large", $"The body exceeds {maxBytes} bytes. Send smaller batches.");
        }

        stats.Request(body.Length);
        TResponse response;
        try
        {
            var options = services.GetRequiredService<IOptions<OtlpOptions>>().Value;
            var decoded = OtlpPayload.Decode(body, request.Headers.ContentEncoding.ToString(), options.MaxDecompressedBytes);
            response = export(OtlpPayload.Parse(decoded, format.Value, parser));
        }
        catch (OtlpRequestException e)
        {
            stats.FailedRequest();
            return e.Failure switch
            {
                OtlpFailure.TooLarge => Failure(format.Value, StatusCodes.Status413PayloadTooLarge, 8, "Request body too large", e.Message),
                OtlpFailure.UnsupportedMediaType => Failure(format.Value, StatusCodes.Status415UnsupportedMediaType, 3, "Unsupported content encoding", e.Message),
                _ => Failure(format.Value, StatusCodes.Status400BadRequest, 3, "Malformed OTLP body", e.Message),
            };
        }

        // An empty response means everything was accepted: "{}" (the formatter would write "{ }").
        return format == OtlpFormat.Protobuf
            ? Results.Bytes(response.ToByteArray(), ProtobufContentType)
            : Results.Text(response.CalculateSize() == 0 ? "{}" : JsonFormatter.Default.Format(response), "application/json");
    }

    /// <summary>A refused request, in the request's format (OTLP/HTTP: google.rpc.Status; gRPC codes 3 invalid argument, 8 resource exhausted).</summary>
    private static IResult Failure(OtlpFormat format, int statusCode, int rpcCode, string title, string message)
    {
        if (format == OtlpFormat.Protobuf)
        {
            return new ProtobufStatusResult(new RpcStatus { Code = rpcCode, Message = message }, statusCode);
        }

        return Results.Problem(
            statusCode: statusCode,
            title: title,
            detail: message,
            extensions: new Dictionary<string, object?> { ["code"] = rpcCode, ["message"] = message });
    }

    /// <summary>A google.rpc.Status body with an HTTP error status (Results.Bytes cannot set the status code).</summary>
    internal sealed class ProtobufStatusResult(RpcStatus status, int statusCode) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var bytes = status.ToByteArray();
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = ProtobufContentType;
            httpContext.Response.ContentLength = bytes.Length;
            return httpContext.Response.Body.WriteAsync(bytes).AsTask();
        }
    }
}
