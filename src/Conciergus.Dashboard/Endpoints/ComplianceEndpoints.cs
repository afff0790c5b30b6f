using System.Globalization;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Consent (POST from apps with the ingestion key, GET Admin), AI decision records (search and export Admin, verify
/// Viewer), retention policy (GET Viewer, PUT and purge Admin), data-subject requests and the report (Admin).
/// </summary>
public static class ComplianceEndpoints
{
    /// <summary>Audit action of a decision export.</summary>
    public const string DecisionExportAction = "decisions.export";

    /// <summary>Audit action of a decision search (a read of personal data).</summary>
    public const string DecisionSearchAction = "decisions.search";

    /// <summary>Audit action of viewing a subject's data (consent state).</summary>
    public const string SubjectViewAction = "subject.view";

    /// <summary>Audit action of a retention policy change.</summary>
    public const string RetentionUpdateAction = "compliance.retention_update";

    /// <summary>Audit action of a report download.</summary>
    public const string ReportAction = "compliance.report";

    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Maps the endpoints (roles enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapComplianceApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/subjects/{userId}/consent", SetConsent)
            .AddEndpointFilter<IngestionKeyFilter>()
            .AsIngestionEndpoint()
            .DisableAntiforgery();
        app.MapGet("/api/v1/subjects/{userId}/consent", GetConsent).RequireConciergusRole(ConciergusRole.Admin);

        var decisions = app.MapGroup("/api/v1/decisions");
        decisions.MapGet("", Search).RequireConciergusRole(ConciergusRole.Admin);
        decisions.MapGet("/verify", async (DecisionLog log, CancellationToken ct) => Results.Ok(await log.VerifyAsync(ct)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        decisions.MapGet("/export", Export).RequireConciergusRole(ConciergusRole.Admin);

        var compliance = app.MapGroup("/api/v1/compliance");
        compliance.MapGet("/retention", (RetentionPolicyStore store) => Results.Ok(RetentionView(store.Current)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        compliance.MapPut("/retention", UpdateRetention).RequireConciergusRole(ConciergusRole.Admin);
        compliance.MapPost("/retention/purge", async (HttpContext http, ComplianceRetention retention) =>
                Results.Ok(await retention.PurgeAsync(ActorFactory.Of(http).Name, ActorFactory.Of(http).Role, AuditEndpoints.SourceIp(http), http.RequestAborted)))
            .RequireConciergusRole(ConciergusRole.Admin);
        compliance.MapGet("/requests", (SubjectRequestWorkflow requests, TimeProvider time) =>
                Results.Ok(new { requests = requests.List().Select(r => RequestView(r, time.GetUtcNow())) }))
            .RequireConciergusRole(ConciergusRole.Admin);
        compliance.MapPost("/requests", ReceiveRequest).RequireConciergusRole(ConciergusRole.Admin);
        foreach (var step in new[] { "verify", "fulfil", "reject" })
        {
            compliance.MapPost("/requests/{id}/" + step, (string id, HttpContext http, SubjectRequestWorkflow workflow, TimeProvider time, IOptions<JsonOptions> json) =>
                    RequestStep(id, step, http, workflow, time, json))
                .RequireConciergusRole(ConciergusRole.Admin);
        }

        compliance.MapGet("/requests/{id}/file", async (string id, HttpContext http, SubjectRequestWorkflow workflow) =>
                await workflow.FileAsync(id, http.User, AuditEndpoints.SourceIp(http), http.RequestAborted) is { } file
                    ? Results.File(file, "application/json", id + ".json")
                    : Results.NotFound())
            .RequireConciergusRole(ConciergusRole.Admin);
        app.MapDelete("/api/v1/subjects/{userId}/restriction", async (string userId, HttpContext http, SubjectRequestWorkflow workflow) =>
                await workflow.LiftRestrictionAsync(userId, http.User, AuditEndpoints.SourceIp(http), http.RequestAborted) ? Results.NoContent() : Results.NotFound())
            .RequireConciergusRole(ConciergusRole.Admin);
        compliance.MapGet("/report", Report).RequireConciergusRole(ConciergusRole.Admin);

        // Admin: a consistent snapshot of every store while the app runs, audited as admin.backup.
        app.MapPost("/api/v1/admin/backup", async (HttpContext http, StorageBackup backup) =>
                TypedResults.Ok(await backup.BackupAsync(http.User, AuditEndpoints.SourceIp(http), http.RequestAborted)))
            .RequireConciergusRole(ConciergusRole.Admin);
        return app;
    }

    /// <summary>The API view of a request, with whether it is overdue.</summary>
    internal static object RequestView(SubjectRequest r, DateTimeOffset now) => new
    {
        id = r.Id,
        kind = r.Kind,
        subject = r.Subject,
        receivedAt = r.ReceivedAt,
        dueAt = r.DueAt,
        status = r.Status,
        overdue = r.IsOverdue(now),
        completedAt = r.CompletedAt,
        evidence = r.Evidence,
        actor = r.Actor,
        framework = r.Framework,
        reason = r.Reason,
        field = r.Field,
        purposes = r.Purposes,
    };

    private static object RetentionView(RetentionPolicy policy) => new
    {
        framework = policy.Framework,
        days = policy.Days,
        updatedAt = policy.UpdatedAt,
        updatedBy = policy.UpdatedBy,
        presets = RetentionPresets.All.Select(p => new { framework = p.Framework, title = p.Title, basis = p.Basis, days = p.Days, minimumDays = p.MinimumDays }),
    };

    private static async Task<IResult> SetConsent(string userId, HttpContext http, ConsentStore consent, TimeProvider time, IOptions<JsonOptions> json)
    {
        if (InvalidUser(userId) is { } invalid)
        {
            return invalid;
        }

        var body = await EndpointInput.ReadJsonAsync<ConsentRequest>(http, maxBytes: MaxBodyBytes);

        if (body!.Purposes is null)
        {
            return EndpointInput.Problem400("purposes", "send {\"purposes\": {\"analytics\": true|false, \"experimentation\": true|false}}");
        }

        var unknown = body.Purposes.Keys.Where(k => k is not ("analytics" or "experimentation")).ToList();
        if (unknown.Count > 0 || body.Purposes.Count == 0)
        {
            return EndpointInput.Problem400("purposes", $"purposes are analytics and experimentation{(unknown.Count > 0 ? $" (unknown: {string.Join(", ", unknown)})" : "")}");
        }

        // A purpose left out keeps its current value (or the default when the user has no state yet).
        var current = consent.Get(userId);
        var analytics = body.Purposes.TryGetValue("analytics", out var a) ? a : current?.Analytics ?? !consent.RequireConsent;
        var experimentation = body.Purposes.TryGetValue("experimentation", out var e) ? e : current?.Experimentation ?? !consent.RequireConsent;
        var state = await consent.SetAsync(userId, analytics, experimentation, "api", "Ingestion", AuditEndpoints.SourceIp(http), time.GetUtcNow(), http.RequestAborted);
        return Results.Ok(ConsentView(state));
    }

    private static async Task<IResult> GetConsent(string userId, ConsentStore consent, HttpContext http, AuditRecorder recorder, SubjectPseudonymizer pseudonymizer)
    {
        if (InvalidUser(userId) is { } invalid)
        {
            return invalid;
        }

        // Viewing a subject's data is a read of personal data: audited with actor, target (pseudonym) and purpose.
        await recorder.RecordAsync(http.User, SubjectViewAction, pseudonymizer.Pseudonym(userId),
            new Dictionary<string, string> { ["view"] = "consent", ["purpose"] = ReadPurpose.Of(http) }, AuditEndpoints.SourceIp(http), http.RequestAborted);

        var state = consent.Get(userId);
        return Results.Ok(state is null
            ? new ConsentResponse(userId, false, new ConsentPurposesView(consent.Allows(userId, ConsentPurposes.Analytics), consent.Allows(userId, ConsentPurposes.Experimentation)), null, null)
            : ConsentView(state));
    }

    private static ConsentResponse ConsentView(ConsentState state) =>
        new(state.UserId, true, new ConsentPurposesView(state.Analytics, state.Experimentation), state.UpdatedAt, state.Source);

    private static async Task<IResult> Search(DecisionLog log, HttpContext http, AuditRecorder recorder, SubjectPseudonymizer pseudonymizer,
        string? userId, string? from, string? to, int? limit, int? offset)
    {
        if (!EndpointInput.TryParseTime(from, out var fromTime))
        {
            return EndpointInput.Problem400("from", "expected an ISO 8601 date or time, for example 2026-11-27T12:00:00Z");
        }

        if (!EndpointInput.TryParseTime(to, out var toTime))
        {
            return EndpointInput.Problem400("to", "expected an ISO 8601 date or time, for example 2026-11-27T13:00:00Z");
        }

        if (limit is < 1 or > DecisionLog.MaxPageSize)
        {
            return EndpointInput.Problem400("limit", $"must be between 1 and {DecisionLog.MaxPageSize}");
        }

        if (offset is < 0)
        {
            return EndpointInput.Problem400("offset", "must be 0 or more");
        }

        if (userId is { Length: > 256 })
        {
            return EndpointInput.Problem400("userId", "a user id is at most 256 characters");
        }

        var page = log.Search(userId, fromTime, toTime, limit ?? 100, offset ?? 0);
        await recorder.RecordAsync(http.User, DecisionSearchAction, string.IsNullOrEmpty(userId) ? null : pseudonymizer.Pseudonym(userId),
            new Dictionary<string, string>
            {
                ["purpose"] = ReadPurpose.Of(http),
                ["from"] = from ?? "",
                ["to"] = to ?? "",
                ["results"] = page.Total.ToString(CultureInfo.InvariantCulture),
            }, AuditEndpoints.SourceIp(http), http.RequestAborted);
        return Results.Ok(new { total = page.Total, subject = page.Subject, limit = limit ?? 100, offset = offset ?? 0, enabled = log.Enabled, records = page.Records });
    }

    private static async Task<IResult> Export(HttpContext http, DecisionLog log, AuditRecorder recorder, string? format, string? userId, string? from, string? to)
    {
        var f = (format ?? "jsonl").Trim().ToUpperInvariant();
        if (f is not ("JSONL" or "CSV"))
        {
            return EndpointInput.Problem400("format", $"'{format}' is not allowed; use one of: jsonl, csv");
        }

        if (!EndpointInput.TryParseTime(from, out var fromTime) || !EndpointInput.TryParseTime(to, out var toTime))
        {
            return EndpointInput.Problem400(EndpointInput.TryParseTime(from, out _) ? "to" : "from", "expected an ISO 8601 date or time");
        }

        var csv = f == "CSV";
        var entry = await recorder.RecordAsync(http, DecisionExportAction, null, new Dictionary<string, string>
        {
            ["format"] = csv ? "csv" : "jsonl",
            ["purpose"] = ReadPurpose.Of(http),
            ["filtered"] = string.IsNullOrEmpty(userId) ? "false" : "true",
        });
        var name = $"conciergus-decisions-{entry.Timestamp.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{(csv ? "csv" : "jsonl")}";
        return Results.Stream(stream => log.ExportAsync(stream, csv ? "csv" : "jsonl", userId, fromTime, toTime, http.RequestAborted),
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8", name);
    }

    private static async Task<IResult> UpdateRetention(HttpContext http, RetentionPolicyStore store, AuditRecorder recorder, TimeProvider time, IOptions<JsonOptions> json)
    {
        var body = await EndpointInput.ReadJsonAsync<RetentionRequest>(http, maxBytes: MaxBodyBytes);

        var preset = RetentionPresets.Find(body!.Framework ?? store.Current.Framework);
        if (preset is null)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["framework"] = [$"'{body.Framework}' is not one of {string.Join(", ", RetentionPresets.All.Select(p => p.Framework))}"] },
                title: "Invalid retention policy");
        }

        // Days not sent come from the preset when the framework changes, else from the policy in force.
        var days = new Dictionary<string, int>(body.Framework is not null && !string.Equals(preset.Framework, store.Current.Framework, StringComparison.Ordinal)
            ? preset.Days : store.Current.Days, StringComparer.Ordinal);
        foreach (var (key, value) in body.Days ?? [])
        {
            days[key] = value;
        }

        var errors = RetentionPresets.Validate(preset.Framework, days);
        if (errors.Count > 0)
        {
            return Results.ValidationProblem(new Dictionary<string, string[]> { ["days"] = [.. errors] }, title: "Invalid retention policy");
        }

        var saved = store.Save(preset.Framework, days, ActorFactory.Of(http).Name, time.GetUtcNow());
        var details = saved.Days.ToDictionary(p => "days." + p.Key, p => p.Value.ToString(CultureInfo.InvariantCulture), StringComparer.Ordinal);
        details["framework"] = saved.Framework;
        await recorder.RecordAsync(http, RetentionUpdateAction, saved.Framework, details);
        return Results.Ok(RetentionView(saved));
    }

    private static async Task<IResult> ReceiveRequest(HttpContext http, SubjectRequestWorkflow workflow, TimeProvider time, IOptions<JsonOptions> json)
    {
        var body = await EndpointInput.ReadJsonAsync<ReceiveRequestBody>(http, maxBytes: MaxBodyBytes);

        if (body!.Kind is not { } kind || !SubjectRequestKinds.All.Contains(kind))
        {
            return EndpointInput.Problem400("kind", $"kind is one of {string.Join(", ", SubjectRequestKinds.All)}");
        }

        if (InvalidUser(body.UserId ?? "") is { } invalid)
        {
            return invalid;
        }

        var spec = new SubjectRequestSpec { Kind = kind, UserId = body.UserId!, Framework = body.Framework, Field = body.Field, Value = body.Value, Purposes = body.Purposes };
        // A spec the workflow refuses is a RefusalException (400 with the reason), answered by RefusalExceptionHandler.
        var request = await workflow.ReceiveAsync(spec, http.User, AuditEndpoints.SourceIp(http), http.RequestAborted);
        return Results.Created($"/api/v1/compliance/requests/{request.Id}", RequestView(request, time.GetUtcNow()));
    }

    private static async Task<IResult> RequestStep(string id, string step, HttpContext http, SubjectRequestWorkflow workflow, TimeProvider time, IOptions<JsonOptions> json)
    {
        var body = await EndpointInput.ReadJsonAsync<StepBody>(http, maxBytes: MaxBodyBytes);

        var ip = AuditEndpoints.SourceIp(http);
        try
        {
            var request = step switch
            {
                "verify" => await workflow.VerifyAsync(id, string.IsNullOrWhiteSpace(body!.Method) ? "verified by " + ActorFactory.Of(http).Name : body.Method, http.User, ip, http.RequestAborted),
                "fulfil" when string.IsNullOrWhiteSpace(body!.UserId) => null,
                "fulfil" => await workflow.FulfilAsync(id, body.UserId!, http.User, ip, http.RequestAborted),
                "reject" when string.IsNullOrWhiteSpace(body!.Reason) => null,
                _ => await workflow.RejectAsync(id, body!.Reason!, http.User, ip, http.RequestAborted),
            };
            return request is null
                ? EndpointInput.Problem400(step == "fulfil" ? "userId" : "reason", step == "fulfil" ? "send {\"userId\": ...} of the request's subject" : "send {\"reason\": ...}")
                : Results.Ok(RequestView(request, time.GetUtcNow()));
        }
        catch (SubjectRequestException e)
        {
            return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The request cannot take this step", detail: e.Message);
        }
    }

    private static async Task<IResult> Report(HttpContext http, ComplianceReportBuilder builder, AuditRecorder recorder, string? format)
    {
        var f = (format ?? "html").Trim().ToUpperInvariant();
        if (f is not ("HTML" or "JSON"))
        {
            return EndpointInput.Problem400("format", $"'{format}' is not allowed; use one of: html, json");
        }

        var report = await builder.BuildAsync(http.RequestAborted);
        await recorder.RecordAsync(http, ReportAction, null, new Dictionary<string, string> { ["format"] = f.ToLowerInvariant() });
        if (f == "JSON")
        {
            return Results.Ok(new
            {
                report.GeneratedAt,
                framework = report.Preset.Framework,
                report.Controls,
                report.Obligations,
                report.Violations,
                report.Audit,
                report.AuditVerifiedAt,
                report.Decisions,
                report.DecisionStats,
                retention = report.Retention,
                report.LastPurge,
                report.RequireConsent,
                consent = new { users = report.Consent.Users, analyticsRefused = report.Consent.AnalyticsRefused, experimentationRefused = report.Consent.ExperimentationRefused },
                openRequests = report.OpenRequests.Select(r => RequestView(r, report.GeneratedAt)),
            });
        }

        var name = $"conciergus-compliance-{report.GeneratedAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.html";
        return Results.File(Encoding.UTF8.GetBytes(ComplianceReportHtml.Render(report)), "text/html; charset=utf-8", name);
    }

    private static ProblemHttpResult? InvalidUser(string userId) =>
        string.IsNullOrWhiteSpace(userId) || userId.Length > 256 ? EndpointInput.Problem400("userId", "a user id is 1 to 256 characters") : null;

    private sealed record ConsentResponse(string UserId, bool Stored, ConsentPurposesView Purposes, DateTimeOffset? UpdatedAt, string? Source);

    private sealed record ConsentPurposesView(bool Analytics, bool Experimentation);

    private sealed record ConsentRequest(Dictionary<string, bool>? Purposes);

    private sealed record RetentionRequest(string? Framework, Dictionary<string, int>? Days);

    private sealed record ReceiveRequestBody(string? Kind, string? UserId, string? Framework, string? Field, string? Value, List<string>? Purposes);

    private sealed record StepBody(string? UserId, string? Method, string? Reason);
}
