using System.Security.Claims;
using System.Text.Json;
using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// /api/v1/experiments: CRUD, lifecycle (start, pause, stop, cancel, versions), results, assignment and events.
/// Reads need Viewer, changes Operator ; events are data from apps and take the
/// ingestion key, like POST /api/v1/operations.
/// </summary>
public static class ExperimentEndpoints
{
    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapExperiments(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/experiments");
        api.MapGet("/", (ExperimentService experiments) => Results.Ok(new { experiments = experiments.List() }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{key}", (string key, ExperimentService experiments) =>
                experiments.Get(key) is { } e ? Results.Ok(e) : NotFound(key))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{key}/results", (string key, ExperimentService experiments) => Run(() => Results.Ok(experiments.GetResults(key))))
            .RequireConciergusRole(ConciergusRole.Viewer);
        // A lookup is read-only: it answers the stored or the computed variant and never stores an assignment (a GET
        // reaches here with the cookie on any top-level navigation). Assigning is POST with the ingestion key, below.
        api.MapGet("/{key}/assignment", (string key, string? userId, ExperimentService experiments) =>
                string.IsNullOrEmpty(userId)
                    ? Invalid("userId", "Pass the user id as ?userId=.")
                    : Run(() =>
                    {
                        var a = experiments.Lookup(key, userId);
                        return Results.Ok(new { inExperiment = a.InExperiment, variant = a.Variant, hashValue = a.HashValue });
                    }))
            .RequireConciergusRole(ConciergusRole.Viewer);

        api.MapPost("/", async (HttpContext http, ExperimentService experiments, IOptions<JsonOptions> json) =>
            {
                var (definition, problem) = await ReadAsync<ExperimentDefinition>(http, json.Value.SerializerOptions).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem;
                }

                return await RunAsync(async () =>
                {
                    var created = await experiments.CreateAsync(definition!, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Created($"/api/v1/experiments/{created.Key}", created);
                }).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPut("/{key}", async (string key, HttpContext http, ExperimentService experiments, IOptions<JsonOptions> json) =>
            {
                var (definition, problem) = await ReadAsync<ExperimentDefinition>(http, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                    Results.Ok(await experiments.UpdateAsync(key, definition!, ActorOf(http), http.RequestAborted).ConfigureAwait(false))).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapDelete("/{key}", (string key, HttpContext http, ExperimentService experiments) =>
                RunAsync(async () =>
                {
                    await experiments.DeleteAsync(key, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.NoContent();
                }))
            .RequireConciergusRole(ConciergusRole.Operator);

        api.MapPost("/{key}/start", (string key, HttpContext http, ExperimentService experiments) =>
                RunAsync(async () => Results.Ok(await experiments.StartAsync(key, ActorOf(http), http.RequestAborted).ConfigureAwait(false))))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/pause", (string key, HttpContext http, ExperimentService experiments) =>
                RunAsync(async () => Results.Ok(await experiments.PauseAsync(key, ActorOf(http), http.RequestAborted).ConfigureAwait(false))))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/cancel", (string key, HttpContext http, ExperimentService experiments) =>
                RunAsync(async () => Results.Ok(await experiments.CancelAsync(key, ActorOf(http), http.RequestAborted).ConfigureAwait(false))))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/versions", (string key, HttpContext http, ExperimentService experiments) =>
                RunAsync(async () =>
                {
                    var created = await experiments.CreateVersionAsync(key, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Created($"/api/v1/experiments/{created.Key}", created);
                }))
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{key}/stop", async (string key, HttpContext http, ExperimentService experiments, IOptions<JsonOptions> json) =>
            {
                var (body, problem) = await ReadAsync<StopRequest>(http, json.Value.SerializerOptions, allowEmpty: true).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem;
                }

                return await RunAsync(async () =>
                    Results.Ok(await experiments.StopAsync(key, body?.Winner, ActorOf(http), http.RequestAborted).ConfigureAwait(false))).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);

        app.MapPost("/api/v1/experiments/{key}/events", async (string key, HttpContext http, ExperimentService experiments, IOptions<JsonOptions> json) =>
            {
                var (e, problem) = await ReadAsync<EventRequest>(http, json.Value.SerializerOptions).ConfigureAwait(false);
                if (problem is not null)
                {
                    return problem;
                }

                if (string.IsNullOrEmpty(e!.UserId))
                {
                    return Invalid("userId", "userId is required.");
                }

                if (string.IsNullOrEmpty(e.Name))
                {
                    return Invalid("name", "name is required (the metric the event feeds).");
                }

                return await RunAsync(async () =>
                {
                    var a = await experiments.TrackEventAsync(key, e.UserId, e.Name, e.Value, http.RequestAborted).ConfigureAwait(false);
                    return Results.Accepted(value: new { counted = a.InExperiment, inExperiment = a.InExperiment, variant = a.Variant });
                }).ConfigureAwait(false);
            })
            .AddEndpointFilter<IngestionKeyFilter>()
            .AsIngestionEndpoint()
            .DisableAntiforgery();

        // Assigning stores a sticky assignment: apps do it with their ingestion key (like events), as POST.
        app.MapPost("/api/v1/experiments/{key}/assignment", (string key, string? userId, ExperimentService experiments) =>
                string.IsNullOrEmpty(userId)
                    ? Invalid("userId", "Pass the user id as ?userId=.")
                    : Run(() =>
                    {
                        var a = experiments.Assign(key, userId);
                        return Results.Ok(new { inExperiment = a.InExperiment, variant = a.Variant, hashValue = a.HashValue });
                    }))
            .AddEndpointFilter<IngestionKeyFilter>()
            .AsIngestionEndpoint()
            .DisableAntiforgery();
        return app;
    }

    /// <summary>The actor of a request: the signed-in user's name and role, else "system".</summary>
    internal static Actor ActorOf(HttpContext http)
    {
        var user = http.User;
        var name = user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } n } ? n : "system";
        var role = user.FindFirst(ClaimTypes.Role)?.Value ?? (name == "system" ? "System" : "Viewer");
        return new Actor(name, role, http.Connection.RemoteIpAddress?.ToString());
    }

    private static Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext http, JsonSerializerOptions options, bool allowEmpty = false)
        where T : class =>
        RequestBody.ReadJsonAsync<T>(http, options, MaxBodyBytes, allowEmpty);

    private static IResult Run(Func<IResult> action) => RequestBody.Run<RefusalException>(action, ProblemOf);

    private static Task<IResult> RunAsync(Func<Task<IResult>> action) => RequestBody.RunAsync<RefusalException>(action, ProblemOf);

    private static IResult ProblemOf(RefusalException e) => e.Kind switch
    {
        RefusalKind.NotFound => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Experiment not found", detail: e.Message),
        RefusalKind.Conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed in this state", detail: e.Message),
        _ => e.Errors.Count > 0
            ? Results.ValidationProblem(e.Errors.ToDictionary(x => x.Key, x => x.Value), detail: e.Message, title: "Invalid experiment")
            : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: e.Message),
    };

    private static IResult NotFound(string key) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Experiment not found", detail: $"No experiment '{key}'.");

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid request");

    private sealed record StopRequest(string? Winner);

    private sealed record EventRequest(string? UserId, string? Name, double? Value);
}
