using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;

using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Resilience;
using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Resilience;

/// <summary>
/// A fake clock that reports every timer created on it (with its due time), so a test can wait until Polly is
/// waiting, check how long it asked to wait, and advance exactly that far. Nothing sleeps.
/// </summary>
internal sealed class ObservedTime : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _dueTimes = new();
    private readonly SemaphoreSlim _created = new(0);

    public ObservedTime(DateTimeOffset start) => Fake = new FakeTimeProvider(start);

    public FakeTimeProvider Fake { get; }

    public override TimeZoneInfo LocalTimeZone => Fake.LocalTimeZone;

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _dueTimes.Enqueue(dueTime);
            _created.Release();
        }

        return timer;
    }

    /// <summary>Waits (bounded by a real-time safety net) for the next timer and returns its due time.</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        if (!await _created.WaitAsync(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException("No timer was created.");
        }

        Assert.True(_dueTimes.TryDequeue(out var due));
        return due;
    }

    /// <summary>Waits for the next timer, then advances the clock by its due time; returns the due time.</summary>
    public async Task<TimeSpan> FireNextTimerAsync()
    {
        var due = await NextTimerAsync();
        Fake.Advance(due);
        return due;
    }
}

/// <summary>A provider at the edge: per model, a script of outcomes (null = success); logs every call with the fake time.</summary>
internal sealed class FlakyChatClient(TimeProvider time, string provider = "openai", string defaultModel = "gpt-4o") : IChatClient
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Exception?>> _scripts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Model, DateTimeOffset At)> _calls = new();

    public IReadOnlyList<(string Model, DateTimeOffset At)> Calls => [.. _calls];

    /// <summary>Failure used when a model's script is empty and the model is down.</summary>
    public ConcurrentDictionary<string, Exception> Down { get; } = new(StringComparer.Ordinal);

    public FlakyChatClient Script(string model, params Exception?[] outcomes)
    {
        var queue = _scripts.GetOrAdd(model, _ => new ConcurrentQueue<Exception?>());
        foreach (var outcome in outcomes)
        {
            queue.Enqueue(outcome);
        }

        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var model = options?.ModelId ?? defaultModel;
        _calls.Enqueue((model, time.GetUtcNow()));
        var failure = Next(model);
        return failure is null
            ? Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok from " + model)) { ModelId = model })
            : Task.FromException<ChatResponse>(failure);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = options?.ModelId ?? defaultModel;
        _calls.Enqueue((model, time.GetUtcNow()));
        await Task.CompletedTask;
        if (Next(model) is { } failure)
        {
            throw failure;
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, "ok ") { ModelId = model };
        yield return new ChatResponseUpdate(ChatRole.Assistant, "from " + model) { ModelId = model };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata(provider, null, defaultModel) : null;

    public void Dispose()
    {
    }

    private Exception? Next(string model) =>
        _scripts.TryGetValue(model, out var q) && q.TryDequeue(out var outcome) ? outcome
        : Down.TryGetValue(model, out var down) ? down
        : null;

    public static HttpRequestException Status(HttpStatusCode status, TimeSpan? retryAfter = null)
    {
        var e = new HttpRequestException($"HTTP {(int)status}", null, status);
        if (retryAfter is { } ra)
        {
            e.Data[RetryAfter.DataKey] = ((int)ra.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return e;
    }
}

/// <summary>
/// Resilience + UseConciergus + the real collector and time-series cache on an observed fake clock; the jitter
/// draw is fixed at 0.5 (factor 1) so backoff delays are exact.
/// </summary>
internal sealed class ResilienceTestHost
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public ResilienceTestHost(Action<ResilienceOptions>? configure = null, double jitter = 0.5)
    {
        Time = new ObservedTime(Start);
        Options = new ResilienceOptions
        {
            Retry = new RetrySettings { MaxRetries = 3, BaseDelay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(30), JitterFraction = 0.2 },
            CircuitBreaker = new CircuitBreakerSettings { MinimumThroughput = 100, FailureRatio = 0.5, SamplingDuration = TimeSpan.FromSeconds(30), BreakDuration = TimeSpan.FromSeconds(30) },
        };
        configure?.Invoke(Options);
        Registry = new CircuitRegistry(Microsoft.Extensions.Options.Options.Create(Options), new ErrorCategorizer(), Time, jitter: () => jitter);

        var tsOptions = new TimeSeriesOptions();
        Cache = new TimeSeriesCache(tsOptions, Time);
        Collector = new AiOperationCollector(Cache, new UserCostLedger(tsOptions, Time), new RecentErrors(), new Unpriced(), new ErrorCategorizer(), [Sink], Time);
        Provider = new FlakyChatClient(Time);

        var services = new ServiceCollection()
            .AddSingleton<IAiOperationRecorder>(Collector)
            .AddSingleton<TimeProvider>(Time)
            .AddSingleton<IErrorCategorizer, ErrorCategorizer>()
            .AddSingleton(Registry)
            .BuildServiceProvider();
        Client = new ChatClientBuilder(Provider)
            .UseConciergusResilience(o => o.Application = "shop")
            .UseConciergus(o => o.Application = "shop")
            .Build(services);
    }

    public ObservedTime Time { get; }

    public ResilienceOptions Options { get; }

    public CircuitRegistry Registry { get; }

    public TimeSeriesCache Cache { get; }

    public AiOperationCollector Collector { get; }

    public CapturingSink Sink { get; } = new();

    public FlakyChatClient Provider { get; }

    public IChatClient Client { get; }

    public Task<ChatResponse> AskAsync(string? model = null) =>
        Client.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")], model is null ? null : new ChatOptions { ModelId = model });

    internal sealed class CapturingSink : IAiOperationSink
    {
        private readonly ConcurrentQueue<AiOperation> _operations = new();

        public IReadOnlyList<AiOperation> Operations => [.. _operations];

        public void Accept(AiOperation operation) => _operations.Enqueue(operation);
    }

    private sealed class Unpriced : ICostCalculator
    {
        public CostResult Calculate(AiOperation operation) => CostResult.Unpriced;
    }
}
