using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// POST /api/v1/subjects/{userId}/export (exports and completes the open data-subject request), GET of the same path
/// (API keys only: exports without completing anything) and DELETE /api/v1/subjects/{userId}; all Admin, all audited
/// by pseudonym.
/// </summary>
public static class SubjectEndpoints
{
    /// <summary>Maps the data-subject endpoints (roles enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapSubjectApi(this IEndpointRouteBuilder app)
    {
        var subjects = app.MapGroup("/api/v1/subjects");
        subjects.MapPost("/{userId}/export", ExportAndComplete).RequireConciergusRole(ConciergusRole.Admin).AllowBrowserFormPost();
        subjects.MapGet("/{userId}/export", ExportOnly).RequireConciergusRole(ConciergusRole.Admin).RefuseCookieGet();
        subjects.MapDelete("/{userId}", Erase).RequireConciergusRole(ConciergusRole.Admin);
        return app;
    }

    // GET: the file, audited as an export, but no data-subject request changes (a GET changes no state).
    private static Task<IResult> ExportOnly(string userId, HttpContext context, SubjectRequests requests, SubjectRequestWorkflow workflow,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
        Export(userId, context, requests, workflow, json, complete: false);

    // POST: the file, and the oldest open export request of this user is completed with its SHA-256.
    private static Task<IResult> ExportAndComplete(string userId, HttpContext context, SubjectRequests requests, SubjectRequestWorkflow workflow,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) =>
        Export(userId, context, requests, workflow, json, complete: true);

    private static async Task<IResult> Export(string userId, HttpContext context, SubjectRequests requests, SubjectRequestWorkflow workflow,
        IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, bool complete)
    {
        if (Invalid(userId) is { } problem)
        {
            return problem;
        }

        var export = await requests.ExportAsync(userId, context.User, AuditEndpoints.SourceIp(context), context.RequestAborted);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new { userId = export.UserId, exportedAt = export.ExportedAt, stores = export.Stores },
            json.Value.SerializerOptions);

        // The request workflow keeps the file's SHA-256 as completion evidence.
        if (complete)
        {
            await workflow.CompleteExportAsync(userId, body, context.User, AuditEndpoints.SourceIp(context), context.RequestAborted);
        }

        // The file name carries the pseudonym, not the id: download folders and proxies log file names.
        return Results.File(body, "application/json", $"subject-export-{export.Reference["subject:".Length..]}.json");
    }

    private static async Task<IResult> Erase(string userId, HttpContext context, SubjectRequests requests, SubjectRequestWorkflow workflow)
    {
        if (Invalid(userId) is { } problem)
        {
            return problem;
        }

        var erasure = await requests.EraseAsync(userId, context.User, AuditEndpoints.SourceIp(context), context.RequestAborted);
        var request = await workflow.CompleteErasureAsync(userId, erasure, context.User, AuditEndpoints.SourceIp(context), context.RequestAborted);
        return Results.Ok(new { reference = erasure.Reference, stores = erasure.Stores, removed = erasure.Removed, total = erasure.Total, auditSequence = erasure.Entry.Sequence, request = request.Id });
    }

    private static ProblemHttpResult? Invalid(string userId) =>
        string.IsNullOrWhiteSpace(userId) || userId.Length > 256
            ? EndpointInput.Problem400("userId", "a user id is 1 to 256 characters")
            : null;
}
