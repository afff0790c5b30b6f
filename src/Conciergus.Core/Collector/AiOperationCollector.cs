using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Collector;

/// <summary>
/// The single entry point of every AI operation (middleware, OTLP, JSON API). <see cref="Record"/> never
/// throws and never blocks: it prices and categorises the operation, applies every registered
/// <see cref="IAiOperationPreprocessor"/> (consent), then feeds the time-series cache, the per-user cost ledger,
/// recent errors and every registered <see cref="IAiOperationSink"/>.
/// </summary>
public sealed class AiOperationCollector : IAiOperationRecorder
{
    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _recentErrors;
    private readonly ICostCalculator _costCalculator;
    private readonly IErrorCategorizer _categorizer;
    private readonly IAiOperationSink[] _sinks;
    private readonly IAiOperationPreprocessor[] _preprocessors;
    private readonly TimeProvider _timeProvider;
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
        IEnumerable<IAiOperationPreprocessor>? preprocessors = null)
    {
        _preprocessors = preprocessors?.ToArray() ?? [];
        _cache = cache;
        _ledger = ledger;
        _recentErrors = recentErrors;
        _costCalculator = costCalculator;
        _categorizer = categorizer;
        _sinks = sinks.ToArray();
        _timeProvider = timeProvider;
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
        Volatile.Read(ref _lastRecordedTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null);

    /// <summary>Records one operation. Never throws, never blocks; a failure increments the drop counter.</summary>
    public void Record(AiOperation operation)
    {
        if (operation is null)
        {
            Interlocked.Increment(ref _dropped);
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
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _dropped);
            return;
        }

        foreach (var sink in _sinks)
        {
            try
            {
                sink.Accept(enriched);
            }
#pragma warning disable CA1031 // One broken read model must not stop the others.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _sinkFailures);
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
public sealed record CollectorStats(long Recorded, long Dropped, long SinkFailures, long TooOld, long Overflowed, DateTimeOffset? LastRecordedAt);
