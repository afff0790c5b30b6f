using System.Collections.Concurrent;
using System.Threading.Channels;

using Conciergus.Core.Alerts;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Core.Traces;

using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.History;

/// <summary>
/// Restart restores (issue 14): on start, in the background, reads the operation store over the longest reach of the
/// rings and the per-user ledger and loads it into <see cref="TimeSeriesCache"/>, <see cref="UserCostLedger"/> and
/// <see cref="RecentErrors"/>, then reads stored spans, newest first, into the <see cref="TraceStore"/> until its bounds
/// are reached. Progress is published for the UI, /healthz and /readyz; the alert evaluator waits for the end
/// (<see cref="IAlertDataReadiness"/>).
/// </summary>
/// <remarks>
/// <para>
/// Counting nothing twice. Live operations keep arriving while the restore runs; each is recorded in memory AND appended
/// to the store. The restore reads only operations that ended before its start instant T0 (<c>ReadAsync(since, T0)</c>):
/// an operation recorded live at or after T0 normally ended after T0 too, so the two sets do not meet. The exception is a
/// late operation: one that ended before T0 but is recorded after the process started (an OTLP exporter's batch, a JSON
/// batch with an explicit past timestamp, a retry of a batch the killed process never answered). This service is also an
/// <see cref="IAiOperationSink"/>: while restoring it remembers the ids of live operations that ended before T0 (at most
/// <see cref="HistoryOptions.MaxLateIds"/>; further ones are counted) and skips them when the store returns them. Deduping
/// by id rather than by time keeps every stored operation of the window (none is lost for having a neighbour in time)
/// and costs memory only for late operations, a handful in practice.
/// </para>
/// <para>
/// Pipeline: one task enumerates the store into batches, this one loads them, so reading (DuckDB) and placing (the rings)
/// run on both cores. The rings, the ledger and the trace store take their usual short locks per operation, so live
/// ingestion goes on meanwhile.
/// </para>
/// </remarks>
public sealed partial class HistoryRestoreService : BackgroundService, IAiOperationSink, IAlertDataReadiness
{
    private static readonly TimeSpan PublishInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StorePollInterval = TimeSpan.FromMilliseconds(100);

    // Slack on the late-operation test: the store may round an end time differently from AiOperation.EndTime.
    private static readonly long LateSlackTicks = TimeSpan.TicksPerSecond;

    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _recentErrors;
    private readonly TraceStore _traces;
    private readonly IOperationStore? _store;
    private readonly TimeProvider _time;
    private readonly HistoryOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<string, byte> _lateIds = new(StringComparer.Ordinal);
    private readonly Lock _subscribersGate = new();
    private Action<HistoryRestoreProgress>[] _subscribers = [];

    private HistoryRestoreProgress _progress = HistoryRestoreProgress.NotStarted;
    private long _startedAtTicks;
    private int _collectingLate = 1;
    private int _lateIdCount;
    private long _lateIdsOverflow;
    private long _lateEarliestTicks = long.MaxValue;
    private long _lateSkipped;
    private long _lastPublished;

    /// <summary>Creates the service; <paramref name="store"/> null (no store registered) reports restored at once.</summary>
    public HistoryRestoreService(
        TimeSeriesCache cache,
        UserCostLedger ledger,
        RecentErrors recentErrors,
        TraceStore traces,
        TimeProvider timeProvider,
        IOptions<HistoryOptions> options,
        ILogger<HistoryRestoreService> logger,
        IOperationStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _cache = cache;
        _ledger = ledger;
        _recentErrors = recentErrors;
        _traces = traces;
        _time = timeProvider;
        _options = options.Value;
        _logger = logger;
        _store = store;
        if (!_options.Enabled)
        {
            // Switched off: ready before the host starts, and no data gap is claimed (alerts behave as without history).
            _progress = HistoryRestoreProgress.NotStarted with
            {
                State = HistoryRestoreState.Restored,
                Fraction = 1,
                Reason = "history restore is switched off (Conciergus:History:Enabled)",
            };
            _collectingLate = 0;
            _done.TrySetResult();
        }
    }

    /// <summary>Where the restore stands (a snapshot).</summary>
    public HistoryRestoreProgress Progress => Volatile.Read(ref _progress);

