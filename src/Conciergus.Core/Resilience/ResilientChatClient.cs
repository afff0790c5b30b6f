using System.Runtime.CompilerServices;

using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;

using Polly;
using Polly.CircuitBreaker;

namespace Conciergus.Core.Resilience;

/// <summary>
/// Chat middleware that retries, breaks circuits and falls back along a model chain (see README.md in this folder).
/// Sits OUTSIDE <c>UseConciergus()</c>: every attempt passes through the recorder as its own operation and span,
/// stamped with its retry count, whether it is a fallback, and the model first requested.
/// </summary>
public sealed class ResilientChatClient : DelegatingChatClient
{
    private readonly CircuitRegistry _registry;
    private readonly ConciergusMiddlewareOptions _tags;

    /// <summary>Creates the middleware around <paramref name="innerClient"/>.</summary>
    /// <param name="innerClient">The pipeline each attempt goes through (normally <c>UseConciergus()</c> and the provider).</param>
    /// <param name="registry">Shared circuits.</param>
    /// <param name="tags">Application and provider defaults (as for <c>UseConciergus()</c>) to pick the fallback chain and circuit.</param>
    public ResilientChatClient(IChatClient innerClient, CircuitRegistry registry, ConciergusMiddlewareOptions? tags = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(registry);
        _registry = registry;
        _tags = tags ?? new ConciergusMiddlewareOptions();
    }

    /// <inheritdoc />
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan(options);
        Exception? last = null;
        for (var i = 0; i < plan.Chain.Count; i++)
        {
            var target = plan.Chain[i];
            try
            {
                return await _registry.PipelineFor(target).ExecuteAsync(
                    static (s, ct) => s.Client.AttemptAsync(s.Messages, s.Options, s.Plan, s.Target, s.Fallback, ct),
                    (Client: this, Messages: messages, Options: options, Plan: plan, Target: target, Fallback: i > 0),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (ShouldFallBack(exception, target, cancellationToken))
            {
                last = exception;
            }
        }

        throw last!;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Retries and fallbacks happen before the first update reaches the caller; once it has, a failure is the caller's.
        var (updates, hasFirst) = await OpenStreamAsync(messages, options, cancellationToken).ConfigureAwait(false);
        try
        {
            if (!hasFirst)
            {
                yield break;
            }

            yield return updates.Current;
            while (await updates.MoveNextAsync().ConfigureAwait(false))
            {
                yield return updates.Current;
            }
        }
        finally
        {
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<(IAsyncEnumerator<ChatResponseUpdate> Updates, bool HasFirst)> OpenStreamAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        CancellationToken cancellationToken)
    {
        var plan = Plan(options);
        Exception? last = null;
        for (var i = 0; i < plan.Chain.Count; i++)
        {
            var target = plan.Chain[i];
            try
            {
                return await _registry.PipelineFor(target).ExecuteAsync(
                    static (s, ct) => s.Client.OpenAttemptAsync(s.Messages, s.Options, s.Plan, s.Target, s.Fallback, ct),
                    (Client: this, Messages: messages, Options: options, Plan: plan, Target: target, Fallback: i > 0),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (ShouldFallBack(exception, target, cancellationToken))
            {
                last = exception;
            }
        }

        throw last!;
    }

    private async ValueTask<ChatResponse> AttemptAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CallPlan plan, ModelTarget target, bool fallback, CancellationToken cancellationToken)
    {
        var stamped = ResilienceAttempt.Stamp(options, target.Model, plan.Attempts++, fallback, plan.Requested.Model);
        return await InnerClient.GetResponseAsync(messages, stamped, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<(IAsyncEnumerator<ChatResponseUpdate>, bool)> OpenAttemptAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CallPlan plan, ModelTarget target, bool fallback, CancellationToken cancellationToken)
    {
        var stamped = ResilienceAttempt.Stamp(options, target.Model, plan.Attempts++, fallback, plan.Requested.Model);
        var updates = InnerClient.GetStreamingResponseAsync(messages, stamped, cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            return (updates, await updates.MoveNextAsync().ConfigureAwait(false));
        }
        catch
        {
            await updates.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // Fall back when this model's circuit refused the call, or its retries ran out on a retryable failure;
    // a bad request or a cancellation would fail the same way on any model.
    private bool ShouldFallBack(Exception exception, ModelTarget target, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && (exception is BrokenCircuitException || _registry.IsRetryable(exception, target.Provider));

    private CallPlan Plan(ChatOptions? options)
    {
        var metadata = InnerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
        var provider = ConciergusChatClient.ProviderOf(metadata?.ProviderName, _tags);
        var model = options?.ModelId is { Length: > 0 } m ? m : metadata?.DefaultModelId ?? "unknown";
        var application = CallDimensions.Resolve(options?.AdditionalProperties, options?.ConversationId, _tags).Application;

        var requested = new ModelTarget(provider, model);
        var chain = new List<ModelTarget> { requested };
        foreach (var entry in _registry.Options.FallbacksFor(application, model))
        {
            var next = ModelTarget.Parse(entry, provider);
            if (!chain.Contains(next))
            {
                chain.Add(next);
            }
        }

        return new CallPlan(requested, chain);
    }

    /// <summary>One logical call: the chain and the attempts made so far (attempts run one after another).</summary>
    private sealed class CallPlan(ModelTarget requested, IReadOnlyList<ModelTarget> chain)
    {
        public ModelTarget Requested { get; } = requested;

        public IReadOnlyList<ModelTarget> Chain { get; } = chain;

        public int Attempts { get; set; }
    }
}
