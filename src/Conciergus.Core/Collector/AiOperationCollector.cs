using System.Collections.Concurrent;

using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conciergus.Core.Collector;

/// <summary>
/// The single entry point of every AI operation (middleware, OTLP, JSON API). <see cref="Record"/> never
/// throws and never blocks: it prices and categorises the operation, applies every registered
/// <see cref="IAiOperationPreprocessor"/> (consent), then feeds the time-series cache, the per-user cost ledger,
/// recent errors and every registered <see cref="IAiOperationSink"/>.
/// </summary>
/// <remarks>
/// A failure is never silent (as in the OpenTelemetry SDK): it is counted, the last reason (where, exception type,
/// message, time) is kept for the health page and /healthz, and it is logged at most once per
/// <see cref="DropLogInterval"/> per reason, with the number of like failures since the previous line.
/// </remarks>
public sealed partial class AiOperationCollector : IAiOperationRecorder
{
    /// <summary>Shortest time between two log lines for the same drop reason (where + exception type).</summary>
    public static readonly TimeSpan DropLogInterval = TimeSpan.FromSeconds(60);

    /// <summary>Longest exception message kept and logged (messages can quote telemetry: they are shown as text only).</summary>
    internal const int MaxReasonLength = 300;

    /// <summary>Reasons with their own log rate limit; beyond this many, the rest share one.</summary>
    private const int MaxTrackedReasons = 64;

    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _recentErrors;
    private readonly ICostCalculator _costCalculator;
    private readonly IErrorCategorizer _categorizer;
    private readonly IAiOperationSink[] _sinks;
    private readonly IAiOperationPreprocessor[] _preprocessors;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, DropLogState> _dropLog = new(StringComparer.Ordinal);
    private CollectorDropReason? _lastDrop;
    private long _recorded;
    private long _dropped;
    private long _sinkFailures;
    private long _lastRecordedTicks;

    /// <summary>Creates the collector.</summary>
    public AiOperationCollector(
        TimeSeriesCache cache,
        UserCostLedger ledger,
        RecentErrors recentErrors,
        ICostCalculator costCalculator,
        IErrorCategorizer categorizer,
        IEnumerable<IAiOperationSink> sinks,
        TimeProvider timeProvider,
        IEnumerable<IAiOperationPreprocessor>? preprocessors = null,
        ILogger<AiOperationCollector>? logger = null)
    {
        _preprocessors = preprocessors?.ToArray() ?? [];
        _cache = cache;
        _ledger = ledger;
        _recentErrors = recentErrors;
        _costCalculator = costCalculator;
        _categorizer = categorizer;
        _sinks = sinks.ToArray();
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Operations recorded so far; changes whenever something new arrived (live publishers poll it).</summary>
    public long Version => Volatile.Read(ref _recorded);

    /// <summary>Counters for the health page and /metrics.</summary>
    public CollectorStats Stats => new(
        Volatile.Read(ref _recorded),
        Volatile.Read(ref _dropped),
        Volatile.Read(ref _sinkFailures),
        _cache.TooOldCount,
        _cache.OverflowCount,
        Volatile.Read(ref _lastRecordedTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null,
        Volatile.Read(ref _lastDrop));

    /// <summary>Records one operation. Never throws, never blocks; a failure increments the drop counter.</summary>
    public void Record(AiOperation operation)
    {
        if (operation is null)
        {
            Interlocked.Increment(ref _dropped);
            Dropped("record", nameof(ArgumentNullException), "the operation was null", null);
            return;
        }

        AiOperation enriched;
        try
        {
            enriched = Enrich(operation);
            foreach (var preprocessor in _preprocessors)
            {
                enriched = preprocessor.Process(enriched);
            }

            // One clock reading serves the cache, the ledger and the stats (each read costs as much as a bucket update).
            var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
            _cache.Record(enriched, nowTicks);
            if (enriched.UserId is { Length: > 0 } userId)
            {
                _ledger.Record(userId, enriched.EndTime, enriched.CostUsd ?? 0m, enriched.InputTokens, enriched.OutputTokens, nowTicks);
            }

            if (enriched.Status == AiOperationStatus.Error)
            {
                _recentErrors.Add(enriched);
            }

            Interlocked.Increment(ref _recorded);
            Volatile.Write(ref _lastRecordedTicks, nowTicks);
        }
#pragma warning disable CA1031 // Record must never throw: a failure is a counted drop.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _dropped);
            Dropped("record", e.GetType().Name, e.Message, e);
            return;
        }

        foreach (var sink in _sinks)
        {
            try
            {
                sink.Accept(enriched);
            }
#pragma warning disable CA1031 // One broken read model must not stop the others.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _sinkFailures);
                Dropped("sink " + sink.GetType().Name, e.GetType().Name, e.Message, e);
            }
        }
    }

