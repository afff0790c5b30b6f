using System.Diagnostics;
using System.Runtime.CompilerServices;

using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Telemetry;

/// <summary>
/// Chat middleware that records exactly one <see cref="AiOperation"/> per call (streaming or not, success
/// or failure) and emits a GenAI-convention span from <see cref="ConciergusDiagnostics.ActivitySourceName"/>.
/// Add it with <c>ChatClientBuilder.UseConciergus()</c>.
/// </summary>
public sealed class ConciergusChatClient : DelegatingChatClient
{
    private readonly IAiOperationRecorder _recorder;
    private readonly ConciergusMiddlewareOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IErrorCategorizer? _categorizer;
    private readonly IChatRequestInterceptor? _interceptor;
    private readonly ICostCalculator? _pricer;
    private ChatClientMetadata? _metadata;
    private string _provider = "unknown";
    private bool _metadataResolved;
    private CallDimensions? _defaultDimensions;

    /// <summary>Creates the middleware around <paramref name="innerClient"/>.</summary>
    public ConciergusChatClient(
        IChatClient innerClient,
        IAiOperationRecorder recorder,
        ConciergusMiddlewareOptions? options = null,
        TimeProvider? timeProvider = null,
        IErrorCategorizer? errorCategorizer = null,
        IChatRequestInterceptor? interceptor = null,
        ICostCalculator? costCalculator = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
        _options = options ?? new ConciergusMiddlewareOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _categorizer = errorCategorizer;
        _interceptor = interceptor;
        _pricer = costCalculator;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without an interceptor this is not an async method: when the inner client answers at once (a cache, a fake, a
    /// completed task), its own task is returned after the call is recorded, with no state machine and no task of ours.
    /// </remarks>
    public override Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var dimensions = DimensionsOf(options);
        return _interceptor is null
            ? Send(messages, options, Describe(options, dimensions, streaming: false, experiment: default), cancellationToken)
            : GetInterceptedResponseAsync(messages, options, dimensions, cancellationToken);
    }

    private async Task<ChatResponse> GetInterceptedResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        CallDimensions dimensions,
        CancellationToken cancellationToken)
    {
        var request = await InterceptAsync(messages, options, dimensions, cancellationToken).ConfigureAwait(false);
        var call = Describe(request.Options, dimensions, streaming: false, (request.ExperimentKey, request.ExperimentVariant));
        return await Send(request.Messages, request.Options, call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts tracking, calls the inner client and records the call when its answer is in.</summary>
    private Task<ChatResponse> Send(IEnumerable<ChatMessage> messages, ChatOptions? options, in CallDescription call, CancellationToken cancellationToken)
    {
        // Starting our span makes it current, so the inner client (and HttpClient) sees it as parent. This method is
        // not async, so nothing undoes that on return: the caller's span is put back as soon as the inner client
        // returns. Our span's parent is that caller's span, as it was started from Activity.Current.
        var tracker = AiCallTracker.Start(_recorder, _categorizer, _pricer, _timeProvider, call);
        Task<ChatResponse> pending;
        try
        {
            pending = base.GetResponseAsync(messages, options, cancellationToken);
        }
#pragma warning disable CA1031 // Not swallowed: the task carries it to the caller, as an async method's would, and Complete records it.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            pending = Task.FromException<ChatResponse>(exception);
        }
        finally
        {
            if (tracker.Activity is { } span)
            {
                Activity.Current = span.Parent;
            }
        }

        if (pending.IsCompletedSuccessfully)
        {
            tracker.Succeed(pending.Result);
            return pending;
        }

        return Complete(pending, tracker);
    }

    /// <summary>Waits for an answer that was not in at once and records the call (the tracker is moved here, not shared).</summary>
    private static async Task<ChatResponse> Complete(Task<ChatResponse> pending, AiCallTracker tracker)
    {
        ChatResponse response;
        try
        {
            response = await pending.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            tracker.Fail(exception);
            throw;
        }

        tracker.Succeed(response);
        return response;
    }

    /// <inheritdoc />
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var dimensions = DimensionsOf(options);
        var experiment = default((string?, string?));
        if (_interceptor is not null)
        {
            var request = await InterceptAsync(messages, options, dimensions, cancellationToken).ConfigureAwait(false);
            (messages, options, experiment) = (request.Messages, request.Options, (request.ExperimentKey, request.ExperimentVariant));
        }

        var tracker = AiCallTracker.Start(_recorder, _categorizer, _pricer, _timeProvider, Describe(options, dimensions, streaming: true, experiment));
        var outcome = new CallOutcome();
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception exception)
        {
            tracker.Fail(exception, outcome);
            throw;
        }

