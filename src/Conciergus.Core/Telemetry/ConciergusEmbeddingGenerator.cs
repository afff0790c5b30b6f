using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using Microsoft.Extensions.AI;

namespace Conciergus.Core.Telemetry;

/// <summary>
/// Embedding middleware that records exactly one <see cref="AiOperation"/> (operation "embeddings") per
/// call and emits a GenAI-convention span. Add it with <c>EmbeddingGeneratorBuilder.UseConciergus()</c>.
/// </summary>
/// <typeparam name="TInput">Input type (usually string).</typeparam>
/// <typeparam name="TEmbedding">Embedding type.</typeparam>
public sealed class ConciergusEmbeddingGenerator<TInput, TEmbedding> : DelegatingEmbeddingGenerator<TInput, TEmbedding>
    where TEmbedding : Embedding
{
    private readonly IAiOperationRecorder _recorder;
    private readonly ConciergusMiddlewareOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IErrorCategorizer? _categorizer;
    private readonly ICostCalculator? _pricer;
    private EmbeddingGeneratorMetadata? _metadata;
    private bool _metadataResolved;

    /// <summary>Creates the middleware around <paramref name="innerGenerator"/>.</summary>
    public ConciergusEmbeddingGenerator(
        IEmbeddingGenerator<TInput, TEmbedding> innerGenerator,
        IAiOperationRecorder recorder,
        ConciergusMiddlewareOptions? options = null,
        TimeProvider? timeProvider = null,
        IErrorCategorizer? errorCategorizer = null,
        ICostCalculator? costCalculator = null)
        : base(innerGenerator)
    {
        ArgumentNullException.ThrowIfNull(recorder);
        _recorder = recorder;
        _options = options ?? new ConciergusMiddlewareOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _categorizer = errorCategorizer;
        _pricer = costCalculator;
    }

    /// <inheritdoc />
    public override async Task<GeneratedEmbeddings<TEmbedding>> GenerateAsync(
        IEnumerable<TInput> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var metadata = GetMetadata();
        var call = new CallDescription
        {
            Operation = AiOperationKinds.Embeddings,
            Provider = ConciergusChatClient.ProviderOf(metadata?.ProviderName, _options),
            RequestModel = options?.ModelId is { Length: > 0 } model ? model
                : metadata?.DefaultModelId is { Length: > 0 } defaultModel ? defaultModel
                : "unknown",
            Dimensions = CallDimensions.Resolve(options?.AdditionalProperties, requestConversationId: null, _options),
        };

        var tracker = AiCallTracker.Start(_recorder, _categorizer, _pricer, _timeProvider, call);
        GeneratedEmbeddings<TEmbedding> embeddings;
        try
        {
            embeddings = await base.GenerateAsync(values, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            tracker.Fail(exception);
            throw;
        }

        var outcome = new CallOutcome { ResponseModel = embeddings.Count > 0 ? embeddings[0].ModelId : null };
        outcome.AddUsage(embeddings.Usage);
        tracker.Succeed(outcome);
        return embeddings;
    }

    private EmbeddingGeneratorMetadata? GetMetadata()
    {
        // Benign race: two first calls may both ask the inner generator; they get the same answer.
        if (!Volatile.Read(ref _metadataResolved))
        {
            _metadata = InnerGenerator.GetService(typeof(EmbeddingGeneratorMetadata)) as EmbeddingGeneratorMetadata;
            Volatile.Write(ref _metadataResolved, true);
        }

        return _metadata;
    }
}
