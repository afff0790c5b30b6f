using Microsoft.Extensions.AI;

namespace Conciergus.Dashboard.Demo;

/// <summary>A fake embeddings model (no network): short log-normal latency, rare 429 / 503.</summary>
public sealed class DemoEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 16;

    private static readonly DemoFailureRates Failures = new()
    {
        RateLimit = 0.004, ServerError = 0.001, Unavailable = 0.002, Timeout = 0, ContextLength = 0, ContentFilter = 0, Authentication = 0,
    };

    private readonly DemoModelProfile _profile;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly Lock _gate = new();

    /// <summary>Creates a simulated embeddings client.</summary>
    /// <param name="provider">Provider name reported in metadata.</param>
    /// <param name="model">Default model id.</param>
    /// <param name="timeProvider">Clock for every simulated wait; the system clock when null.</param>
    /// <param name="random">Source of randomness; a new one when null.</param>
    public DemoEmbeddingGenerator(string provider, string model, TimeProvider? timeProvider = null, Random? random = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentException.ThrowIfNullOrEmpty(model);
        _profile = new DemoModelProfile { Provider = provider, Model = model, ResponseModel = model, Failures = Failures };
        _timeProvider = timeProvider ?? TimeProvider.System;
        _random = random ?? new Random();
        _metadata = new EmbeddingGeneratorMetadata(provider, null, model, Dimensions);
    }

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var inputs = values.ToList();
        DemoFailure failure;
        TimeSpan delay;
        float[][] vectors;
        lock (_gate)
        {
            failure = _random.PickFailure(Failures);
            delay = failure == DemoFailure.None
                ? TimeSpan.FromMilliseconds(_random.LogNormal(110 + (4 * inputs.Count), 0.4))
                : _random.FailureDelay(failure);
            vectors = inputs.Select(_ => Enumerable.Range(0, Dimensions).Select(_ => (float)((_random.NextDouble() * 2) - 1)).ToArray()).ToArray();
        }

        await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        if (failure != DemoFailure.None)
        {
            throw DemoSimulation.CreateException(failure, _profile);
        }

        var tokens = inputs.Sum(text => (long)((text?.Length ?? 0) / 4) + 1);
        return new GeneratedEmbeddings<Embedding<float>>(vectors.Select(v => new Embedding<float>(v) { ModelId = _profile.ResponseModel, CreatedAt = _timeProvider.GetUtcNow() }))
        {
            Usage = new UsageDetails { InputTokenCount = tokens, TotalTokenCount = tokens },
        };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
