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
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var (sendMessages, sendOptions, tracker) = await BeginAsync(messages, options, streaming: false, cancellationToken).ConfigureAwait(false);
        ChatResponse response;
        try
        {
            // BeginAsync's change to Activity.Current ended with it; the inner client must see our span.
            if (tracker.Activity is { } activity)
            {
                Activity.Current = activity;
            }

            response = await base.GetResponseAsync(sendMessages, sendOptions, cancellationToken).ConfigureAwait(false);
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
        var (sendMessages, sendOptions, tracker) = await BeginAsync(messages, options, streaming: true, cancellationToken).ConfigureAwait(false);
        var outcome = new CallOutcome();
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(sendMessages, sendOptions, cancellationToken).GetAsyncEnumerator(cancellationToken);
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

    private async ValueTask<(IEnumerable<ChatMessage> Messages, ChatOptions? Options, AiCallTracker Tracker)> BeginAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options,
        bool streaming,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var metadata = GetMetadata();
        var provider = _provider;
        var dimensions = DimensionsOf(options);
        string? experimentKey = null;
        string? experimentVariant = null;

        // Only an interceptor (experiments) can change what is sent; without one nothing is allocated for it.
        if (_interceptor is not null)
        {
            var request = await InterceptAsync(
                new ChatRequestInterception { Messages = messages, Options = options },
                provider,
                ModelOf(options, metadata),
                dimensions,
                cancellationToken).ConfigureAwait(false);
            (messages, options, experimentKey, experimentVariant) = (request.Messages, request.Options, request.ExperimentKey, request.ExperimentVariant);
        }

        var (retryCount, fallbackUsed, originalModel) = ConciergusPropertyNames.ReadAttempt(options?.AdditionalProperties);
        var call = new CallDescription
        {
            Operation = AiOperationKinds.Chat,
            Provider = provider,
            RequestModel = ModelOf(options, metadata),
            Dimensions = dimensions,
            ExperimentKey = experimentKey,
            ExperimentVariant = experimentVariant,
            Streaming = streaming,
            RetryCount = retryCount,
            FallbackUsed = fallbackUsed,
            OriginalModel = originalModel,
        };

        return (messages, options, AiCallTracker.Start(_recorder, _categorizer, _pricer, _timeProvider, call));
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

    private async ValueTask<ChatRequestInterception> InterceptAsync(
        ChatRequestInterception original,
        string provider,
        string requestModel,
        CallDimensions dimensions,
        CancellationToken cancellationToken)
    {
        var context = new ChatRequestContext
        {
            Messages = original.Messages,
            Options = original.Options,
            Provider = provider,
            RequestModel = requestModel,
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
