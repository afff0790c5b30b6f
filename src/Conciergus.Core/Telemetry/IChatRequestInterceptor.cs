using Microsoft.Extensions.AI;

namespace Conciergus.Core.Telemetry;

/// <summary>
/// Seam for experiments: called by the chat middleware before the inner call; may rewrite the request
/// (model, prompt, parameters) and tag the operation with an experiment key and variant.
/// Register one in the service provider the pipeline is built with.
/// </summary>
public interface IChatRequestInterceptor
{
    /// <summary>
    /// Inspects one request; returns null to leave it unchanged and untagged. Exceptions other than
    /// cancellation are swallowed by the middleware, which then sends the original request untagged.
    /// </summary>
    ValueTask<ChatRequestInterception?> InterceptAsync(ChatRequestContext context, CancellationToken cancellationToken);
}

/// <summary>What the interceptor sees of one request.</summary>
public sealed record ChatRequestContext
{
    /// <summary>The messages the caller sent.</summary>
    public required IEnumerable<ChatMessage> Messages { get; init; }

    /// <summary>The options the caller sent (may be null).</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>Provider of the inner client (lower case).</summary>
    public required string Provider { get; init; }

    /// <summary>Model the caller asked for (options, else the client's default).</summary>
    public required string RequestModel { get; init; }

    /// <summary>Resolved end user id, when known (experiment assignment hashes it).</summary>
    public string? UserId { get; init; }

    /// <summary>Resolved application.</summary>
    public required string Application { get; init; }

    /// <summary>Resolved environment, when known.</summary>
    public string? Environment { get; init; }
}

/// <summary>An interceptor's decision: the request to send and the experiment tags for the operation.</summary>
public sealed record ChatRequestInterception
{
    /// <summary>Messages to send instead of the caller's.</summary>
    public required IEnumerable<ChatMessage> Messages { get; init; }

    /// <summary>Options to send instead of the caller's (their ModelId becomes the request model).</summary>
    public ChatOptions? Options { get; init; }

    /// <summary>Experiment key to tag the operation with.</summary>
    public string? ExperimentKey { get; init; }

    /// <summary>Experiment variant key to tag the operation with.</summary>
    public string? ExperimentVariant { get; init; }
}