        // yield cannot sit inside a try with a catch, so each MoveNextAsync gets its own try/catch and the
        // outer finally catches the one way out that is neither: the consumer disposing us early.
        try
        {
            while (true)
            {
                ChatResponseUpdate update;
                try
                {
                    // Each step of an async iterator runs in the consumer's execution context, so our span
                    // must be made current again for the inner client (and HttpClient) to see it as parent.
                    if (tracker.Activity is { } activity)
                    {
                        Activity.Current = activity;
                    }

                    if (!await updates.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }

                    update = updates.Current;
                }
                catch (Exception exception)
                {
                    tracker.Fail(exception, outcome);
                    throw;
                }

                if (outcome.Observe(update))
                {
                    tracker.MarkFirstToken();
                }

                yield return update;
            }

            tracker.Succeed(outcome);
        }
        finally
        {
            // No-op when the stream already ended in Succeed or Fail.
            tracker.Abandon(outcome);
            await updates.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>What is known about a call before it is sent (the options are the ones sent, after any interceptor).</summary>
    private CallDescription Describe(ChatOptions? options, CallDimensions dimensions, bool streaming, (string? Key, string? Variant) experiment)
    {
        var metadata = GetMetadata();
        var (retryCount, fallbackUsed, originalModel) = ConciergusPropertyNames.ReadAttempt(options?.AdditionalProperties);
        return new CallDescription
        {
            Operation = AiOperationKinds.Chat,
            Provider = _provider,
            RequestModel = ModelOf(options, metadata),
            Dimensions = dimensions,
            ExperimentKey = experiment.Key,
            ExperimentVariant = experiment.Variant,
            Streaming = streaming,
            RetryCount = retryCount,
            FallbackUsed = fallbackUsed,
            OriginalModel = originalModel,
        };
    }

    /// <summary>
    /// The call's dimensions. A call that names none (no additional properties, no conversation id, no ambient scope)
    /// has the pipeline's defaults, resolved once; any other call is resolved in full.
    /// </summary>
    private CallDimensions DimensionsOf(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } && string.IsNullOrEmpty(options?.ConversationId) && ConciergusContext.Current is null)
        {
            return _defaultDimensions ??= CallDimensions.Resolve(null, null, _options);
        }

        return CallDimensions.Resolve(options?.AdditionalProperties, options?.ConversationId, _options);
    }

    /// <summary>Lets the interceptor (experiments) change what is sent; its failure sends the request unchanged.</summary>
    private async ValueTask<ChatRequestInterception> InterceptAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        CallDimensions dimensions,
        CancellationToken cancellationToken)
    {
        var original = new ChatRequestInterception { Messages = messages, Options = options };
        var metadata = GetMetadata();
        var context = new ChatRequestContext
        {
            Messages = messages,
            Options = options,
            Provider = _provider,
            RequestModel = ModelOf(options, metadata),
            UserId = dimensions.UserId,
            Application = dimensions.Application,
            Environment = dimensions.Environment,
        };

        try
        {
            return await _interceptor!.InterceptAsync(context, cancellationToken).ConfigureAwait(false) ?? original;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // Experiment machinery must never fail the caller's request: send it unchanged.
        catch (Exception)
#pragma warning restore CA1031
        {
            return original;
        }
    }

    /// <summary>The inner client's metadata, asked once; <c>_provider</c> is set with it.</summary>
    private ChatClientMetadata? GetMetadata()
    {
        // Benign race: two first calls may both ask the inner client; they get the same answer.
        if (!Volatile.Read(ref _metadataResolved))
        {
            _metadata = InnerClient.GetService(typeof(ChatClientMetadata)) as ChatClientMetadata;
            _provider = ProviderOf(_metadata?.ProviderName, _options);
            Volatile.Write(ref _metadataResolved, true);
        }

        return _metadata;
    }

    private static string ModelOf(ChatOptions? options, ChatClientMetadata? metadata) =>
        options?.ModelId is { Length: > 0 } model ? model
        : metadata?.DefaultModelId is { Length: > 0 } defaultModel ? defaultModel
        : "unknown";

    internal static string ProviderOf(string? providerName, ConciergusMiddlewareOptions options) =>
        providerName is { Length: > 0 } name ? name.ToLowerInvariant()
        : options.Provider is { Length: > 0 } configured ? configured.ToLowerInvariant()
        : "unknown";
}
