using System.Globalization;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Rpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Runs before every OTLP/gRPC call, before its message is read: the ingestion key (<c>x-otlp-api-key</c> metadata or
/// <c>authorization: Bearer</c>; <c>UNAUTHENTICATED</c> without) and a slot of the shared <see cref="IngestionGate"/>
/// (<c>RESOURCE_EXHAUSTED</c> with a google.rpc.RetryInfo when full, which OTLP exporters retry after the delay), the
/// same checks as <see cref="IngestionKeyFilter"/> and <see cref="OtlpBackpressureFilter"/> on OTLP/HTTP. Refusals
/// are trailers-only gRPC responses.
/// </summary>
internal sealed class OtlpGrpcGate(RequestDelegate next)
{
    private const int Unauthenticated = 16;
    private const int ResourceExhausted = 8;

    public async Task InvokeAsync(HttpContext context, IngestionKeys keys, IngestionGate gate, OtlpIngestionStats stats, IOptions<IngestionOptions> options)
    {
        if (!keys.IsValid(IngestionKeyFilter.ReadKey(context.Request)))
        {
            stats.Request(0);
            stats.FailedRequest();
            Refuse(context, Unauthenticated, $"Send a valid ingestion key as '{IngestionKeyFilter.ApiKeyHeader}' metadata or as 'authorization: Bearer <key>'.", null);
            return;
        }

        if (!gate.TryEnter(IngestionEndpoint.Otlp))
        {
            var retryAfter = options.Value.OverloadRetryAfter;
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            Refuse(
                context,
                ResourceExhausted,
                $"Ingestion is at its limit of {gate.Limit} concurrent requests; retry in {seconds} s.",
                new RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromSeconds(seconds)) });
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            gate.Exit();
        }

        // A call refused by the gRPC layer itself (too large, not decodable, unknown method) never reached a service.
        if (!context.Items.ContainsKey(OtlpGrpcCall.ReachedKey))
        {
            stats.Request(0);
            stats.FailedRequest();
        }
    }

    /// <summary>A trailers-only gRPC response: HTTP 200, content-type application/grpc, grpc-status in the headers.</summary>
    private static void Refuse(HttpContext context, int code, string message, RetryInfo? retry)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = code.ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        if (retry is not null)
        {
            var status = new Status { Code = code, Message = message };
            status.Details.Add(Any.Pack(retry));
            response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        }

        // Completes the response without a body: Kestrel sends the headers with END_STREAM (trailers-only).
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