    /// <summary>Records a batch (same guarantees as <see cref="Record"/> per item).</summary>
    public void RecordAll(IEnumerable<AiOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var operation in operations)
        {
            Record(operation);
        }
    }

    /// <summary>Keeps the reason as the last one and logs it unless the same reason was logged less than <see cref="DropLogInterval"/> ago.</summary>
    private void Dropped(string stage, string exceptionType, string message, Exception? exception)
    {
        var now = _timeProvider.GetUtcNow();
        var text = message.Length <= MaxReasonLength ? message : string.Concat(message.AsSpan(0, MaxReasonLength), "…");
        Volatile.Write(ref _lastDrop, new CollectorDropReason(stage, exceptionType, text, now));

        var key = stage + "|" + exceptionType;
        if (!_dropLog.TryGetValue(key, out var state))
        {
            state = _dropLog.Count < MaxTrackedReasons ? _dropLog.GetOrAdd(key, _ => new DropLogState()) : _dropLog.GetOrAdd("*", _ => new DropLogState());
        }

        long suppressed;
        lock (state)
        {
            if (state.LastLoggedTicks != 0 && now.UtcTicks - state.LastLoggedTicks < DropLogInterval.Ticks)
            {
                state.Suppressed++;
                return;
            }

            suppressed = state.Suppressed;
            state.Suppressed = 0;
            state.LastLoggedTicks = now.UtcTicks;
        }

        LogDropped(_logger, exception, stage, exceptionType, text, suppressed, (long)DropLogInterval.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector dropped an operation at {Stage}: {ExceptionType}: {Reason} ({Suppressed} like failures since the previous line; at most one line per {IntervalSeconds} s per reason)")]
    private static partial void LogDropped(ILogger logger, Exception? exception, string stage, string exceptionType, string reason, long suppressed, long intervalSeconds);

    /// <summary>Log rate-limit state of one drop reason (guarded by its own lock).</summary>
    private sealed class DropLogState
    {
        public long LastLoggedTicks;
        public long Suppressed;
    }

    /// <summary>Prices and categorises an operation; returns the same instance when nothing is missing.</summary>
    public AiOperation Enrich(AiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var result = operation;
        if (result.Pricing == PricingStatus.Pending)
        {
            var cost = _costCalculator.Calculate(result);
            result = result with { Pricing = cost.Status, CostUsd = cost.CostUsd, PriceVersion = cost.PriceVersion };
        }

        if (result.Status == AiOperationStatus.Error && result.ErrorCategory == ErrorCategory.None)
        {
            result = result with { ErrorCategory = _categorizer.Categorize(result) };
        }

        return result;
    }
}

/// <summary>Collector counters.</summary>
/// <param name="Recorded">Operations recorded.</param>
/// <param name="Dropped">Operations lost to a failure inside the collector.</param>
/// <param name="SinkFailures">Read-model calls that threw.</param>
/// <param name="TooOld">Operations older than every ring buffer.</param>
/// <param name="Overflowed">Operations whose dimension value went to an overflow series.</param>
/// <param name="LastRecordedAt">When the newest operation was recorded.</param>
/// <param name="LastDrop">Why the collector last dropped an operation or a sink call failed; null when never.</param>
public sealed record CollectorStats(long Recorded, long Dropped, long SinkFailures, long TooOld, long Overflowed, DateTimeOffset? LastRecordedAt, CollectorDropReason? LastDrop = null);

/// <summary>Why the collector last lost something.</summary>
/// <param name="Stage">"record" (the operation was dropped) or "sink X" (read model X threw; the others still got it).</param>
/// <param name="ExceptionType">Exception type name.</param>
/// <param name="Message">Exception message, at most <see cref="AiOperationCollector.MaxReasonLength"/> characters (may quote telemetry: show as text).</param>
/// <param name="At">When it happened.</param>
public sealed record CollectorDropReason(string Stage, string ExceptionType, string Message, DateTimeOffset At);
