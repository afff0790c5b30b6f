using Conciergus.Core.Model;

namespace Conciergus.Core.Traces;

/// <summary>One span as the trace store keeps it (from OTLP, or synthesized from a middleware operation).</summary>
public sealed record SpanRecord
{
    /// <summary>Trace id (32 lower-case hex).</summary>
    public required string TraceId { get; init; }

    /// <summary>Span id (16 lower-case hex).</summary>
    public required string SpanId { get; init; }

    /// <summary>Parent span id, null for a root span.</summary>
    public string? ParentSpanId { get; init; }

    /// <summary>Span name.</summary>
    public required string Name { get; init; }

    /// <summary>Span kind (internal, server, client, producer, consumer).</summary>
    public string Kind { get; init; } = "internal";

    /// <summary>Start time (UTC).</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>Duration in milliseconds.</summary>
    public double DurationMs { get; init; }

    /// <summary>Status: unset, ok or error.</summary>
    public string Status { get; init; } = "unset";

    /// <summary>Status message, for errors.</summary>
    public string? StatusMessage { get; init; }

    /// <summary>The application (resource service.name).</summary>
    public string Application { get; init; } = "unknown";

    /// <summary>Attributes (bounded count and length; values as strings).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>The AI operation this span describes, when it is an AI call (counted once per call).</summary>
    public AiOperation? Operation { get; init; }
}

/// <summary>Where spans go (implemented by the trace store). Never throws, never blocks.</summary>
public interface ITraceSink
{
    /// <summary>Adds or replaces (by trace id + span id) one span.</summary>
    void Add(SpanRecord span);
}
