using Conciergus.Core.Analytics;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Live;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Live;

/// <summary>
/// Real collector, time-series cache, analytics service and live publisher on a <see cref="FakeTimeProvider"/>.
/// Only the edges are fakes: time, and pricing/categorising (operations carry their own cost and category).
/// </summary>
internal sealed class LiveTestHost : IAsyncDisposable
{
    /// <summary>A round instant so second boundaries are easy to reason about.</summary>
    public static readonly DateTimeOffset Start = new(2025, 6, 2, 12, 0, 0, TimeSpan.Zero);

    private int _nextId;

    public LiveTestHost(LiveOptions? options = null, DateTimeOffset? start = null)
    {
        Time = new FakeTimeProvider(start ?? Start);
        var timeSeriesOptions = new TimeSeriesOptions();
        Cache = new TimeSeriesCache(timeSeriesOptions, Time);
        var ledger = new UserCostLedger(timeSeriesOptions, Time);
        var recentErrors = new RecentErrors();
        Collector = new AiOperationCollector(Cache, ledger, recentErrors, new UnpricedCalculator(), new UnknownCategorizer(), [], Time);
        Analytics = new AnalyticsService(Cache, ledger, recentErrors, timeSeriesOptions, Time);
        Options = options ?? new LiveOptions();
        Publisher = new LivePublisher(Collector, Analytics, Cache, Time, Microsoft.Extensions.Options.Options.Create(Options), NullLogger<LivePublisher>.Instance);
    }

    public FakeTimeProvider Time { get; }

    public TimeSeriesCache Cache { get; }

    public AiOperationCollector Collector { get; }

    public AnalyticsService Analytics { get; }

    public LiveOptions Options { get; }

    public LivePublisher Publisher { get; }

    public Task StartAsync() => Publisher.StartAsync(CancellationToken.None);

    /// <summary>Advances fake time by one publisher tick (the timer fires on this thread).</summary>
    public void Tick() => Time.Advance(Options.TickInterval);

    /// <summary>Records an operation that completes now (or <paramref name="endsAgo"/> before now).</summary>
    public AiOperation Record(
        double durationMs = 200,
        long inputTokens = 100,
        long outputTokens = 50,
        decimal costUsd = 0.01m,
        bool error = false,
        TimeSpan? endsAgo = null,
        string model = "gpt-4o-mini",
        string provider = "openai",
        string application = "tests",
        long cachedInputTokens = 0,
        double? ttftMs = null,
        string? traceId = null,
        string? errorType = null,
        string? errorMessage = null,
        string? userId = null,
        string operationKind = "chat")
    {
        var end = Time.GetUtcNow() - (endsAgo ?? TimeSpan.Zero);
        var operation = new AiOperation
        {
            OperationId = $"op-{Interlocked.Increment(ref _nextId)}",
            StartTime = end.AddMilliseconds(-durationMs),
            DurationMs = durationMs,
            Provider = provider,
            RequestModel = model,
            Operation = operationKind,
            InputTokens = inputTokens,
            CachedInputTokens = cachedInputTokens,
            TimeToFirstTokenMs = ttftMs,
            TraceId = traceId,
            UserId = userId,
            Error = error ? new ErrorDetails { Type = errorType ?? "RateLimitError", HttpStatus = 429, Message = errorMessage ?? "Rate limit reached" } : null,
            OutputTokens = outputTokens,
            CostUsd = costUsd,
            Pricing = PricingStatus.Provided,
            Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = error ? ErrorCategory.RateLimit : ErrorCategory.None,
            Application = application,
        };
        Collector.Record(operation);
        return operation;
    }

    public ValueTask DisposeAsync() => Publisher.DisposeAsync();

    private sealed class UnpricedCalculator : ICostCalculator
    {
        public CostResult Calculate(AiOperation operation) => CostResult.Unpriced;
    }

    private sealed class UnknownCategorizer : IErrorCategorizer
    {
        public ErrorCategory Categorize(ErrorDetails? details, Exception? exception = null, string? provider = null) => ErrorCategory.Unknown;
    }
}
