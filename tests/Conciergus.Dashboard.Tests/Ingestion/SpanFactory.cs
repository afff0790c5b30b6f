using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Traces;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Small factories for spans as the receiver hands them to the mapper.</summary>
internal static class SpanFactory
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 11, 59, 0, TimeSpan.Zero);

    public const string Trace = "0af7651916cd43dd8448eb211c80319c";

    public static SpanRecord Span(
        string name,
        string spanId = "b7ad6b7169203331",
        string? parent = null,
        string trace = Trace,
        double durationMs = 800,
        string status = "unset",
        string? statusMessage = null,
        double startOffsetMs = 0,
        string application = "app",
        params (string Key, string Value)[] attributes) => new()
    {
        TraceId = trace,
        SpanId = spanId,
        ParentSpanId = parent,
        Name = name,
        StartTime = Start.AddMilliseconds(startOffsetMs),
        DurationMs = durationMs,
        Status = status,
        StatusMessage = statusMessage,
        Application = application,
        Attributes = attributes.ToDictionary(a => a.Key, a => a.Value),
    };

    public static MappedSpan Map(SpanRecord span, string? environment = null) => GenAiSpanMapper.Map(span, environment);

    /// <summary>A Vercel AI SDK 5 generateText pair (outer call, doGenerate child) with the attributes the SDK writes.</summary>
    public static (SpanRecord Call, SpanRecord Child) VercelGenerateText(string callId, string childId, string trace = Trace, double startOffsetMs = 0)
    {
        var call = Span("ai.generateText", callId, trace: trace, durationMs: 900, startOffsetMs: startOffsetMs, attributes:
        [
            ("ai.operationId", "ai.generateText"), ("operation.name", "ai.generateText greet"),
            ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.chat"),
            ("ai.telemetry.functionId", "greet"), ("ai.telemetry.metadata.userId", "user-42"),
            ("ai.telemetry.metadata.sessionId", "sess-7"), ("ai.telemetry.metadata.tenant", "acme"),
            ("ai.usage.promptTokens", "100"), ("ai.usage.completionTokens", "20"), ("ai.response.finishReason", "stop"),
        ]);
        var child = Span("ai.generateText.doGenerate", childId, parent: callId, trace: trace, durationMs: 850, startOffsetMs: startOffsetMs + 20, attributes:
        [
            ("ai.operationId", "ai.generateText.doGenerate"), ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.chat"),
            ("ai.telemetry.functionId", "greet"), ("ai.telemetry.metadata.userId", "user-42"),
            ("ai.usage.promptTokens", "100"), ("ai.usage.completionTokens", "20"),
            ("gen_ai.system", "openai.chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.response.model", "gpt-4o-mini-2024-07-18"),
            ("gen_ai.usage.input_tokens", "100"), ("gen_ai.usage.output_tokens", "20"), ("gen_ai.response.finish_reasons", "[\"stop\"]"),
        ]);
        return (call, child);
    }
}
