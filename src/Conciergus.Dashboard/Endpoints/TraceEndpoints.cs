using System.Globalization;
using Conciergus.Core.History;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /api/v1/traces and /api/v1/traces/{traceId}.</summary>
public static class TraceEndpoints
{
    /// <summary>Maps the trace endpoints (reads: Viewer, by the central role rule).</summary>
    public static IEndpointRouteBuilder MapTraces(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/traces");
        api.MapGet("", ListTraces).WithName("ListTraces");
        api.MapGet("/{traceId}", GetTrace).WithName("GetTrace");
        return app;
    }

    /// <summary>Parameters of the list besides the filters.</summary>
    internal static readonly string[] ListParameters = ["minDurationMs", "limit", "offset", "window"];

    private static IResult ListTraces(HttpRequest request, TraceStore store, TimeProvider timeProvider)
    {
        var q = request.Query;
        if (!ReadApiEndpoints.TryParseFilter(request, "/traces", ListParameters, out var filter, out var problem)
            || !TryParseQuery(null, null, null, null, q["minDurationMs"], q["limit"], q["offset"], out var query, out problem))
        {
            return problem!;
        }

        // Without ?window= the list keeps every trace held (as before); with it, traces that started within the window.
        if (q["window"].FirstOrDefault() is { Length: > 0 } window)
        {
            if (!Conciergus.Core.Model.TimeWindow.TryParseWindow(window, out var span, out var error))
            {
                return EndpointInput.Problem400("window", error ?? $"'{window}' is not a window such as 15m, 1h or 24h");
            }

            query = query! with { StartedFrom = timeProvider.GetUtcNow() - span };
        }

        var page = store.List(WithFilter(query!, filter));
        return Results.Ok(new TraceListResponse(page.Traces, page.Total, page.Offset, page.Limit));
    }

    private static async Task<IResult> GetTrace(string traceId, bool? showContent, TraceHistory history, ISpanContentRedactor redactor, HttpContext http, CancellationToken cancellationToken)
    {
        if (!IsTraceId(traceId))
        {
            return EndpointInput.Problem400("traceId", $"'{traceId}' is not a trace id: expected 32 hexadecimal characters, not all zero.");
        }

        if (showContent == true && ContentReveal.Refusal(http) is { } refused)
        {
            return refused;
        }

        // Memory first; a trace memory no longer holds (evicted, or from before a restart) is read from the operation store.
        if (await history.GetAsync(traceId, cancellationToken) is not { } found)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Trace not found",
                detail: $"No trace '{traceId.ToLowerInvariant()}' is held in memory or in the operation store (stored spans follow its retention).");
        }

        var detail = found.Detail;
        if (showContent == true)
        {
            await ContentReveal.AuditAsync(http, detail.Summary.TraceId).ConfigureAwait(false); // before any content leaves
        }

        var spans = detail.Spans.Select(node => TraceSpanResponse.From(node, showContent == true ? null : redactor)).ToList();
        return Results.Ok(new TraceDetailResponse(detail.Summary.TraceId, detail.Summary, spans, found.FromStore));
    }

    /// <summary>Parses the list filters as the API and the Traces page take them; a problem names the bad parameter.</summary>
    internal static bool TryParseQuery(
        string? model, string? application, string? status, string? user, string? minDurationMs, string? limit, string? offset,
        out TraceQuery? query, out IResult? problem)
    {
        query = null;
        problem = null;
        bool? hasError = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (status.Equals("error", StringComparison.OrdinalIgnoreCase))
            {
                hasError = true;
            }
            else if (status.Equals("ok", StringComparison.OrdinalIgnoreCase))
            {
                hasError = false;
            }
            else
            {
                problem = EndpointInput.Problem400("status", $"'{status}' is not allowed; use one of: ok, error");
                return false;
            }
        }

        double? minDuration = null;
        if (!string.IsNullOrEmpty(minDurationMs))
        {
            if (!double.TryParse(minDurationMs, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) || d < 0 || !double.IsFinite(d))
            {
                problem = EndpointInput.Problem400("minDurationMs", $"'{minDurationMs}' is not a duration: use a number of milliseconds >= 0");
                return false;
            }

            minDuration = d;
        }

        var pageSize = 50;
        if (!string.IsNullOrEmpty(limit) && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > TraceQuery.MaxLimit))
        {
            problem = EndpointInput.Problem400("limit", $"'{limit}' is not allowed; use a whole number from 1 to {TraceQuery.MaxLimit}");
            return false;
        }

        var skip = 0;
        if (!string.IsNullOrEmpty(offset) && !int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out skip))
        {
            problem = EndpointInput.Problem400("offset", $"'{offset}' is not allowed; use a whole number >= 0");
            return false;
        }

        query = new TraceQuery
        {
            Model = NullIfEmpty(model),
            Application = NullIfEmpty(application),
            UserId = NullIfEmpty(user),
            HasError = hasError,
            MinDurationMs = minDuration,
            Limit = pageSize,
            Offset = skip,
        };
        return true;
    }

    /// <summary>
    /// Applies the read API's filters to a trace list. A single model, application, user or status keeps the list's own
    /// meaning (model or response model and application without regard to case; status: the trace has a failed span);
    /// every other clause keeps traces with an AI call that passes it (<see cref="TraceQuery.Filter"/>).
    /// </summary>
    internal static TraceQuery WithFilter(TraceQuery query, OperationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(filter);
        var rest = new List<FilterClause>();
        foreach (var clause in filter.Clauses)
        {
            switch (clause.Field)
            {
                case FilterFields.Model when clause.Values.Count == 1:
                    query = query with { Model = clause.Values[0] };
                    break;
                case FilterFields.Application when clause.Values.Count == 1:
                    query = query with { Application = clause.Values[0] };
                    break;
                case FilterFields.User when clause.Values.Count == 1:
                    query = query with { UserId = clause.Values[0] };
                    break;
                case FilterFields.Status:
                    query = query with { HasError = clause.Values.Count == 1 ? clause.Values[0] == "error" : null };
                    break;
                default:
                    rest.Add(clause);
                    break;
            }
        }

        return query with { Filter = rest.Count == 0 ? OperationFilter.Empty : new OperationFilter(rest) };
    }

    /// <summary>Whether <paramref name="traceId"/> is a W3C trace id (32 hex, not all zero; either case).</summary>
    internal static bool IsTraceId(string? traceId) =>
        traceId is { Length: 32 } && traceId.All(char.IsAsciiHexDigit) && traceId.Any(c => c != '0');

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Reply of GET /api/v1/traces.</summary>
/// <param name="Traces">One page, newest first.</param>
/// <param name="Total">Traces matching the filters.</param>
/// <param name="Offset">Offset of this page.</param>
/// <param name="Limit">Page size.</param>
public sealed record TraceListResponse(IReadOnlyList<TraceSummary> Traces, int Total, int Offset, int Limit);

