using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>POST /api/v1/operations: batches of operations as JSON, for clients without OpenTelemetry.</summary>
public static class OperationIngestionEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapOperationIngestion(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/operations", IngestAsync)
            .AddEndpointFilter<IngestionKeyFilter>()
            .AddEndpointFilter(new OtlpBackpressureFilter(IngestionEndpoint.Json))
            .AsIngestionEndpoint()
            .DisableAntiforgery()
            .WithName("IngestOperations");
        return app;
    }

    private static async Task<IResult> IngestAsync(
        HttpRequest request,
        IOptions<IngestionOptions> options,
        IAiOperationRecorder recorder,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        if (request.ContentType is { Length: > 0 } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            return Results.Problem(
                statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: "Unsupported content type",
                detail: $"Send application/json, not '{contentType}'.");
        }

        var limits = options.Value;
        var body = await RequestBody.ReadLimitedAsync(request, limits.MaxRequestBytes, cancellationToken).ConfigureAwait(false);
        if (body is null)
        {
            return RequestBody.TooLarge(limits.MaxRequestBytes);
        }

        // gzip (as OTLP exporters send) is decompressed up to the same cap as an uncompressed body; other encodings 415.
        var (decoded, encodingProblem) = ContentEncodings.Decode(body, request.Headers.ContentEncoding.ToString(), limits.MaxRequestBytes);
        if (decoded is null)
        {
            return encodingProblem!;
        }

        body = decoded;

        OperationBatch batch;
        try
        {
            batch = OperationJsonReader.Read(body, timeProvider.GetUtcNow(), limits.MaxBatchSize);
        }
        catch (BatchTooLargeException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Batch too large", detail: e.Message);
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Malformed body",
                detail: e is JsonException ? $"The body is not valid JSON: {e.Message}" : e.Message);
        }

        foreach (var operation in batch.Operations)
        {
            recorder.Record(operation);
        }

        var result = new IngestionResult(batch.Operations.Count, batch.Errors.Count, batch.Errors);
        if (batch.Operations.Count == 0 && batch.Errors.Count > 0)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "No valid operation in the batch",
                detail: $"All {batch.Errors.Count} operations were refused; see 'errors' for the reason of each.",
                extensions: new Dictionary<string, object?> { ["accepted"] = 0, ["rejected"] = result.Rejected, ["errors"] = result.Errors });
        }

        return Results.Json(result, statusCode: StatusCodes.Status202Accepted);
    }
}

/// <summary>Reply of the JSON ingestion endpoint.</summary>
/// <param name="Accepted">Operations recorded.</param>
/// <param name="Rejected">Items refused.</param>
/// <param name="Errors">Why each refused item was refused.</param>
public sealed record IngestionResult(int Accepted, int Rejected, IReadOnlyList<ItemError> Errors);
