namespace Conciergus.Core.Traces;

/// <summary>Which traces to list (every filter is optional; all given filters must match).</summary>
public sealed record TraceQuery
{
    /// <summary>Largest page size.</summary>
    public const int MaxLimit = 500;

    /// <summary>Only traces with an AI span of this model (requested or response model, case-insensitive).</summary>
    public string? Model { get; init; }

    /// <summary>Only traces with a span of this application (service.name, case-insensitive).</summary>
    public string? Application { get; init; }

    /// <summary>Only traces that failed (true) or did not (false).</summary>
    public bool? HasError { get; init; }

    /// <summary>Only traces with an AI call of this end user.</summary>
    public string? UserId { get; init; }

    /// <summary>Only traces lasting at least this long (milliseconds).</summary>
    public double? MinDurationMs { get; init; }

    /// <summary>Only traces that started at or after this instant (the time range's start).</summary>
    public DateTimeOffset? StartedFrom { get; init; }

    /// <summary>Only traces that started before this instant (the time range's end).</summary>
    public DateTimeOffset? StartedBefore { get; init; }

    /// <summary>Only traces with an AI call that passes this filter (the read API's filters; empty keeps all).</summary>
    public Operations.OperationFilter Filter { get; init; } = Operations.OperationFilter.Empty;

    /// <summary>Page size, 1 to <see cref="MaxLimit"/>.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Matching traces skipped (newest first).</summary>
    public int Offset { get; init; }
}

/// <summary>One trace as listed.</summary>
/// <param name="TraceId">Trace id.</param>
/// <param name="RootName">Name of the root span (or of the earliest span while the root has not arrived).</param>
/// <param name="Application">Application of that span.</param>
/// <param name="StartTime">Earliest span start.</param>
/// <param name="DurationMs">Earliest start to latest end.</param>
/// <param name="SpanCount">Spans kept.</param>
/// <param name="AiSpanCount">Spans that are AI calls.</param>
/// <param name="InputTokens">Input tokens of the AI calls.</param>
/// <param name="OutputTokens">Output tokens of the AI calls.</param>
/// <param name="TotalTokens">Input plus output tokens.</param>
/// <param name="CostUsd">Priced cost of the AI calls.</param>
/// <param name="HasError">Whether a span failed.</param>
/// <param name="Models">Models called.</param>
/// <param name="UserIds">End users of the AI calls.</param>
/// <param name="Applications">Applications with spans in the trace.</param>
/// <param name="LastUpdated">When the store last received a span of this trace.</param>
public sealed record TraceSummary(
    string TraceId,
    string RootName,
    string Application,
    DateTimeOffset StartTime,
    double DurationMs,
    int SpanCount,
    int AiSpanCount,
    long InputTokens,
    long OutputTokens,
    long TotalTokens,
    decimal CostUsd,
    bool HasError,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> UserIds,
    IReadOnlyList<string> Applications,
    DateTimeOffset LastUpdated);

/// <summary>A page of traces, newest first.</summary>
/// <param name="Traces">The page.</param>
/// <param name="Total">Traces matching the filters.</param>
/// <param name="Offset">Offset of the page.</param>
/// <param name="Limit">Page size asked for.</param>
public sealed record TracePage(IReadOnlyList<TraceSummary> Traces, int Total, int Offset, int Limit);

/// <summary>One span placed in its trace's waterfall.</summary>
/// <param name="Span">The span.</param>
/// <param name="Depth">0 for roots, parent depth + 1 below.</param>
/// <param name="OffsetMs">Start relative to the trace start.</param>
/// <param name="IsAi">Whether the span is an AI call.</param>
/// <param name="IsError">Whether the span (or its AI call) failed.</param>
/// <param name="ParentMissing">The span names a parent the store does not hold (another service, not exported, or evicted).</param>
/// <param name="ChildCount">Direct children kept.</param>
public sealed record TraceSpanNode(SpanRecord Span, int Depth, double OffsetMs, bool IsAi, bool IsError, bool ParentMissing, int ChildCount);

/// <summary>One trace with its spans in waterfall order (depth first, siblings by start time).</summary>
/// <param name="Summary">The trace's figures.</param>
/// <param name="Spans">Spans, depth-ordered.</param>
public sealed record TraceDetail(TraceSummary Summary, IReadOnlyList<TraceSpanNode> Spans);

/// <summary>Trace store counters (for /metrics and the health page).</summary>
/// <param name="Traces">Traces kept.</param>
/// <param name="Spans">Spans kept.</param>
/// <param name="SpansAdded">Spans added or replaced since start.</param>
/// <param name="EvictedTraces">Traces evicted to stay within bounds.</param>
/// <param name="DroppedSpans">New spans dropped because their trace was full.</param>
/// <param name="Failures">Adds that failed unexpectedly or carried no usable id.</param>
public sealed record TraceStoreStats(int Traces, int Spans, long SpansAdded, long EvictedTraces, long DroppedSpans, long Failures);

/// <summary>A span that names a user, as a data-subject export lists it.</summary>
/// <param name="TraceId">Trace id.</param>
/// <param name="SpanId">Span id.</param>
/// <param name="Name">Span name.</param>
/// <param name="StartTime">Start.</param>
/// <param name="DurationMs">Duration.</param>
/// <param name="Application">Application.</param>
/// <param name="Model">Model, for AI calls.</param>
/// <param name="InputTokens">Input tokens, for AI calls.</param>
/// <param name="OutputTokens">Output tokens, for AI calls.</param>
/// <param name="CostUsd">Cost, for priced AI calls.</param>
/// <param name="Status">Span status.</param>
/// <param name="Attributes">Attributes as stored.</param>
public sealed record SubjectSpan(
    string TraceId,
    string SpanId,
    string Name,
    DateTimeOffset StartTime,
    double DurationMs,
    string Application,
    string? Model,
    long? InputTokens,
    long? OutputTokens,
    decimal? CostUsd,
    string Status,
    IReadOnlyDictionary<string, string> Attributes);