/// <summary>Reply of GET /api/v1/traces/{traceId}.</summary>
/// <param name="TraceId">Trace id.</param>
/// <param name="Summary">The trace's figures.</param>
/// <param name="Spans">Spans in waterfall order.</param>
/// <param name="FromStore">True when memory no longer held the trace and it was read from the operation store.</param>
public sealed record TraceDetailResponse(string TraceId, TraceSummary Summary, IReadOnlyList<TraceSpanResponse> Spans, bool FromStore = false);

/// <summary>One span of a trace as the API shows it.</summary>
/// <param name="SpanId">Span id.</param>
/// <param name="ParentSpanId">Parent span id.</param>
/// <param name="Name">Name.</param>
/// <param name="Kind">Kind.</param>
/// <param name="StartTime">Start.</param>
/// <param name="DurationMs">Duration.</param>
/// <param name="OffsetMs">Start relative to the trace start.</param>
/// <param name="Depth">Depth in the waterfall.</param>
/// <param name="Status">unset, ok or error.</param>
/// <param name="StatusMessage">Status message.</param>
/// <param name="Application">Application.</param>
/// <param name="IsAi">Whether the span is an AI call.</param>
/// <param name="IsError">Whether it failed.</param>
/// <param name="ParentMissing">Whether its parent is not held.</param>
/// <param name="Attributes">Attributes (message content redacted unless showContent=true).</param>
/// <param name="Operation">The AI call, for AI spans.</param>
public sealed record TraceSpanResponse(
    string SpanId,
    string? ParentSpanId,
    string Name,
    string Kind,
    DateTimeOffset StartTime,
    double DurationMs,
    double OffsetMs,
    int Depth,
    string Status,
    string? StatusMessage,
    string Application,
    bool IsAi,
    bool IsError,
    bool ParentMissing,
    IReadOnlyDictionary<string, string> Attributes,
    AiOperation? Operation)
{
    /// <summary>The API view of a waterfall node; <paramref name="redactor"/> null shows message content.</summary>
    public static TraceSpanResponse From(TraceSpanNode node, ISpanContentRedactor? redactor)
    {
        ArgumentNullException.ThrowIfNull(node);
        var span = node.Span;
        return new TraceSpanResponse(
            span.SpanId, span.ParentSpanId, span.Name, span.Kind, span.StartTime, span.DurationMs, node.OffsetMs, node.Depth,
            span.Status, span.StatusMessage, span.Application, node.IsAi, node.IsError, node.ParentMissing,
            redactor is null ? span.Attributes : redactor.RedactAttributes(span.Attributes),
            span.Operation);
    }
}
