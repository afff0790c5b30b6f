namespace Conciergus.Core.TimeSeries;

/// <summary>
/// Memory side of the cache: the estimate of what the series hold, admission of new series under
/// <see cref="TimeSeriesOptions.MemoryBudgetMB"/>, and the release of what left every retention.
/// </summary>
/// <remarks>
/// Rings are sparse (<see cref="BucketRing"/>): a chunk of buckets exists once written and is released by the sweep
/// when all its buckets are older than the ring's reach; a series whose every ring is empty (nothing newer than the
/// coarsest retention, 30 days by default) is released whole and its value can be admitted again later. The sweep
/// runs on the thread pool at most once per <see cref="SweepInterval"/>, started by a Record that sees the time has come
/// (no timer, nothing to dispose), and <see cref="ReleaseIdle()"/> runs it on demand.
/// </remarks>
public sealed partial class TimeSeriesCache
{
    /// <summary>How often the release sweep runs (at most).</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    private readonly Lock _sweepGate = new();
    private long _nextSweepTicks;
    private long _budgetRefused;
    private long _releasedSeries;
    private Sweeper? _sweeper;

    /// <summary>Estimated bytes held by all series (rings, allocated bucket chunks, sketches).</summary>
    public long EstimatedBytes => _meter.Bytes;

    /// <summary>The budget new series are admitted under (<see cref="TimeSeriesOptions.MemoryBudgetMB"/>), in bytes.</summary>
    public long MemoryBudgetBytes => _budgetBytes;

    /// <summary>Operations sent to an overflow series because the cache was over its memory budget (also in <see cref="OverflowCount"/>).</summary>
    public long BudgetRefusedCount => Interlocked.Read(ref _budgetRefused);

    /// <summary>Series released because nothing of theirs was left inside any retention.</summary>
    public long ReleasedSeriesCount => Interlocked.Read(ref _releasedSeries);

    /// <summary>
    /// Releases now what left every retention: bucket chunks older than their ring's reach, and dimension series with
    /// nothing left (their values become unknown again and are admitted anew if they come back). Returns the number of
    /// series released. Safe alongside Record and queries.
    /// </summary>
    public int ReleaseIdle() => ReleaseIdle(_timeProvider.GetUtcNow().UtcTicks);

    internal int ReleaseIdle(long nowTicks)
    {
        // One sweep at a time; writers and readers are not held back (per-series gates, one series at a time).
        lock (_sweepGate)
        {
            lock (_total.Gate)
            {
                ReleaseChunks(_total, nowTicks);
            }

            var released = SweepDimension(_models, nowTicks)
                + SweepDimension(_providers, nowTicks)
                + SweepDimension(_operations, nowTicks)
                + SweepDimension(_applications, nowTicks)
                + SweepDimension(_errorCategories, nowTicks)
                + SweepDimension(_environments, nowTicks)
                + SweepDimension(_functions, nowTicks)
                + SweepDimension(_variants, nowTicks);
            Interlocked.Add(ref _releasedSeries, released);
            return released;
        }
    }

    /// <summary>Starts a sweep on the thread pool when the interval has passed (one caller wins the exchange).</summary>
    private void ScheduleRelease(long nowTicks)
    {
        var due = Volatile.Read(ref _nextSweepTicks);
        if (nowTicks < due || Interlocked.CompareExchange(ref _nextSweepTicks, nowTicks + SweepInterval.Ticks, due) != due)
        {
            return;
        }

        // One preallocated work item (no allocation on the Record that starts the sweep).
        _sweeper ??= new Sweeper(this);
        Volatile.Write(ref _sweeper.NowTicks, nowTicks);
        ThreadPool.UnsafeQueueUserWorkItem(_sweeper, preferLocal: false);
    }

    private int SweepDimension<TKey>(DimensionSeries<TKey> dimension, long nowTicks)
        where TKey : notnull
    {
        if (Volatile.Read(ref dimension.Overflow) is { } overflow)
        {
            // The overflow series stays (it is where refused values go); only its expired chunks leave.
            lock (overflow.Gate)
            {
                ReleaseChunks(overflow, nowTicks);
            }
        }

        var released = 0;
        foreach (var (key, series) in dimension.Map)
        {
            lock (series.Gate)
            {
                ReleaseChunks(series, nowTicks);
                if (!series.IsEmpty)
                {
                    continue;
                }
            }

            // Lock order: insert gate, then series gate (writers take one or the other, never both).
            lock (dimension.InsertGate)
            {
                lock (series.Gate)
                {
                    // Re-checked: a write may have landed between the two locks.
                    if (series.Released || !series.IsEmpty)
                    {
                        continue;
                    }

                    // Out of the lookups before the gate is let go: a writer waiting on this gate sees Released and
                    // resolves the value again, finding no series and creating a new one (AddTo).
                    series.Release();
                    dimension.Map.TryRemove(key, out _);
                    dimension.Forget(series);
                    _byKey.TryRemove(series.Key, out _);
                    var d = (int)series.Key.Dimension;
                    Volatile.Write(ref _keys[d], Array.FindAll(Volatile.Read(ref _keys[d]), k => k != series.Key));
                    Volatile.Write(ref dimension.Count, dimension.Count - 1);
                    Interlocked.Decrement(ref _seriesCount);
                    released++;
                }
            }
        }

        return released;
    }

    /// <summary>Releases the chunks of a series that are older than their ring's reach. Caller holds the series' gate.</summary>
    private void ReleaseChunks(TimeSeriesSlot series, long nowTicks)
    {
        // A series idle for longer than the roll-up lag still has open finest buckets: roll them up first, so no
        // released finest chunk holds data the coarser rings have not received. Later operations for those seconds are
        // late ones and go to every ring directly (Add), as after any roll-up.
        if (series.Newest != TimeBucket.NoEpoch && series.Newest > series.RolledThrough
            && series.Newest <= (nowTicks / _stepTicks[0]) - _rollUpLag)
        {
            RollUpTo(series, series.Newest, nowTicks);
        }

        for (var r = 0; r < _stepTicks.Length; r++)
        {
            var lastOutOfReach = (nowTicks / _stepTicks[r]) - _bucketCounts[r];
            if (r == 0)
            {
                lastOutOfReach = Math.Min(lastOutOfReach, series.RolledThrough);
            }

            series.Rings[r].ReleaseBefore(lastOutOfReach);
        }
    }

    /// <summary>The release sweep as a thread-pool work item, allocated once.</summary>
    private sealed class Sweeper(TimeSeriesCache cache) : IThreadPoolWorkItem
    {
        public long NowTicks;

        public void Execute() => cache.ReleaseIdle(Volatile.Read(ref NowTicks));
    }
}
