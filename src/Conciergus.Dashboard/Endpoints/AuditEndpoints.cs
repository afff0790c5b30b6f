using System.Globalization;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Export;
using Conciergus.Dashboard.Security;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /api/v1/audit (Viewer), /api/v1/audit/verify (Viewer), /api/v1/audit/export (Admin, audited).</summary>
public static class AuditEndpoints
{
    /// <summary>Audit action of an export.</summary>
    public const string ExportAction = "audit.export";

    private const int ExportBatch = 500;

    internal static readonly JsonSerializerOptions LineOptions = new(JsonSerializerDefaults.Web);

    /// <summary>Maps the audit endpoints (roles enforced centrally by the security feature).</summary>
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/api/v1/audit");
        audit.MapGet("", Query).RequireConciergusRole(ConciergusRole.Viewer);
        audit.MapGet("/verify", async (AuditLog log, CancellationToken ct) => Results.Ok(await log.VerifyAsync(ct)))
            .RequireConciergusRole(ConciergusRole.Viewer);
        // Exporting appends an audit entry: browsers POST a form (antiforgery); API keys may still GET.
        audit.MapPost("/export", Export).RequireConciergusRole(ConciergusRole.Admin).AllowBrowserFormPost();
        audit.MapGet("/export", Export).RequireConciergusRole(ConciergusRole.Admin).RefuseCookieGet();
        return app;
    }

    /// <summary>Audits an action of the request's user (name and role from HttpContext.User, source IP from the connection).</summary>
    public static ValueTask<AuditEntry> RecordAsync(this AuditRecorder recorder, HttpContext context, string action, string? target = null,
        IReadOnlyDictionary<string, string>? details = null)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        ArgumentNullException.ThrowIfNull(context);
        return recorder.RecordAsync(context.User, action, target, details, SourceIp(context), context.RequestAborted);
    }

    /// <summary>The remote address of the request, if any.</summary>
    public static string? SourceIp(HttpContext context) => context?.Connection.RemoteIpAddress?.ToString();

    private static IResult Query(AuditLog log, string? actor, string? action, string? target, string? from, string? to, int? limit, int? offset)
    {
        if (!EndpointInput.TryParseTime(from, out var fromTime))
        {
            return EndpointInput.Problem400("from", "expected an ISO 8601 date or time, for example 2026-11-27T12:00:00Z");
        }

        if (!EndpointInput.TryParseTime(to, out var toTime))
        {
            return EndpointInput.Problem400("to", "expected an ISO 8601 date or time, for example 2026-11-27T13:00:00Z");
        }

        if (limit is < 1 or > AuditLog.MaxPageSize)
        {
            return EndpointInput.Problem400("limit", $"must be between 1 and {AuditLog.MaxPageSize}");
        }

        if (offset is < 0)
        {
            return EndpointInput.Problem400("offset", "must be 0 or more");
        }

        var query = new AuditQuery
        {
            Actor = actor,
            Action = action,
            Target = target,
            From = fromTime,
            To = toTime,
            Limit = limit ?? 50,
            Offset = offset ?? 0,
        };
        var page = log.Query(query);
        return Results.Ok(new { total = page.Total, limit = query.Limit, offset = query.Offset, entries = page.Entries });
    }

    private static async Task<IResult> Export(HttpContext context, AuditLog log, AuditRecorder recorder, string? format)
    {
        var f = (format ?? "jsonl").Trim().ToUpperInvariant();
        if (f is not ("JSONL" or "CSV"))
        {
            return EndpointInput.Problem400("format", $"'{format}' is not allowed; use one of: jsonl, csv");
        }

        var csv = f == "CSV";

        // The export is audited before any byte is sent, and the file runs up to and including that entry.
        var entry = await recorder.RecordAsync(context, ExportAction, null, new Dictionary<string, string> { ["format"] = csv ? "csv" : "jsonl" });
        var name = $"conciergus-audit-{entry.Timestamp.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}.{(csv ? "csv" : "jsonl")}";
        return Results.Stream(
            async stream =>
            {
                await using var writer = new StreamWriter(stream, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
                if (csv)
                {
                    await writer.WriteLineAsync(CsvWriter.Line(CsvHeader.Split(',')));
                }

                long after = 0;
                while (after < entry.Sequence)
                {
                    // Read a batch synchronously (no LiteDB cursor stays open across the awaits below).
                    var batch = log.ReadAfter(after, ExportBatch);
                    if (batch.Count == 0)
                    {
                        break;
                    }

                    foreach (var e in batch)
                    {
                        if (e.Sequence > entry.Sequence)
                        {
                            break;
                        }

                        await writer.WriteLineAsync(csv ? CsvLine(e) : JsonSerializer.Serialize(e, LineOptions));
                    }

                    after = batch[^1].Sequence;
                    await writer.FlushAsync(context.RequestAborted);
                }
            },
            csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
            name);
    }

    private const string CsvHeader = "sequence,timestamp,actor,role,action,target,sourceIp,details,previousHash,hash,bodyHash,contentPurged";

    private static string CsvLine(AuditEntry e) => CsvWriter.Line(
        e.Sequence.ToString(CultureInfo.InvariantCulture),
        AuditCanonical.FormatTimestamp(e.Timestamp),
        e.Actor,
        e.Role,
        e.Action,
        e.Target,
        e.SourceIp,
        e.Details is null ? "" : JsonSerializer.Serialize(e.Details.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value)),
        e.PreviousHash,
        e.Hash,
        e.BodyHash ?? "",
        e.ContentPurged ? "true" : "false");
}
