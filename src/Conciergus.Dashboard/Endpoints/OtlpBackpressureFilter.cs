using System.Globalization;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Microsoft.Extensions.Options;
using RpcStatus = Conciergus.Core.Ingestion.Otlp.Proto.Rpc.Status;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Lets an ingestion request (OTLP or JSON) through only while <see cref="IngestionGate"/> has a free slot; otherwise
/// answers 429 with Retry-After at once, before the body is read. OTLP/HTTP exporters retry 429 after Retry-After
/// (OTLP specification, "Retryable response codes"), so a flood slows senders down instead of losing data silently.
/// Runs after <see cref="IngestionKeyFilter"/>: requests without a valid key never take a slot.
/// </summary>
public sealed class OtlpBackpressureFilter(IngestionEndpoint endpoint) : IEndpointFilter
{
    /// <summary>gRPC code RESOURCE_EXHAUSTED, carried by the google.rpc.Status of a refused OTLP protobuf request.</summary>
    private const int ResourceExhausted = 8;

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var gate = http.RequestServices.GetRequiredService<IngestionGate>();
        if (!gate.TryEnter(endpoint))
        {
            return Throttled(http, gate.Limit);
        }

        try
        {
            return await next(context).ConfigureAwait(false);
        }
        finally
        {
            gate.Exit();
        }
    }

    private IResult Throttled(HttpContext http, int limit)
    {
        var retryAfter = http.RequestServices.GetRequiredService<IOptions<IngestionOptions>>().Value.OverloadRetryAfter;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var message = $"Ingestion is at its limit of {limit} concurrent requests; retry in {seconds} s.";
        if (endpoint == IngestionEndpoint.Otlp && OtlpPayload.FormatOf(http.Request.ContentType) == OtlpFormat.Protobuf)
        {
            return new OtlpEndpoints.ProtobufStatusResult(new RpcStatus { Code = ResourceExhausted, Message = message }, StatusCodes.Status429TooManyRequests);
        }

        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Ingestion overloaded",
            detail: message,
            extensions: new Dictionary<string, object?> { ["code"] = ResourceExhausted, ["message"] = message });
    }
}