    /// <summary>Completes when the restore is over (restored or failed).</summary>
    public Task Completion => _done.Task;

    /// <summary>Live operations that had ended before the restore's start, skipped when the store returned them.</summary>
    public long LateOperationsSkipped => Interlocked.Read(ref _lateSkipped);

    /// <summary>Late live operations whose id could not be remembered (more than <see cref="HistoryOptions.MaxLateIds"/>): they may count twice.</summary>
    public long LateIdsOverflow => Interlocked.Read(ref _lateIdsOverflow);

    /// <inheritdoc />
    public DateTimeOffset? DataCompleteSince => Volatile.Read(ref _startedAtTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <inheritdoc />
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _done.Task.WaitAsync(cancellationToken);

    /// <summary>
    /// Calls <paramref name="onProgress"/> at most every 250 ms while restoring and once at the end, on the restore's
    /// thread (marshal to the UI with InvokeAsync). Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Action<HistoryRestoreProgress> onProgress)
    {
        ArgumentNullException.ThrowIfNull(onProgress);
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers, onProgress];
        }

        return new Unsubscriber(this, onProgress);
    }

    /// <summary>Remembers the ids of late live operations while restoring (see the remarks on the class).</summary>
    public void Accept(AiOperation operation)
    {
        if (operation is null || Volatile.Read(ref _collectingLate) == 0)
        {
            return;
        }

        // Before T0 is set every live operation could be in the store's window; after, only those that ended before T0.
        var t0 = Volatile.Read(ref _startedAtTicks);
        if (t0 > 0 && EndTicks(operation) >= t0 + LateSlackTicks)
        {
            return;
        }

        if (Interlocked.Increment(ref _lateIdCount) > _options.MaxLateIds)
        {
            Interlocked.Decrement(ref _lateIdCount);
            Interlocked.Increment(ref _lateIdsOverflow);
            return;
        }

        // The earliest end first, then the id: a read whose snapshot holds the id sees an earliest end at or before its end.
        var end = EndTicks(operation);
        var earliest = Interlocked.Read(ref _lateEarliestTicks);
        while (end < earliest && Interlocked.CompareExchange(ref _lateEarliestTicks, end, earliest) != earliest)
        {
            earliest = Interlocked.Read(ref _lateEarliestTicks);
        }

        _lateIds.TryAdd(operation.OperationId, 0);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogNothingToRestore(_logger, Progress.Reason!);
            return;
        }

        await Task.Yield();
        var t0 = _time.GetUtcNow();
        Volatile.Write(ref _startedAtTicks, t0.UtcTicks);
        var today = new DateTimeOffset(t0.UtcDateTime.Date, TimeSpan.Zero);
        var since = Min(t0 - _cache.Reach, today.AddDays(-(_ledger.Days - 1)));
        Publish(new HistoryRestoreProgress(HistoryRestoreState.Restoring, 0, 0, 0, null, t0, since, null), force: true);
        try
        {
            if (await WhyNotRestoreAsync(stoppingToken).ConfigureAwait(false) is { } reason)
            {
                LogNothingToRestore(_logger, reason);
                Finish(HistoryRestoreState.Restored, reason);
                return;
            }

            var operations = _options.BulkRestore && _store is IOperationBucketSource buckets
                ? await RestoreBucketsAsync(buckets, since, t0, stoppingToken).ConfigureAwait(false)
                : await RestoreOperationsAsync(_store!, since, t0, stoppingToken).ConfigureAwait(false);
            await RestoreTracesAsync(_store!, t0, stoppingToken).ConfigureAwait(false);
            var done = Finish(HistoryRestoreState.Restored, null);
            var seconds = (done.CompletedAt!.Value - t0).TotalSeconds;
            LogRestored(_logger, operations, done.Spans, seconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Finish(HistoryRestoreState.Failed, "stopped before the restore finished");
        }
#pragma warning disable CA1031 // A failed restore is reported (state, reason, log); the dashboard goes on from live data.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(_logger, e);
            Finish(HistoryRestoreState.Failed, "reading the operation store failed: " + e.Message);
        }
    }

    /// <summary>Null when the store can be read; else why nothing is restored (disabled, degraded, absent, not opening).</summary>
    private async Task<string?> WhyNotRestoreAsync(CancellationToken cancellationToken)
    {
        if (_store is null)
        {
            return "no operation store is registered";
        }

        // Opening a file takes real time whatever the app's clock says (tests run the app on a fake one), so this wait is
        // on the system clock.
        var waitUntil = TimeProvider.System.GetUtcNow() + _options.StoreOpenTimeout;
        while (_store.Status.State == OperationStoreState.Starting && TimeProvider.System.GetUtcNow() < waitUntil)
        {
            await Task.Delay(StorePollInterval, TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }

        var status = _store.Status;
        return status.State switch
        {
            OperationStoreState.Disabled => "the operation store is disabled",
            OperationStoreState.Degraded => "the operation store is degraded: " + (status.Reason ?? "unknown reason"),
            OperationStoreState.Starting => $"the operation store did not open within {_options.StoreOpenTimeout}",
            _ => null,
        };
    }

    private async Task<long> RestoreOperationsAsync(IOperationStore store, DateTimeOffset since, DateTimeOffset t0, CancellationToken cancellationToken)
    {
        long? total = null;
        try
        {
            var rows = await store.AggregateAsync(new OperationQuery { From = since, To = t0 }, cancellationToken).ConfigureAwait(false);
            total = rows.Sum(r => r.Requests);
        }
#pragma warning disable CA1031 // Without a count, progress goes by time instead.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogCountFailed(_logger, e.Message);
        }

        var batches = Channel.CreateBounded<List<AiOperation>>(new BoundedChannelOptions(4) { SingleReader = true, SingleWriter = true });
        var batchSize = _options.BatchSize;
        var producer = Task.Run(
            async () =>
            {
                try
                {
                    var batch = new List<AiOperation>(batchSize);
                    await foreach (var operation in store.ReadForRestoreAsync(since, t0, cancellationToken).ConfigureAwait(false))
                    {
                        batch.Add(operation);
                        if (batch.Count == batchSize)
                        {
                            await batches.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                            batch = new List<AiOperation>(batchSize);
                        }
                    }

                    if (batch.Count > 0)
                    {
                        await batches.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
                    }

                    batches.Writer.Complete();
                }
#pragma warning disable CA1031 // Handed to the consumer, which rethrows it.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    batches.Writer.Complete(e);
                }
            },
            cancellationToken);

        long read = 0;
        var span = Math.Max(1, (t0 - since).Ticks);
        await foreach (var batch in batches.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var kept = WithoutLate(batch);
            _cache.Restore(kept);
            _ledger.Restore(kept);
            read += batch.Count;
            var fraction = total is > 0 ? (double)read / total.Value : (double)(EndTicks(batch[^1]) - since.UtcTicks) / span;

            // Operations are 90% of the work; the traces take the rest.
            Publish(Progress with { Fraction = Math.Clamp(fraction, 0, 1) * 0.9, Operations = read }, force: false);
        }

        await producer.ConfigureAwait(false);

        // The newest failures with their details, for the errors panel's samples (RecentErrors keeps that many); the
        // fast read above leaves error details out.
        var errors = new Queue<AiOperation>(RecentErrors.Capacity);
        var failed = new OperationFilter([new FilterClause(FilterFields.Status, ["error"])]);
        await foreach (var error in store.ReadAsync(since, t0, failed, cancellationToken).ConfigureAwait(false))
        {
            if (_lateIds.ContainsKey(error.OperationId))
            {
                continue;
            }

            if (errors.Count == RecentErrors.Capacity)
            {
                errors.Dequeue();
            }

            errors.Enqueue(error);
        }

        foreach (var error in errors)
        {
            _recentErrors.Add(error);
        }

        return read;
    }

    private List<AiOperation> WithoutLate(List<AiOperation> batch)
    {
        if (Volatile.Read(ref _lateIdCount) == 0)
        {
            return batch;
        }

        var kept = new List<AiOperation>(batch.Count);
        foreach (var operation in batch)
        {
            if (_lateIds.ContainsKey(operation.OperationId))
            {
                Interlocked.Increment(ref _lateSkipped);
            }
            else
            {
                kept.Add(operation);
            }
        }

        return kept;
    }

    /// <summary>
    /// Reads stored spans backwards in growing chunks until the trace store's bounds (or the trace window) are reached,
    /// then loads them in one go, so the newest traces are the ones kept and memory stays near the store's bound.
    /// </summary>
    private async Task RestoreTracesAsync(IOperationStore store, DateTimeOffset t0, CancellationToken cancellationToken)
    {
        if (_options.TraceWindow <= TimeSpan.Zero)
        {
            return;
        }

        var floor = t0 - _options.TraceWindow;
        var until = t0;
        var chunk = TimeSpan.FromMinutes(15);
        var chunks = new List<List<SpanRecord>>();
        var traceIds = new HashSet<string>(StringComparer.Ordinal);
        long spans = 0;
        var bounds = _traces.Options;
        while (until > floor && spans < bounds.MaxTotalSpans && traceIds.Count < bounds.MaxTraces)
        {
            var from = Max(floor, until - chunk);
            var list = new List<SpanRecord>();
            await foreach (var span in store.ReadSpansAsync(from, until, cancellationToken).ConfigureAwait(false))
            {
                list.Add(span);
                traceIds.Add(span.TraceId);
            }

            chunks.Add(list);
            spans += list.Count;
            until = from;
            if (list.Count < bounds.MaxTotalSpans / 8)
            {
                chunk *= 2; // sparse: read further back per query
            }

            var covered = (double)(t0 - until).Ticks / Math.Max(1, _options.TraceWindow.Ticks);
            Publish(Progress with { Fraction = 0.9 + (0.1 * Math.Clamp(covered, 0, 1)) }, force: false);
        }

        chunks.Reverse();
        var all = chunks.SelectMany(c => c).ToList();
        var restored = _traces.Restore(all);
        Publish(Progress with { Spans = restored.Spans }, force: false);
    }

    private HistoryRestoreProgress Finish(HistoryRestoreState state, string? reason)
    {
        var final = Progress with { State = state, Fraction = 1, Reason = reason, CompletedAt = _time.GetUtcNow() };
        Publish(final, force: true);
        Volatile.Write(ref _collectingLate, 0);
        _lateIds.Clear();
        Interlocked.Exchange(ref _lateEarliestTicks, long.MaxValue);
        _done.TrySetResult();
        return final;
    }

    private void Publish(HistoryRestoreProgress progress, bool force)
    {
        Volatile.Write(ref _progress, progress);
        var now = _time.GetTimestamp();
        if (!force && _time.GetElapsedTime(Interlocked.Read(ref _lastPublished), now) < PublishInterval)
        {
            return;
        }

        Interlocked.Exchange(ref _lastPublished, now);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            try
            {
                subscriber(progress);
            }
#pragma warning disable CA1031 // A page's handler must never stop the restore.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogSubscriberFailed(_logger, e);
            }
        }
    }

    private void Unsubscribe(Action<HistoryRestoreProgress> onProgress)
    {
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers.Where(s => s != onProgress)];
        }
    }

    /// <summary>Completion time in UTC ticks, as the cache computes it (a negative or non-finite duration counts as 0).</summary>
    private static long EndTicks(AiOperation operation)
    {
        var start = operation.StartTime.UtcTicks;
        var duration = operation.DurationMs;
        if (!(duration > 0))
        {
            return start;
        }

        var maxMs = (double)(DateTimeOffset.MaxValue.UtcTicks - start) / TimeSpan.TicksPerMillisecond;
        return duration >= maxMs ? DateTimeOffset.MaxValue.UtcTicks : start + (long)(duration * TimeSpan.TicksPerMillisecond);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "History restored: {Operations} operations and {Spans} spans in {Seconds:0.0} s")]
    private static partial void LogRestored(ILogger logger, long operations, long spans, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "No history to restore: {Reason}")]
    private static partial void LogNothingToRestore(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Restoring history from the operation store failed; live data goes on")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting stored operations failed ({Error}); restore progress goes by time")]
    private static partial void LogCountFailed(ILogger logger, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A history progress subscriber threw")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    private sealed class Unsubscriber(HistoryRestoreService owner, Action<HistoryRestoreProgress> callback) : IDisposable
    {
        public void Dispose() => owner.Unsubscribe(callback);
    }
}
