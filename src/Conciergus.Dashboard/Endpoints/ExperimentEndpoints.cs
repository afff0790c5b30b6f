using Conciergus.Core.Experiments;
using Conciergus.Core.Refusals;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// /api/v1/experiments: CRUD, lifecycle (start, pause, stop, cancel, versions), results, assignment and events.
/// Reads need Viewer, changes Operator ; events are data from apps and take the
/// ingestion key, like POST /api/v1/operations. Refusals (<see cref="RefusalException"/>) are answered by
/// <see cref="RefusalExceptionHandler"/>.
/// </summary>
public static class ExperimentEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapExperiments(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/experiments");
        api.MapGet("/", (ExperimentService experiments) => TypedResults.Ok(new { experiments = experiments.List() }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{key}", Ok<Experiment> (string key, ExperimentService experiments) =>
                TypedResults.Ok(experiments.Get(key) ?? throw RefusalException.NotFound($"No experiment '{key}'.")))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{key}/results", Ok<ExperimentResults> (string key, ExperimentService experiments) => TypedResults.Ok(experiments.GetResults(key)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        // A lookup is read-only: it answers the stored or the computed variant and never stores an assignment (a GET
        // reaches here with the cookie on any top-level navigation). Assigning is POST with the ingestion key, below.
        api.MapGet("/{key}/assignment", (string key, string? userId, ExperimentService experiments) =>
            {
                var a = experiments.Lookup(key, RequireUserId(userId));
                return TypedResults.Ok(new { inExperiment = a.InExperiment, variant = a.Variant, hashValue = a.HashValue });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);

        api.MapPost("/", async Task<Created<Experiment>> (HttpContext http, ExperimentService experiments) =>
            {
                var definition = (await EndpointInput.ReadJsonAsync<ExperimentDefinition>(http).ConfigureAwait(false))!;
                var created = await experiments.CreateAsync(definition, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/v1/experiments/{created.Key}", created);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPut("/{key}", async Task<Ok<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
            {
                var definition = (await EndpointInput.ReadJsonAsync<ExperimentDefinition>(http).ConfigureAwait(false))!;
                return TypedResults.Ok(await experiments.UpdateAsync(key, definition, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false));
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapDelete("/{key}", async Task<NoContent> (string key, HttpContext http, ExperimentService experiments) =>
            {
                await experiments.DeleteAsync(key, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.NoContent();
            })
            .RequireConciergusRole(ConciergusRole.Operator);

        api.MapPost("/{key}/start", async Task<Ok<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
                TypedResults.Ok(await experiments.StartAsync(key, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false)))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/pause", async Task<Ok<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
                TypedResults.Ok(await experiments.PauseAsync(key, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false)))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/cancel", async Task<Ok<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
                TypedResults.Ok(await experiments.CancelAsync(key, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false)))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/versions", async Task<Created<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
            {
                var created = await experiments.CreateVersionAsync(key, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/v1/experiments/{created.Key}", created);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/stop", async Task<Ok<Experiment>> (string key, HttpContext http, ExperimentService experiments) =>
            {
                var body = await EndpointInput.ReadJsonAsync<StopRequest>(http, allowEmpty: true).ConfigureAwait(false);
                return TypedResults.Ok(await experiments.StopAsync(key, body?.Winner, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false));
            })
            .RequireConciergusRole(ConciergusRole.Operator);

        app.MapPost("/api/v1/experiments/{key}/events", async (string key, HttpContext http, ExperimentService experiments) =>
            {
                var e = (await EndpointInput.ReadJsonAsync<EventRequest>(http).ConfigureAwait(false))!;
                if (string.IsNullOrEmpty(e.UserId))
                {
                    throw RefusalException.Invalid("userId", "userId is required.");
                }

                if (string.IsNullOrEmpty(e.Name))
                {
                    throw RefusalException.Invalid("name", "name is required (the metric the event feeds).");
                }

                var a = await experiments.TrackEventAsync(key, e.UserId, e.Name, e.Value, http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Accepted((string?)null, new { counted = a.InExperiment, inExperiment = a.InExperiment, variant = a.Variant });
            })
            .AddEndpointFilter<IngestionKeyFilter>()
            .AsIngestionEndpoint()
            .DisableAntiforgery();

        // Assigning stores a sticky assignment: apps do it with their ingestion key (like events), as POST.
        app.MapPost("/api/v1/experiments/{key}/assignment", (string key, string? userId, ExperimentService experiments) =>
            {
                var a = experiments.Assign(key, RequireUserId(userId));
                return TypedResults.Ok(new { inExperiment = a.InExperiment, variant = a.Variant, hashValue = a.HashValue });
            })
            .AddEndpointFilter<IngestionKeyFilter>()
            .AsIngestionEndpoint()
            .DisableAntiforgery();
        return app;
    }

    private static string RequireUserId(string? userId) =>
        string.IsNullOrEmpty(userId) ? throw RefusalException.Invalid("userId", "Pass the user id as ?userId=.") : userId;

    private sealed record StopRequest(string? Winner);

    private sealed record EventRequest(string? UserId, string? Name, double? Value);
}
