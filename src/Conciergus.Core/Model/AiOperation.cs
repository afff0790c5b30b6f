namespace Conciergus.Core.Model;

/// <summary>One AI call: the record every feature shares (DESIGN.md section 3).</summary>
/// <remarks>
/// Token rules follow the OpenTelemetry GenAI conventions: <see cref="InputTokens"/> INCLUDES
/// <see cref="CachedInputTokens"/> and <see cref="CacheCreationInputTokens"/>; <see cref="OutputTokens"/>
/// INCLUDES <see cref="ReasoningTokens"/>. Never add the parts to the totals again.
/// </remarks>
public sealed record AiOperation
{
    /// <summary>Unique id of this operation (the span id when it came from a span).</summary>
    public required string OperationId { get; init; }

    /// <summary>W3C trace id (32 lower-case hex chars) when known.</summary>
    public string? TraceId { get; init; }

    /// <summary>W3C span id (16 lower-case hex chars) when known.</summary>
    public string? SpanId { get; init; }

    /// <summary>Parent span id when known.</summary>
    public string? ParentSpanId { get; init; }

    /// <summary>When the call started (UTC).</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>Wall-clock duration of the whole call in milliseconds.</summary>
    public double DurationMs { get; init; }

    /// <summary>Time to first token in milliseconds (streaming calls), when known.</summary>
    public double? TimeToFirstTokenMs { get; init; }

    /// <summary>Operation kind: one of <see cref="AiOperationKinds"/> (chat, generate_text, ...).</summary>
    public string Operation { get; init; } = AiOperationKinds.Chat;

    /// <summary>Provider, lower case (openai, anthropic, azure.ai.openai, gcp.gemini, mistral_ai, ...).</summary>
    public string Provider { get; init; } = "unknown";

    /// <summary>Model the caller asked for.</summary>
    public string RequestModel { get; init; } = "unknown";

    /// <summary>Model the provider reported (often a dated variant), when known.</summary>
    public string? ResponseModel { get; init; }

    /// <summary>Input tokens, including cached-read and cache-creation tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens, including reasoning tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Input tokens read from the provider's prompt cache (part of <see cref="InputTokens"/>).</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Input tokens written to the provider's prompt cache (part of <see cref="InputTokens"/>).</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens (part of <see cref="OutputTokens"/>).</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Cost in USD; null until priced, and null for ever when the model is unpriced.</summary>
    public decimal? CostUsd { get; init; }

    /// <summary>Whether and how <see cref="CostUsd"/> was set.</summary>
    public PricingStatus Pricing { get; init; } = PricingStatus.Pending;

    /// <summary>Identifies the catalog price used (model id and effective date), when priced.</summary>
    public string? PriceVersion { get; init; }

    /// <summary>Ok or error.</summary>
    public AiOperationStatus Status { get; init; } = AiOperationStatus.Ok;

    /// <summary>Error category; <see cref="ErrorCategory.None"/> for successful calls.</summary>
    public ErrorCategory ErrorCategory { get; init; } = ErrorCategory.None;

    /// <summary>Error details as reported (type, HTTP status, provider code, message), for failed calls.</summary>
    public ErrorDetails? Error { get; init; }

    /// <summary>Application (OpenTelemetry service.name).</summary>
    public string Application { get; init; } = "unknown";

    /// <summary>Function id (Vercel AI SDK functionId or the caller's logical operation name).</summary>
    public string? FunctionId { get; init; }

    /// <summary>End user id (pseudonymous id preferred).</summary>
    public string? UserId { get; init; }

    /// <summary>Session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>Conversation id (gen_ai.conversation.id).</summary>
    public string? ConversationId { get; init; }

    /// <summary>Deployment environment (production, staging, ...).</summary>
    public string? Environment { get; init; }

    /// <summary>Experiment key when the call ran inside an experiment.</summary>
    public string? ExperimentKey { get; init; }

    /// <summary>Experiment variant key when the call ran inside an experiment.</summary>
    public string? ExperimentVariant { get; init; }

    /// <summary>How many retries the caller made before this outcome.</summary>
    public int RetryCount { get; init; }

    /// <summary>Whether a fallback model answered.</summary>
    public bool FallbackUsed { get; init; }

    /// <summary>The model the caller first asked for, when a resilience layer may have moved the call (retries, fallbacks).</summary>
    public string? OriginalModel { get; init; }

    /// <summary>Finish reasons reported by the provider (stop, length, content_filter, tool_calls ...).</summary>
    public IReadOnlyList<string>? FinishReasons { get; init; }

    /// <summary>Bounded extra dimensions (at most <see cref="MaxMetadataEntries"/> entries).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The model used for grouping: the requested model, else the response model.</summary>
    public string Model => RequestModel is { Length: > 0 } and not "unknown" ? RequestModel : ResponseModel ?? RequestModel;

    /// <summary>When the call completed; buckets are keyed by completion time.</summary>
    public DateTimeOffset EndTime => StartTime.AddMilliseconds(DurationMs);

    /// <summary>Upper bound on <see cref="Metadata"/> entries kept per operation.</summary>
    public const int MaxMetadataEntries = 32;
}

/// <summary>Outcome of an AI call.</summary>
public enum AiOperationStatus
{
    /// <summary>The call succeeded.</summary>
    Ok = 0,

    /// <summary>The call failed.</summary>
    Error = 1,
}

/// <summary>Whether and how an operation's cost was set.</summary>
public enum PricingStatus
{
    /// <summary>Not priced yet; the collector prices it.</summary>
    Pending = 0,

    /// <summary>Priced from the catalog.</summary>
    Priced = 1,

    /// <summary>The model is not in the catalog: shown as "unpriced", never as $0.</summary>
    Unpriced = 2,

    /// <summary>The sender supplied the cost.</summary>
    Provided = 3,
}

/// <summary>Operation kinds (gen_ai.operation.name and the Vercel AI SDK's function names).</summary>
public static class AiOperationKinds
{
    /// <summary>Chat completion.</summary>
    public const string Chat = "chat";

    /// <summary>Text completion / generateText.</summary>
    public const string GenerateText = "generate_text";

    /// <summary>Streaming text (streamText).</summary>
    public const string StreamText = "stream_text";

    /// <summary>Structured object generation.</summary>
    public const string GenerateObject = "generate_object";

    /// <summary>Embeddings.</summary>
    public const string Embeddings = "embeddings";

    /// <summary>Tool execution.</summary>
    public const string Tool = "tool";

    /// <summary>Agent invocation.</summary>
    public const string InvokeAgent = "invoke_agent";
}
