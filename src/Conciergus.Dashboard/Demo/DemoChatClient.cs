using System.Runtime.CompilerServices;

using Microsoft.Extensions.AI;

namespace Conciergus.Dashboard.Demo;

/// <summary>
/// A fake model (no network) with a real model's shape: log-normal time to first token and throughput,
/// prompt-cache hits and writes, reasoning tokens, per-model failure rates and occasional incidents
/// (rate-limit storms, outages, slowdowns) that make errors and latency come in bursts.
/// All waiting goes through the <see cref="TimeProvider"/>.
/// </summary>
public sealed class DemoChatClient : IChatClient
{
    private const double IncidentChancePerCall = 0.0015;

    private static readonly string[] Words =
    [
        "Sure,", "here", "is", "a", "short", "answer", "about", "your", "order", "and", "the", "refund", "policy.",
        "The", "summary", "covers", "three", "points:", "delivery", "times,", "pricing", "and", "support.",
    ];

    private readonly DemoModelProfile _profile;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly ChatClientMetadata _metadata;
    private readonly Lock _gate = new();
    private DemoIncident _incident = DemoIncident.Quiet;
    private long _responses;

    /// <summary>Creates a simulated client for <paramref name="provider"/> / <paramref name="model"/>.</summary>
    /// <param name="provider">Provider name reported in metadata (openai, anthropic, gcp.gemini, mistral_ai).</param>
    /// <param name="model">Default model id.</param>
    /// <param name="timeProvider">Clock for every simulated wait; the system clock when null.</param>
    /// <param name="random">Source of randomness (seed it for reproducible runs); a new one when null.</param>
    /// <param name="profile">Behaviour; the catalog entry for the model when null.</param>
    public DemoChatClient(string provider, string model, TimeProvider? timeProvider = null, Random? random = null, DemoModelProfile? profile = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentException.ThrowIfNullOrEmpty(model);
        _profile = profile ?? DemoModelProfile.For(provider, model);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _random = random ?? new Random();
        _metadata = new ChatClientMetadata(provider, null, model);
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var profile = ProfileFor(options);
        var plan = Plan(streaming: false, profile);
        if (plan.Failure != DemoFailure.None)
        {
            await Task.Delay(plan.FailAfter, _timeProvider, cancellationToken).ConfigureAwait(false);
            throw DemoSimulation.CreateException(plan.Failure, profile);
        }

        await Task.Delay(plan.Duration, _timeProvider, cancellationToken).ConfigureAwait(false);
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, string.Join(' ', Enumerable.Range(0, plan.Chunks).Select(ChunkText))))
        {
            ResponseId = plan.ResponseId,
            ModelId = profile.ResponseModel,
            CreatedAt = _timeProvider.GetUtcNow(),
            FinishReason = plan.FinishReason,
            Usage = plan.Usage(),
        };
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var profile = ProfileFor(options);
        var plan = Plan(streaming: true, profile);
        if (plan.Failure != DemoFailure.None && plan.FailAfterChunks == 0)
        {
            await Task.Delay(plan.FailAfter, _timeProvider, cancellationToken).ConfigureAwait(false);
            throw DemoSimulation.CreateException(plan.Failure, profile);
        }

        await Task.Delay(plan.TimeToFirstToken, _timeProvider, cancellationToken).ConfigureAwait(false);
        var perChunk = (plan.Duration - plan.TimeToFirstToken) / plan.Chunks;
        for (var i = 0; i < plan.Chunks; i++)
        {
            if (i > 0)
            {
                await Task.Delay(perChunk, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            if (plan.Failure != DemoFailure.None && i == plan.FailAfterChunks)
            {
                throw DemoSimulation.CreateException(plan.Failure, profile);
            }

            yield return new ChatResponseUpdate(ChatRole.Assistant, (i == 0 ? string.Empty : " ") + ChunkText(i))
            {
                ResponseId = plan.ResponseId,
                MessageId = plan.ResponseId,
                ModelId = profile.ResponseModel,
            };
        }

        yield return new ChatResponseUpdate { ResponseId = plan.ResponseId, ModelId = profile.ResponseModel, FinishReason = plan.FinishReason };
        yield return new ChatResponseUpdate { ResponseId = plan.ResponseId, Contents = [new UsageContent(plan.Usage())] };
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        return serviceKey is not null ? null
            : serviceType == typeof(ChatClientMetadata) ? _metadata
            : serviceType.IsInstanceOfType(this) ? this
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static string ChunkText(int index) => Words[index % Words.Length];

    /// <summary>
    /// The model the request asks for, when it is another demo model of this provider (an experiment's model override,
    /// as a real provider answers with the model named in the request); this client's own model otherwise.
    /// </summary>
    internal DemoModelProfile ProfileFor(ChatOptions? options) =>
        options?.ModelId is { Length: > 0 } requested
        && !string.Equals(requested, _profile.Model, StringComparison.Ordinal)
        && DemoModelProfile.Catalog.FirstOrDefault(p => p.Provider == _profile.Provider && p.Model == requested) is { } other
            ? other
            : _profile;

    /// <summary>Draws everything random about one call at once, under the lock (Random is not thread-safe).</summary>
    internal DemoCallPlan Plan(bool streaming, DemoModelProfile? requested = null)
    {
        var profile = requested ?? _profile;
        lock (_gate)
        {
            // Drawn on every call, so the sequence of draws (and a seeded run) does not depend on timing.
            var now = _timeProvider.GetUtcNow();
            var incidentDraw = _random.NextDouble();
            if (now >= _incident.Until)
            {
                _incident = incidentDraw < IncidentChancePerCall ? StartIncident(now) : DemoIncident.Quiet;
            }

            var rates = _incident.Apply(profile.Failures);
            var failure = _random.PickFailure(rates);

            var ttftMs = _random.LogNormal(profile.MedianTimeToFirstTokenMs, profile.TimeToFirstTokenSigma) * _incident.LatencyFactor;
            var visible = (long)Math.Clamp(_random.LogNormal(profile.MedianOutputTokens, 0.7), 1, 8_000);
            var reasoning = profile.MedianReasoningTokens > 0
                ? (long)Math.Clamp(_random.LogNormal(profile.MedianReasoningTokens, 0.7), 1, 30_000)
                : 0;
            var tokensPerSecond = _random.LogNormal(profile.TokensPerSecond, 0.25) / _incident.LatencyFactor;
            var generationMs = visible / tokensPerSecond * 1000;

            var input = (long)Math.Clamp(_random.LogNormal(profile.MedianInputTokens, 0.8), 20, 120_000);
            var cached = _random.NextDouble() < profile.CacheHitRate ? (long)(input * (0.4 + (0.5 * _random.NextDouble()))) : 0;
            var written = _random.NextDouble() < profile.CacheWriteRate ? (long)((input - cached) * (0.3 + (0.5 * _random.NextDouble()))) : 0;
            var finish = _random.NextDouble() < profile.LengthFinishRate ? ChatFinishReason.Length : ChatFinishReason.Stop;
            var chunks = (int)Math.Clamp(visible / 8, 3, 40);

            // Provider errors sometimes arrive mid-stream, after the model has started answering.
            var failAfterChunks = streaming
                && failure is DemoFailure.ServerError or DemoFailure.Unavailable or DemoFailure.ContentFilter
                && _random.NextDouble() < 0.4
                ? _random.Next(1, chunks)
                : 0;

            return new DemoCallPlan
            {
                ResponseId = $"demo-{profile.Model}-{Interlocked.Increment(ref _responses)}",
                Failure = failure,
                FailAfter = failure == DemoFailure.None ? TimeSpan.Zero : _random.FailureDelay(failure),
                FailAfterChunks = failAfterChunks,
                TimeToFirstToken = TimeSpan.FromMilliseconds(ttftMs),
                Duration = TimeSpan.FromMilliseconds(ttftMs + generationMs),
                Chunks = chunks,
                FinishReason = finish,
                InputTokens = input,
                CachedInputTokens = cached,
                CacheCreationInputTokens = written,
                OutputTokens = visible + reasoning,
                ReasoningTokens = reasoning,
            };
        }
    }

    private DemoIncident StartIncident(DateTimeOffset now)
    {
        var until = now + TimeSpan.FromSeconds(Math.Clamp(_random.LogNormal(40, 0.5), 10, 180));
        return _random.NextDouble() switch
        {
            < 0.45 => new DemoIncident(until, RateLimitBoost: 0.35, OutageBoost: 0, LatencyFactor: 1),
            < 0.70 => new DemoIncident(until, RateLimitBoost: 0, OutageBoost: 0.4, LatencyFactor: 1.3),
            _ => new DemoIncident(until, RateLimitBoost: 0, OutageBoost: 0, LatencyFactor: 2.5),
        };
    }
}

/// <summary>A stretch of bad weather for one model: more 429s, an outage, or a slowdown.</summary>
internal sealed record DemoIncident(DateTimeOffset Until, double RateLimitBoost, double OutageBoost, double LatencyFactor)
{
    public static readonly DemoIncident Quiet = new(DateTimeOffset.MinValue, 0, 0, 1);

    public DemoFailureRates Apply(DemoFailureRates rates) => RateLimitBoost == 0 && OutageBoost == 0 && LatencyFactor <= 1
        ? rates
        : rates with
        {
            RateLimit = rates.RateLimit + RateLimitBoost,
            Unavailable = rates.Unavailable + OutageBoost,
            ServerError = rates.ServerError + (OutageBoost / 8),
            Timeout = rates.Timeout + (LatencyFactor > 2 ? 0.03 : 0),
        };
}

/// <summary>Everything random about one simulated call, drawn up front.</summary>
internal sealed record DemoCallPlan
{
    public required string ResponseId { get; init; }

    public DemoFailure Failure { get; init; }

    public TimeSpan FailAfter { get; init; }

    /// <summary>0 fails before the first token; n fails after n chunks were streamed.</summary>
    public int FailAfterChunks { get; init; }

    public TimeSpan TimeToFirstToken { get; init; }

    public TimeSpan Duration { get; init; }

    public int Chunks { get; init; }

    public ChatFinishReason FinishReason { get; init; }

    public long InputTokens { get; init; }

    public long CachedInputTokens { get; init; }

    public long CacheCreationInputTokens { get; init; }

    public long OutputTokens { get; init; }

    public long ReasoningTokens { get; init; }

    /// <summary>Usage as M.E.AI defines it: input includes cache reads and writes, output includes reasoning.</summary>
    public UsageDetails Usage() => new()
    {
        InputTokenCount = InputTokens,
        CachedInputTokenCount = CachedInputTokens > 0 ? CachedInputTokens : null,
        OutputTokenCount = OutputTokens,
        ReasoningTokenCount = ReasoningTokens > 0 ? ReasoningTokens : null,
        TotalTokenCount = InputTokens + OutputTokens,
        AdditionalCounts = CacheCreationInputTokens > 0 ? new() { ["CacheCreationInputTokens"] = CacheCreationInputTokens } : null,
    };
}
