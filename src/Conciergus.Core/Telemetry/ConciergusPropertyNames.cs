namespace Conciergus.Core.Telemetry;

/// <summary>
/// Keys the middleware reads from <c>ChatOptions.AdditionalProperties</c> (and
/// <c>EmbeddingGenerationOptions.AdditionalProperties</c>) to tag an operation with its dimensions.
/// </summary>
/// <remarks>
/// The <c>conciergus.*</c> keys win over the short aliases, which exist because apps already pass
/// <c>userId</c> / <c>sessionId</c> for other middleware. Values are converted with the invariant culture.
/// </remarks>
public static class ConciergusPropertyNames
{
    /// <summary>End user id (pseudonymous id preferred).</summary>
    public const string UserId = "conciergus.user_id";

    /// <summary>Session id.</summary>
    public const string SessionId = "conciergus.session_id";

    /// <summary>Conversation id (also read from <c>ChatOptions.ConversationId</c>).</summary>
    public const string ConversationId = "conciergus.conversation_id";

    /// <summary>Application (OpenTelemetry service.name).</summary>
    public const string Application = "conciergus.application";

    /// <summary>Logical function id (support-chat, summarize, ...).</summary>
    public const string FunctionId = "conciergus.function_id";

    /// <summary>Deployment environment (production, staging, development).</summary>
    public const string Environment = "conciergus.environment";

    /// <summary>Accepted aliases for <see cref="UserId"/>, in lookup order after it.</summary>
    public static readonly IReadOnlyList<string> UserIdAliases = ["userId", "user_id"];

    /// <summary>Accepted aliases for <see cref="SessionId"/>, in lookup order after it.</summary>
    public static readonly IReadOnlyList<string> SessionIdAliases = ["sessionId", "session_id"];

    /// <summary>Accepted aliases for <see cref="ConversationId"/>, in lookup order after it.</summary>
    public static readonly IReadOnlyList<string> ConversationIdAliases = ["conversationId", "conversation_id"];
}

/// <summary>Names the middleware publishes for diagnostics.</summary>
public static class ConciergusDiagnostics
{
    /// <summary>
    /// The <see cref="System.Diagnostics.ActivitySource"/> name of the middleware's spans; add it to an
    /// OpenTelemetry tracer (<c>AddSource("Conciergus.AI")</c>) to export them.
    /// </summary>
    public const string ActivitySourceName = "Conciergus.AI";
}
