using System.Globalization;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Model;

/// <summary>
/// The property-name contract: keys the middleware reads from <c>ChatOptions.AdditionalProperties</c> (and
/// <c>EmbeddingGenerationOptions.AdditionalProperties</c>) to tag an operation with its dimensions, and the attempt
/// keys the resilience middleware stamps on each attempt's own copy of the options for <c>UseConciergus()</c> inside it.
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

    /// <summary>Attempts made before this one in the same logical call (retries and fallbacks); stamped by the resilience middleware.</summary>
    public const string RetryCount = "conciergus.retry_count";

    /// <summary>"true" when this attempt goes to a fallback model; stamped by the resilience middleware.</summary>
    public const string FallbackUsed = "conciergus.fallback_used";

    /// <summary>The model the caller first asked for; stamped by the resilience middleware.</summary>
    public const string OriginalModel = "conciergus.original_model";

    /// <summary>Reads the attempt markers (0, false, null when absent).</summary>
    public static (int RetryCount, bool FallbackUsed, string? OriginalModel) ReadAttempt(AdditionalPropertiesDictionary? properties)
    {
        if (properties is null || properties.Count == 0 || !properties.TryGetValue(OriginalModel, out var original))
        {
            return (0, false, null);
        }

        var retries = properties.TryGetValue(RetryCount, out var r) ? Convert.ToInt32(r, CultureInfo.InvariantCulture) : 0;
        var fallback = properties.TryGetValue(FallbackUsed, out var f) && f is true or "true";
        return (retries, fallback, original as string);
    }
}
