using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Security;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>POST /api/v1/pricing/recompute?from=&amp;to= (Admin, audited): re-prices stored operations with the current catalog.</summary>
public static class PricingEndpoints
{
    /// <summary>Audit action of a re-pricing.</summary>
    public const string RecomputeAction = "pricing.recompute";

    /// <summary>Maps the endpoint (roles enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapPricingApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/pricing/recompute", Recompute).RequireConciergusRole(ConciergusRole.Admin);
        return app;
    }

    private static async Task<IResult> Recompute(string? from, string? to, HttpContext context, IOperationStore store, OperationRepricer repricer,
        AuditRecorder recorder, TimeProvider time)
    {
        var now = time.GetUtcNow();
        if (!EndpointInput.TryParseTime(from, out var fromParsed))
        {
            return EndpointInput.Problem400("from", "expected an ISO 8601 date or time, for example 2026-11-01T00:00:00Z");
        }

        if (!EndpointInput.TryParseTime(to, out var toParsed))
        {
            return EndpointInput.Problem400("to", "expected an ISO 8601 date or time, for example 2026-11-27T00:00:00Z");
        }

        var fromTime = fromParsed ?? now.AddDays(-30);
        var toTime = toParsed ?? now;
        if (toTime <= fromTime)
        {
            return EndpointInput.Problem400("to", "must be after from");
        }

        if (store.Status.State != OperationStoreState.Healthy)
        {
            return Results.Problem(
                title: "The operation store is not available",
                detail: $"{store.Status.Reason ?? store.Status.State.ToString()}. Nothing was re-priced; try again when /healthz shows the store healthy.",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var result = await repricer.RecomputeAsync(fromTime, toTime, context.RequestAborted);
        var entry = await recorder.RecordAsync(context, RecomputeAction, "operations", new Dictionary<string, string>
        {
            ["from"] = AuditCanonical.FormatTimestamp(fromTime),
            ["to"] = AuditCanonical.FormatTimestamp(toTime),
            ["read"] = result.Read.ToString(CultureInfo.InvariantCulture),
            ["updated"] = result.Updated.ToString(CultureInfo.InvariantCulture),
            ["costBeforeUsd"] = result.CostBeforeUsd.ToString(CultureInfo.InvariantCulture),
            ["costAfterUsd"] = result.CostAfterUsd.ToString(CultureInfo.InvariantCulture),
        });
        return TypedResults.Ok(new
        {
            from = fromTime,
            to = toTime,
            read = result.Read,
            updated = result.Updated,
            costBeforeUsd = result.CostBeforeUsd,
            costAfterUsd = result.CostAfterUsd,
            auditSequence = entry.Sequence,
        });
    }
}
