using Conciergus.Core.Alerts;
using Conciergus.Core.Refusals;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Alerting API: /api/v1/alert-rules (Admin writes), /api/v1/alerts (Operator acknowledge / resolve), /api/v1/silences
/// (Operator writes), /api/v1/receivers (Admin writes), /api/v1/alerts/status. Reads need Viewer. The service audits
/// every change with the caller as actor. Refusals (<see cref="RefusalException"/>) are answered by
/// <see cref="RefusalExceptionHandler"/>.
/// </summary>
public static class AlertEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        MapRules(app.MapGroup("/api/v1/alert-rules"));
        MapAlerts(app.MapGroup("/api/v1/alerts"));
        MapSilences(app.MapGroup("/api/v1/silences"));
        MapReceivers(app.MapGroup("/api/v1/receivers"));
        app.MapGet("/api/v1/alert-deliveries", (int? limit, IAlertService alerts) =>
                TypedResults.Ok(new { deliveries = alerts.Deliveries(limit ?? 100).Select(d => d with { Error = d.Error is null ? null : ReceiverUrls.Scrub(d.Error) }) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        return app;
    }

    private static void MapRules(RouteGroupBuilder api)
    {
        api.MapGet("/", (IAlertService alerts) => TypedResults.Ok(new { rules = alerts.Rules().Select(AlertRuleJson.From) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", Ok<AlertRuleJson> (string id, IAlertService alerts) =>
                TypedResults.Ok(AlertRuleJson.From(alerts.GetRule(id) ?? throw RefusalException.NotFound($"No alert rule '{id}'."))))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", async Task<Created<AlertRuleJson>> (HttpContext http, IAlertService alerts) =>
            {
                var rule = await ReadRuleAsync(http).ConfigureAwait(false);
                var created = await alerts.CreateRuleAsync(rule, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/v1/alert-rules/{Uri.EscapeDataString(created.Id)}", AlertRuleJson.From(created));
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPost("/preview", async (HttpContext http, string? range, IAlertService alerts) =>
            {
                var window = Duration(range);
                var rule = await ReadRuleAsync(http).ConfigureAwait(false);
                var preview = alerts.Preview(rule with { Name = string.IsNullOrWhiteSpace(rule.Name) ? "preview" : rule.Name }, window);
                return TypedResults.Ok(new
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
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPut("/{id}", async Task<Ok<AlertRuleJson>> (string id, HttpContext http, IAlertService alerts) =>
            {
                var rule = await ReadRuleAsync(http).ConfigureAwait(false);
                return TypedResults.Ok(AlertRuleJson.From(await alerts.UpdateRuleAsync(id, rule, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false)));
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapDelete("/{id}", async Task<NoContent> (string id, HttpContext http, IAlertService alerts) =>
            {
                await alerts.DeleteRuleAsync(id, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.NoContent();
            })
            .RequireConciergusRole(ConciergusRole.Admin);
    }

    private static void MapAlerts(RouteGroupBuilder api)
    {
        api.MapGet("/", (string? state, IAlertService alerts) =>
            {
                AlertState? filter = null;
                if (!string.IsNullOrEmpty(state))
                {
                    filter = AlertWire.TryParseState(state, out var parsed)
                        ? parsed
                        : throw RefusalException.Invalid("state", $"Unknown state '{state}'; use pending, firing or resolved.");
                }

                return TypedResults.Ok(new { alerts = alerts.Instances(filter).Select(i => AlertInstanceJson.From(i, withHistory: false)), firing = alerts.FiringCount });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/status", (IAlertService alerts) => TypedResults.Ok(AlertStatusJson.From(alerts.Status, alerts.FiringCount)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", Ok<AlertInstanceJson> (string id, IAlertService alerts) =>
                TypedResults.Ok(AlertInstanceJson.From(alerts.GetInstance(id) ?? throw RefusalException.NotFound($"No alert '{id}'."), withHistory: true)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}/metric", (string id, string? range, IAlertService alerts) =>
            {
                var series = alerts.MetricHistory(id, Duration(range));
                return TypedResults.Ok(new { labels = series.Labels, points = series.Points.Select(p => new object[] { p.At.ToUnixTimeMilliseconds(), p.Value }) });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/{id}/acknowledge", async Task<Ok<AlertInstanceJson>> (string id, HttpContext http, IAlertService alerts) =>
            {
                var body = await EndpointInput.ReadJsonAsync<AlertCommentJson>(http, allowEmpty: true).ConfigureAwait(false);
                return TypedResults.Ok(AlertInstanceJson.From(await alerts.AcknowledgeAsync(id, ActorFactory.Of(http), body?.Comment, http.RequestAborted).ConfigureAwait(false), withHistory: true));
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPost("/{id}/resolve", async Task<Ok<AlertInstanceJson>> (string id, HttpContext http, IAlertService alerts) =>
            {
                var body = await EndpointInput.ReadJsonAsync<AlertCommentJson>(http, allowEmpty: true).ConfigureAwait(false);
                return TypedResults.Ok(AlertInstanceJson.From(await alerts.ResolveAsync(id, ActorFactory.Of(http), body?.Comment, http.RequestAborted).ConfigureAwait(false), withHistory: true));
            })
            .RequireConciergusRole(ConciergusRole.Operator);
    }

    private static void MapSilences(RouteGroupBuilder api)
    {
        api.MapGet("/", (IAlertService alerts) => TypedResults.Ok(new { silences = alerts.Silences().Select(s => SilenceJson.From(s, alerts.StateOf(s))) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{id}", Ok<SilenceJson> (string id, IAlertService alerts) =>
                alerts.Silences().FirstOrDefault(s => s.Id == id) is { } s
                    ? TypedResults.Ok(SilenceJson.From(s, alerts.StateOf(s)))
                    : throw RefusalException.NotFound($"No silence '{id}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", async Task<Created<SilenceJson>> (HttpContext http, IAlertService alerts, TimeProvider time) =>
            {
                var silence = await ReadSilenceAsync(http, time).ConfigureAwait(false);
                var created = await alerts.CreateSilenceAsync(silence, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Created($"/api/v1/silences/{Uri.EscapeDataString(created.Id)}", SilenceJson.From(created, alerts.StateOf(created)));
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapPut("/{id}", async Task<Ok<SilenceJson>> (string id, HttpContext http, IAlertService alerts, TimeProvider time) =>
            {
                var silence = await ReadSilenceAsync(http, time).ConfigureAwait(false);
                var updated = await alerts.UpdateSilenceAsync(id, silence, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(SilenceJson.From(updated, alerts.StateOf(updated)));
            })
            .RequireConciergusRole(ConciergusRole.Operator);
        api.MapDelete("/{id}", async Task<NoContent> (string id, HttpContext http, IAlertService alerts) =>
            {
                await alerts.ExpireSilenceAsync(id, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.NoContent();
            })
            .RequireConciergusRole(ConciergusRole.Operator);
    }

    private static void MapReceivers(RouteGroupBuilder api)
    {
        // Receiver URLs carry their credential: only Admins get them whole, everyone else scheme and host.
        api.MapGet("/", (HttpContext http, IAlertService alerts) =>
                TypedResults.Ok(new { receivers = alerts.Receivers().Select(r => AlertReceiverJson.From(r, ShowsReceiverUrls(http))) }))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapGet("/{name}", Ok<AlertReceiverJson> (string name, HttpContext http, IAlertService alerts) =>
                alerts.Receivers().FirstOrDefault(r => r.Name == name) is { } r
                    ? TypedResults.Ok(AlertReceiverJson.From(r, ShowsReceiverUrls(http)))
                    : throw RefusalException.NotFound($"No receiver '{name}'."))
            .RequireConciergusRole(ConciergusRole.Viewer);
        api.MapPost("/", async Task<Created<AlertReceiverJson>> (HttpContext http, IAlertService alerts) =>
            {
                var saved = await SaveReceiverAsync(http, alerts, name: null).ConfigureAwait(false);
                return TypedResults.Created($"/api/v1/receivers/{Uri.EscapeDataString(saved.Name)}", AlertReceiverJson.From(saved, showUrl: true));
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPut("/{name}", async Task<Ok<AlertReceiverJson>> (string name, HttpContext http, IAlertService alerts) =>
                TypedResults.Ok(AlertReceiverJson.From(await SaveReceiverAsync(http, alerts, name).ConfigureAwait(false), showUrl: true)))
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapDelete("/{name}", async Task<NoContent> (string name, HttpContext http, IAlertService alerts) =>
            {
                await alerts.DeleteReceiverAsync(name, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.NoContent();
            })
            .RequireConciergusRole(ConciergusRole.Admin);
        api.MapPost("/{name}/test", async (string name, HttpContext http, IAlertService alerts) =>
            {
                var result = await alerts.TestReceiverAsync(name, ActorFactory.Of(http), http.RequestAborted).ConfigureAwait(false);
                return TypedResults.Ok(new { succeeded = result.Succeeded, httpStatus = result.HttpStatus, error = result.Error });
            })
            .RequireConciergusRole(ConciergusRole.Admin);
    }

    private static async Task<AlertReceiver> SaveReceiverAsync(HttpContext http, IAlertService alerts, string? name)
    {
        var body = (await EndpointInput.ReadJsonAsync<AlertReceiverJson>(http).ConfigureAwait(false))!;
        var receiverName = name ?? body.Name;
        if (name is not null && body.Name is { } bodyName && bodyName != name)
        {
            throw RefusalException.Invalid("name", $"The body names '{bodyName}' but the path '{name}'; a receiver cannot be renamed.");
        }

        if (string.IsNullOrWhiteSpace(receiverName))
        {
            throw RefusalException.Invalid("name", "name is required.");
        }

        if (name is null && alerts.Receivers().Any(r => r.Name == receiverName))
        {
            throw RefusalException.Conflict($"Receiver '{receiverName}' exists already; PUT /api/v1/receivers/{receiverName} to change it.");
        }

        if (name is not null && alerts.Receivers().FirstOrDefault(r => r.Name == name) is null)
        {
            throw RefusalException.NotFound($"No receiver '{name}'.");
        }

        return await alerts.SaveReceiverAsync(
            new AlertReceiver { Name = receiverName, Url = body.Url ?? "", Kind = body.Kind ?? AlertService.WebhookKind, Settings = body.Settings ?? new Dictionary<string, string>() },
            ActorFactory.Of(http),
            http.RequestAborted).ConfigureAwait(false);
    }

    private static bool ShowsReceiverUrls(HttpContext http) => http.User.HasConciergusRole(ConciergusRole.Admin);

    /// <summary>The ?range= of a chart (1h when absent).</summary>
    private static TimeSpan Duration(string? range) =>
        range is null ? TimeSpan.FromHours(1)
        : AlertWire.TryParseDuration(range, out var window) ? window
        : throw RefusalException.Invalid("range", $"'{range}' is not a duration like 1h.");

    private static async Task<AlertRule> ReadRuleAsync(HttpContext http)
    {
        var body = (await EndpointInput.ReadJsonAsync<AlertRuleJson>(http).ConfigureAwait(false))!;
        var (rule, errors) = body.ToRule();
        return errors.Count > 0
            ? throw new RefusalException(RefusalKind.Invalid, "The rule is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), errors)
            : rule!;
    }

    private static async Task<Silence> ReadSilenceAsync(HttpContext http, TimeProvider time)
    {
        var body = (await EndpointInput.ReadJsonAsync<SilenceJson>(http).ConfigureAwait(false))!;
        var (silence, errors) = body.ToSilence(time.GetUtcNow(), ActorFactory.Of(http).Name);
        return errors.Count > 0
            ? throw new RefusalException(RefusalKind.Invalid, "The silence is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), errors)
            : silence!;
    }
}
