using Conciergus.Core.Audit;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// /api/v1/circuits: the circuit of every provider + model (Viewer) and the operator pins (Operator, audited as
/// circuit.force_open, circuit.force_close, circuit.reset). A model id with a slash is sent URL-encoded (%2F).
/// </summary>
public static class CircuitEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapCircuits(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/circuits");
        api.MapGet("/", (CircuitRegistry circuits) => TypedResults.Ok(new { circuits = circuits.Snapshot() }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/{provider}/{model}/open", (string provider, string model, HttpContext http, CircuitRegistry circuits, AuditRecorder audit) =>
                ChangeAsync(http, audit, "circuit.force_open", provider, model, actor => circuits.ForceOpenAsync(Decode(provider), Decode(model), actor, http.RequestAborted)))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{provider}/{model}/close", (string provider, string model, HttpContext http, CircuitRegistry circuits, AuditRecorder audit) =>
                ChangeAsync(http, audit, "circuit.force_close", provider, model, actor => circuits.ForceCloseAsync(Decode(provider), Decode(model), actor, http.RequestAborted)))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{provider}/{model}/reset", (string provider, string model, HttpContext http, CircuitRegistry circuits, AuditRecorder audit) =>
                ChangeAsync(http, audit, "circuit.reset", provider, model, actor => circuits.ResetAsync(Decode(provider), Decode(model), actor, http.RequestAborted)))
            .RequireConciergusRole(ConciergusRole.Operator);
        return app;
    }

    private static async Task<Results<Ok<CircuitSnapshot>, ProblemHttpResult>> ChangeAsync(
        HttpContext http,
        AuditRecorder audit,
        string action,
        string provider,
        string model,
        Func<string, Task<CircuitSnapshot>> change)
    {
        if (string.IsNullOrWhiteSpace(Decode(provider)) || string.IsNullOrWhiteSpace(Decode(model)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid circuit", detail: "Give a provider and a model.");
        }

        var actor = ActorFactory.Of(http);
        var snapshot = await change(actor.Name).ConfigureAwait(false);

        // The change is in effect; the audit entry is durable before we answer.
        await audit.RecordByAsync(
            actor,
            action,
            $"{snapshot.Provider}/{snapshot.Model}",
            new Dictionary<string, string>(StringComparer.Ordinal) { ["state"] = snapshot.State.ToString(), ["forced"] = snapshot.Forced.ToString() },
            CancellationToken.None).ConfigureAwait(false);
        return TypedResults.Ok(snapshot);
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value).Trim();
}
