using System.Globalization;
using Conciergus.Core.Logs;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /api/v1/logs: the application log records kept from OTLP logs (over HTTP or gRPC).</summary>
public static class LogEndpoints
{
    private static readonly string[] Parameters = ["application", "severity", "traceId", "q", "limit"];

    /// <summary>Maps the log search (a read: Viewer, by the central role rule).</summary>
    public static IEndpointRouteBuilder MapLogs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/logs", SearchLogs).WithName("SearchLogs");
        return app;
    }

    /// <summary>
    /// Newest first. <c>severity</c> is a minimum (trace, debug, info, warn, error, fatal, or a number 1-24),
    /// <c>q</c> searches body, event name, scope and attribute values (case-insensitive), <c>limit</c> 1-1000 (100).
    /// </summary>
    private static IResult SearchLogs(HttpRequest request, LogStore store)
    {
        var q = request.Query;
        if (q.Keys.FirstOrDefault(k => !Parameters.Contains(k, StringComparer.Ordinal)) is { } unknown)
        {
            return EndpointInput.Problem400(unknown, $"Unknown parameter '{unknown}'. Valid parameters: {string.Join(", ", Parameters)}.");
        }

        int? severity = null;
        if (q["severity"].ToString() is { Length: > 0 } s)
        {
            severity = LogSeverity.Parse(s);
            if (severity is null && int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 24)
            {
                severity = n;
            }

            if (severity is null)
            {
                return EndpointInput.Problem400("severity", $"'{s}' is not a severity; use one of {string.Join(", ", LogSeverity.Names)} or a number from 1 to 24.");
            }
        }

        var traceId = q["traceId"].ToString();
        if (traceId.Length > 0 && (traceId.Length != 32 || !traceId.All(char.IsAsciiHexDigit)))
        {
            return EndpointInput.Problem400("traceId", $"'{traceId}' is not a trace id: expected 32 hexadecimal characters.");
        }

        var limit = 100;
        if (q["limit"].ToString() is { Length: > 0 } l
            && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > LogQuery.MaxLimit))
        {
            return EndpointInput.Problem400("limit", $"'{l}' is not allowed; use a whole number from 1 to {LogQuery.MaxLimit}.");
        }

        var page = store.Query(new LogQuery
        {
            Application = NullIfEmpty(q["application"]),
            MinSeverity = severity,
            TraceId = traceId.Length > 0 ? traceId : null,
            Text = NullIfEmpty(q["q"]),
            Limit = limit,
        });
        return Results.Ok(new LogSearchResponse(page.Records.Select(LogRecordResponse.From).ToList(), page.Matched, limit));
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>The answer of GET /api/v1/logs.</summary>
/// <param name="Records">Matching records, newest first.</param>
/// <param name="Matched">How many kept records matched (the page may hold fewer).</param>
/// <param name="Limit">Page size asked for.</param>
public sealed record LogSearchResponse(IReadOnlyList<LogRecordResponse> Records, int Matched, int Limit);

/// <summary>One log record as the API shows it.</summary>
/// <param name="Id">Arrival sequence number.</param>
/// <param name="Timestamp">When it happened.</param>
/// <param name="Application">Application (service.name).</param>
/// <param name="Severity">Severity range name (trace ... fatal).</param>
/// <param name="SeverityNumber">Severity number (0-24).</param>
/// <param name="SeverityText">Severity as sent.</param>
/// <param name="Body">Body text, null when withheld or absent.</param>
/// <param name="BodyLength">Body length as sent.</param>
/// <param name="BodyWithheld">Body of an AI span kept only as its length (content capture off).</param>
/// <param name="TraceId">Trace id.</param>
/// <param name="SpanId">Span id.</param>
/// <param name="Scope">Instrumentation scope (logger category).</param>
/// <param name="EventName">Event name.</param>
/// <param name="ErrorCategory">Category of the exception it carries, if any.</param>
/// <param name="Attributes">Attributes.</param>
public sealed record LogRecordResponse(
    long Id,
    DateTimeOffset Timestamp,
    string Application,
    string Severity,
    int SeverityNumber,
    string SeverityText,
    string? Body,
    int BodyLength,
    bool BodyWithheld,
    string? TraceId,
    string? SpanId,
    string? Scope,
    string? EventName,
    string? ErrorCategory,
    IReadOnlyDictionary<string, string> Attributes)
{
    /// <summary>The API shape of a stored record.</summary>
    public static LogRecordResponse From(LogRecordEntry e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(
            e.Sequence, e.Timestamp, e.Application, LogSeverity.NameOf(e.SeverityNumber), e.SeverityNumber, e.SeverityText, e.Body,
            e.BodyLength, e.BodyWithheld, e.TraceId, e.SpanId, e.Scope, e.EventName, e.ErrorCategory, e.Attributes);
    }
}
