using System.Text.Json;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Alerting API: /api/v1/alert-rules (Admin writes), /api/v1/alerts (Operator acknowledge / resolve), /api/v1/silences
/// (Operator writes), /api/v1/receivers (Admin writes), /api/v1/alerts/status. Reads need Viewer. The service audits
/// every change with the caller as actor.
/// </summary>
public static class AlertEndpoints
{
    private const int MaxBodyBytes = 256 * 1024;

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        MapRules(app.MapGroup("/api/v1/alert-rules"));
        MapAlerts(app.MapGroup("/api/v1/alerts"));
        MapSilences(app.MapGroup("/api/v1/silences"));
        MapReceivers(app.MapGroup("/api/v1/receivers"));
        app.MapGet("/api/v1/alert-deliveries", (int? limit, IAlertService alerts) =>
                Results.Ok(new { deliveries = alerts.Deliveries(limit ?? 100).Select(d => d with { Error = d.Error is null ? null : ReceiverUrls.Scrub(d.Error) }) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        return app;
    }

    private static void MapRules(RouteGroupBuilder api)
    {
        api.MapGet("/", (IAlertService alerts) => Results.Ok(new { rules = alerts.Rules().Select(AlertRuleJson.From) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", (string id, IAlertService alerts) =>
                alerts.GetRule(id) is { } rule ? Results.Ok(AlertRuleJson.From(rule)) : NotFound("Alert rule", $"No alert rule '{id}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", async (HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) =>
            {
                var (rule, problem) = await ReadRuleAsync(http, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                {
                    var created = await alerts.CreateRuleAsync(rule!, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Created($"/api/v1/alert-rules/{Uri.EscapeDataString(created.Id)}", AlertRuleJson.From(created));
                }).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPost("/preview", async (HttpContext http, string? range, IAlertService alerts, IOptions<JsonOptions> json) =>
            {
                var window = TimeSpan.FromHours(1);
                if (range is not null && !AlertWire.TryParseDuration(range, out window))
                {
                    return Invalid("range", $"'{range}' is not a duration like 1h.");
                }

                var (rule, problem) = await ReadRuleAsync(http, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? Run(() =>
                {
                    var preview = alerts.Preview(rule! with { Name = string.IsNullOrWhiteSpace(rule!.Name) ? "preview" : rule.Name }, window);
                    return Results.Ok(new
                    {
                        step = AlertWire.FormatDuration(preview.Step),
                        threshold = rule.Threshold,
                        recoveryThreshold = rule.RecoveryThreshold,
                        series = preview.Series.Select(s => new
                        {
                            labels = s.Labels,
                            points = s.Points.Select(p => new object?[] { p.At.ToUnixTimeMilliseconds(), double.IsFinite(p.Value) ? p.Value : null }),
                        }),
                        breaches = preview.Breaches,
                    });
                });
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPut("/{id}", async (string id, HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) =>
            {
                var (rule, problem) = await ReadRuleAsync(http, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                    Results.Ok(AlertRuleJson.From(await alerts.UpdateRuleAsync(id, rule!, ActorOf(http), http.RequestAborted).ConfigureAwait(false)))).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapDelete("/{id}", (string id, HttpContext http, IAlertService alerts) =>
                RunAsync(async () =>
                {
                    await alerts.DeleteRuleAsync(id, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.NoContent();
                }))
            .RequireConciergusRole(ConciergusRole.Admin);
    }

    private static void MapAlerts(RouteGroupBuilder api)
    {
        api.MapGet("/", (string? state, IAlertService alerts) =>
            {
                AlertState? filter = null;
                if (!string.IsNullOrEmpty(state))
                {
                    if (!AlertWire.TryParseState(state, out var parsed))
                    {
                        return Invalid("state", $"Unknown state '{state}'; use pending, firing or resolved.");
                    }

                    filter = parsed;
                }

                return Results.Ok(new { alerts = alerts.Instances(filter).Select(i => AlertInstanceJson.From(i, withHistory: false)), firing = alerts.FiringCount });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/status", (IAlertService alerts) => Results.Ok(AlertStatusJson.From(alerts.Status, alerts.FiringCount)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", (string id, IAlertService alerts) =>
                alerts.GetInstance(id) is { } i ? Results.Ok(AlertInstanceJson.From(i, withHistory: true)) : NotFound("Alert", $"No alert '{id}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}/metric", (string id, string? range, IAlertService alerts) =>
            {
                var window = TimeSpan.FromHours(1);
                if (range is not null && !AlertWire.TryParseDuration(range, out window))
                {
                    return Invalid("range", $"'{range}' is not a duration like 1h.");
                }

                return Run(() =>
                {
                    var series = alerts.MetricHistory(id, window);
                    return Results.Ok(new { labels = series.Labels, points = series.Points.Select(p => new object[] { p.At.ToUnixTimeMilliseconds(), p.Value }) });
                });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/{id}/acknowledge", async (string id, HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) =>
            {
                var (body, problem) = await ReadAsync<AlertCommentJson>(http, json.Value.SerializerOptions, allowEmpty: true).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                    Results.Ok(AlertInstanceJson.From(await alerts.AcknowledgeAsync(id, ActorOf(http), body?.Comment, http.RequestAborted).ConfigureAwait(false), withHistory: true))).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{id}/resolve", async (string id, HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) =>
            {
                var (body, problem) = await ReadAsync<AlertCommentJson>(http, json.Value.SerializerOptions, allowEmpty: true).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                    Results.Ok(AlertInstanceJson.From(await alerts.ResolveAsync(id, ActorOf(http), body?.Comment, http.RequestAborted).ConfigureAwait(false), withHistory: true))).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
    }

    private static void MapSilences(RouteGroupBuilder api)
    {
        api.MapGet("/", (IAlertService alerts) => Results.Ok(new { silences = alerts.Silences().Select(s => SilenceJson.From(s, alerts.StateOf(s))) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", (string id, IAlertService alerts) =>
                alerts.Silences().FirstOrDefault(s => s.Id == id) is { } s ? Results.Ok(SilenceJson.From(s, alerts.StateOf(s))) : NotFound("Silence", $"No silence '{id}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", async (HttpContext http, IAlertService alerts, TimeProvider time, IOptions<JsonOptions> json) =>
            {
                var (silence, problem) = await ReadSilenceAsync(http, time, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                {
                    var created = await alerts.CreateSilenceAsync(silence!, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Created($"/api/v1/silences/{Uri.EscapeDataString(created.Id)}", SilenceJson.From(created, alerts.StateOf(created)));
                }).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPut("/{id}", async (string id, HttpContext http, IAlertService alerts, TimeProvider time, IOptions<JsonOptions> json) =>
            {
                var (silence, problem) = await ReadSilenceAsync(http, time, json.Value.SerializerOptions).ConfigureAwait(false);
                return problem ?? await RunAsync(async () =>
                {
                    var updated = await alerts.UpdateSilenceAsync(id, silence!, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Ok(SilenceJson.From(updated, alerts.StateOf(updated)));
                }).ConfigureAwait(false);
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapDelete("/{id}", (string id, HttpContext http, IAlertService alerts) =>
                RunAsync(async () =>
                {
                    await alerts.ExpireSilenceAsync(id, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.NoContent();
                }))
            .RequireConciergusRole(ConciergusRole.Operator);
    }

    private static void MapReceivers(RouteGroupBuilder api)
    {
        // Receiver URLs carry their credential: only Admins get them whole, everyone else scheme and host.
        api.MapGet("/", (HttpContext http, IAlertService alerts) =>
                Results.Ok(new { receivers = alerts.Receivers().Select(r => AlertReceiverJson.From(r, ShowsReceiverUrls(http))) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{name}", (string name, HttpContext http, IAlertService alerts) =>
                alerts.Receivers().FirstOrDefault(r => r.Name == name) is { } r ? Results.Ok(AlertReceiverJson.From(r, ShowsReceiverUrls(http))) : NotFound("Receiver", $"No receiver '{name}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", (HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) => SaveReceiverAsync(http, alerts, json.Value.SerializerOptions, name: null))
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPut("/{name}", (string name, HttpContext http, IAlertService alerts, IOptions<JsonOptions> json) => SaveReceiverAsync(http, alerts, json.Value.SerializerOptions, name))
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapDelete("/{name}", (string name, HttpContext http, IAlertService alerts) =>
                RunAsync(async () =>
                {
                    await alerts.DeleteReceiverAsync(name, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.NoContent();
                }))
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPost("/{name}/test", (string name, HttpContext http, IAlertService alerts) =>
                RunAsync(async () =>
                {
                    var result = await alerts.TestReceiverAsync(name, ActorOf(http), http.RequestAborted).ConfigureAwait(false);
                    return Results.Ok(new { succeeded = result.Succeeded, httpStatus = result.HttpStatus, error = result.Error });
                }))
            .RequireConciergusRole(ConciergusRole.Admin);
    }

    private static async Task<IResult> SaveReceiverAsync(HttpContext http, IAlertService alerts, JsonSerializerOptions options, string? name)
    {
        var (body, problem) = await ReadAsync<AlertReceiverJson>(http, options).ConfigureAwait(false);
        if (problem is not null)
        {
            return problem;
        }

        var receiverName = name ?? body!.Name;
        if (name is not null && body!.Name is { } bodyName && bodyName != name)
        {
            return Invalid("name", $"The body names '{bodyName}' but the path '{name}'; a receiver cannot be renamed.");
        }

        if (string.IsNullOrWhiteSpace(receiverName))
        {
            return Invalid("name", "name is required.");
        }

        if (name is null && alerts.Receivers().Any(r => r.Name == receiverName))
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Receiver exists", detail: $"Receiver '{receiverName}' exists already; PUT /api/v1/receivers/{receiverName} to change it.");
        }

        if (name is not null && alerts.Receivers().FirstOrDefault(r => r.Name == name) is null)
        {
            return NotFound("Receiver", $"No receiver '{name}'.");
        }

        return await RunAsync(async () =>
        {
            var saved = await alerts.SaveReceiverAsync(
                new AlertReceiver { Name = receiverName, Url = body!.Url ?? "", Kind = body.Kind ?? AlertService.WebhookKind, Settings = body.Settings ?? new Dictionary<string, string>() },
                ActorOf(http),
                http.RequestAborted).ConfigureAwait(false);
            return name is null
                ? Results.Created($"/api/v1/receivers/{Uri.EscapeDataString(saved.Name)}", AlertReceiverJson.From(saved, showUrl: true))
                : Results.Ok(AlertReceiverJson.From(saved, showUrl: true));
        }).ConfigureAwait(false);
    }

    private static bool ShowsReceiverUrls(HttpContext http) => http.User.HasConciergusRole(ConciergusRole.Admin);

    /// <summary>The actor of a request (the signed-in user or API key, its role, the client address).</summary>
    internal static Actor ActorOf(HttpContext http)
    {
        var actor = ExperimentEndpoints.ActorOf(http);
        return new Actor(actor.Name, actor.Role, actor.SourceIp);
    }

    private static async Task<(AlertRule? Rule, IResult? Problem)> ReadRuleAsync(HttpContext http, JsonSerializerOptions options)
    {
        var (body, problem) = await ReadAsync<AlertRuleJson>(http, options).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        var (rule, errors) = body!.ToRule();
        return errors.Count > 0
            ? (null, Results.ValidationProblem(errors, detail: "The rule is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), title: "Invalid alert rule"))
            : (rule, null);
    }

    private static async Task<(Silence? Silence, IResult? Problem)> ReadSilenceAsync(HttpContext http, TimeProvider time, JsonSerializerOptions options)
    {
        var (body, problem) = await ReadAsync<SilenceJson>(http, options).ConfigureAwait(false);
        if (problem is not null)
        {
            return (null, problem);
        }

        var (silence, errors) = body!.ToSilence(time.GetUtcNow(), ActorOf(http).Name);
        return errors.Count > 0
            ? (null, Results.ValidationProblem(errors, detail: "The silence is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), title: "Invalid silence"))
            : (silence, null);
    }

    private static Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpContext http, JsonSerializerOptions options, bool allowEmpty = false)
        where T : class =>
        RequestBody.ReadJsonAsync<T>(http, options, MaxBodyBytes, allowEmpty);

    private static IResult Run(Func<IResult> action) => RequestBody.Run<RefusalException>(action, ProblemOf);

    private static Task<IResult> RunAsync(Func<Task<IResult>> action) => RequestBody.RunAsync<RefusalException>(action, ProblemOf);

    private static IResult ProblemOf(RefusalException e) => e.Kind switch
    {
        RefusalKind.NotFound => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: e.Message),
        RefusalKind.Conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Not allowed", detail: e.Message),
        _ => e.Errors.Count > 0
            ? Results.ValidationProblem(e.Errors.ToDictionary(x => x.Key, x => x.Value), detail: e.Message, title: "Invalid request")
            : Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: e.Message),
    };

    private static IResult NotFound(string what, string detail) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: what + " not found", detail: detail);

    private static IResult Invalid(string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, title: "Invalid request");
}
