using System.Collections.Concurrent;

using Conciergus.Core.Model;

namespace Conciergus.Core.TimeSeries;

/// <summary>
/// In-memory multi-resolution time-series cache: per series, ring buffers of buckets at each configured
/// resolution. Thread-safe; recording is allocation-free in steady state.
/// </summary>
/// <remarks>
/// <para>
/// Buckets are keyed by the operation's completion time (<see cref="AiOperation.EndTime"/>, clamped to now) and aligned
/// to UTC: bucket e of a resolution with step s covers [e s, (e + 1) s) counted from 0001-01-01 UTC. Each ring keeps
/// retention / step + 1 buckets (the one in progress plus a full retention behind it), so a window as long as a
/// resolution's retention, ending now, is still answered at that resolution.
/// </para>
/// <para>
/// Query alignment (one rule for both ends): a bucket counts when its interval overlaps [from, to), that is when its
/// start lies in [floor(from / step) * step, to). A partially covered first bucket is therefore included, and so is
/// the bucket in progress. <see cref="Aggregate"/> picks the finest resolution that still holds the bucket of
/// <c>from</c> (see <see cref="StepFor"/>).
/// </para>
/// </remarks>
public sealed partial class TimeSeriesCache
{
    private const int DimensionCount = (int)SeriesDimension.ExperimentVariant + 1;

    /// <summary>How many finest steps a bucket stays open (not yet rolled up) behind the newest one written.</summary>
    internal const int RollUpLagSteps = 15;

    private readonly TimeProvider _timeProvider;
    private readonly long[] _stepTicks;
    private readonly int[] _bucketCounts;
    private readonly int _maxSeriesPerDimension;

    // Finest buckets this many steps behind the newest one written are rolled up into the coarser rings; younger ones
    // stay open, so operations that complete up to this late (exporters batch for 5 s by default) take the fast path.
    private readonly long _rollUpLag;

    private readonly TimeSeriesSlot _total;
    private readonly DimensionSeries<(string Provider, string Model)> _models = new(SeriesDimension.Model, null);
    private readonly DimensionSeries<string> _providers = new(SeriesDimension.Provider, StringComparer.Ordinal);
    private readonly DimensionSeries<string> _operations = new(SeriesDimension.Operation, StringComparer.Ordinal);
    private readonly DimensionSeries<string> _applications = new(SeriesDimension.Application, StringComparer.Ordinal);
    private readonly DimensionSeries<string> _errorCategories = new(SeriesDimension.ErrorCategory, StringComparer.Ordinal);
    private readonly DimensionSeries<string> _environments = new(SeriesDimension.Environment, StringComparer.Ordinal);
    private readonly DimensionSeries<string> _functions = new(SeriesDimension.FunctionId, StringComparer.Ordinal);
    private readonly DimensionSeries<(string Key, string Variant)> _variants = new(SeriesDimension.ExperimentVariant, null);

    // Query side: SeriesKey -> series, and per dimension a copy-on-write array of keys (replaced under that
    // dimension's insert gate, read with Volatile.Read).
    private readonly ConcurrentDictionary<SeriesKey, TimeSeriesSlot> _byKey = new();
    private readonly SeriesKey[][] _keys = new SeriesKey[DimensionCount][];

    private int _seriesCount;
    private long _tooOld;
    private long _overflow;

    // Memory budget (see TimeSeriesCache.Budget.cs): the estimate of what the series hold, and the bound on admission.
    private readonly MemoryMeter _meter = new();
    private readonly long _budgetBytes;

    /// <summary>Creates the cache.</summary>
    public TimeSeriesCache(TimeSeriesOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        TimeSeriesOptionsValidator.ThrowIfInvalid(options);

        _timeProvider = timeProvider;
        _maxSeriesPerDimension = options.MaxSeriesPerDimension;
        _budgetBytes = options.MemoryBudgetMB * 1024L * 1024L;
        _stepTicks = new long[options.Resolutions.Count];
        _bucketCounts = new int[options.Resolutions.Count];
        for (var r = 0; r < _stepTicks.Length; r++)
        {
            _stepTicks[r] = options.Resolutions[r].Step.Ticks;
            _bucketCounts[r] = checked((int)(options.Resolutions[r].Retention.Ticks / _stepTicks[r]) + 1);
        }

        _rollUpLag = Math.Min(RollUpLagSteps, _bucketCounts[0] - 1);
        _nextSweepTicks = timeProvider.GetUtcNow().UtcTicks + SweepInterval.Ticks;
        for (var d = 0; d < DimensionCount; d++)
        {
            _keys[d] = [];
        }

        _total = CreateSeries(SeriesKey.Total);
        _keys[(int)SeriesDimension.Total] = [SeriesKey.Total];
    }

    /// <summary>Number of series.</summary>
    public int SeriesCount => Volatile.Read(ref _seriesCount);

    /// <summary>Operations whose timestamp was older than every ring (not recorded anywhere).</summary>
    public long TooOldCount => Interlocked.Read(ref _tooOld);

    /// <summary>Values that went to an overflow series because their dimension was full.</summary>
    public long OverflowCount => Interlocked.Read(ref _overflow);

    /// <summary>How far back the coarsest ring reaches (its step times its bucket count): the window a restore reads.</summary>
    public TimeSpan Reach => TimeSpan.FromTicks(_stepTicks[^1] * _bucketCounts[^1]);

    /// <summary>The configured resolutions (bucket widths), finest first.</summary>
    public IReadOnlyList<TimeSpan> Steps => Array.ConvertAll(_stepTicks, TimeSpan.FromTicks);

    /// <summary>Records one (priced, categorised) operation into every series it belongs to, at its completion time.</summary>
    /// <remarks>
    /// Never throws for a well-formed operation and allocates nothing once its series and sketches exist. Writes the
    /// finest ring; the coarser rings receive finest buckets by roll-up (see <c>README.md</c> in this folder).
    /// </remarks>
    public void Record(AiOperation operation)
    {
        if (operation is null)
        {
            return;
        }

        Record(operation, _timeProvider.GetUtcNow().UtcTicks);
    }

    /// <summary>As <see cref="Record(AiOperation)"/>, with the clock already read by the caller.</summary>
    internal void Record(AiOperation operation, long nowTicks)
    {
        if (!Place(operation, nowTicks))
        {
            Interlocked.Increment(ref _tooOld);
        }

        if (nowTicks >= Volatile.Read(ref _nextSweepTicks))
        {
            ScheduleRelease(nowTicks);
        }
    }

    /// <summary>
    /// Loads operations read back from the operation store at start (history restore): each lands in every ring that
    /// still reaches its completion time, exactly where <see cref="Record(AiOperation)"/> would have put it had it
    /// arrived live, so restored aggregates equal live ones. An operation older than every ring is skipped and not
    /// counted as too old (the restore reads a fixed window; the hot path's counter is about late senders).
    /// </summary>
    /// <returns>How many operations reached at least one ring.</returns>
    /// <remarks>
    /// Safe alongside live <see cref="Record(AiOperation)"/> calls: placement is the same code, under the same per-series
    /// lock; a late operation whose finest bucket was already rolled up goes to every ring directly, as on the hot path.
    /// </remarks>
    public int Restore(IReadOnlyList<AiOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var placed = 0;
        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        for (var i = 0; i < operations.Count; i++)
        {
            if (operations[i] is { } operation && Place(operation, nowTicks))
            {
                placed++;
            }
        }

        return placed;
    }

    /// <summary>Adds the operation to its series; false when it is older than every ring (nothing written).</summary>
    private bool Place(AiOperation operation, long nowTicks)
    {
        var endTicks = Math.Min(EndTicks(operation), nowTicks);

        // Only the finest ring's position is needed on the fast path (see Add); it is computed before any lock.
        var fineEpoch = endTicks / _stepTicks[0];
        var fine = fineEpoch > (nowTicks / _stepTicks[0]) - _bucketCounts[0]
            ? new RingPosition(fineEpoch, (int)(fineEpoch % _bucketCounts[0]))
            : new RingPosition(fineEpoch, -1);

        // The coarsest ring reaches furthest back (the options validator makes retentions grow with the step).
        var last = _stepTicks.Length - 1;
        if (fine.Slot < 0 && endTicks / _stepTicks[last] <= (nowTicks / _stepTicks[last]) - _bucketCounts[last])
        {
            return false;
        }

        var write = new PendingWrite(new OperationSample(operation, endTicks), fine, nowTicks);
        Add(_total, write);
        AddTo(_models, (operation.Provider ?? "unknown", operation.Model ?? "unknown"), static k => SeriesKey.ModelValue(k.Item1, k.Item2), write);
        AddTo(_providers, operation.Provider ?? "unknown", static v => v, write);
        AddTo(_operations, operation.Operation ?? "unknown", static v => v, write);
        AddTo(_applications, operation.Application ?? "unknown", static v => v, write);
        if (operation.Status == AiOperationStatus.Error)
        {
            // A failed operation the categoriser did not reach is "unknown", never "none".
            var category = operation.ErrorCategory == ErrorCategory.None ? ErrorCategory.Unknown : operation.ErrorCategory;
            AddTo(_errorCategories, category.ToWireName(), static v => v, write);
        }

        if (operation.Environment is { Length: > 0 } environment)
        {
            AddTo(_environments, environment, static v => v, write);
        }

        if (operation.FunctionId is { Length: > 0 } functionId)
        {
            AddTo(_functions, functionId, static v => v, write);
        }

        if (operation.ExperimentKey is { Length: > 0 } experimentKey)
        {
            // The "key/variant" string is built once, when the series is created, never per call.
            var variant = operation.ExperimentVariant ?? "";
            AddTo(_variants, (experimentKey, variant), static k => SeriesKey.VariantValue(k.Item1, k.Item2), write);
        }

        return true;
    }

    /// <summary>Completion time in UTC ticks; a negative or non-finite duration counts as 0.</summary>
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

    /// <summary>Adds the write to the series of a dimension value, resolving again if that series was just released.</summary>
    private void AddTo<TKey>(DimensionSeries<TKey> dimension, TKey key, Func<TKey, string> valueOf, in PendingWrite write)
        where TKey : notnull
    {
        // A released series is out of the lookups before its gate is let go, so the second resolve finds (or creates)
        // another series: at most one retry per release, and releases happen once per sweep.
        while (true)
        {
            var series = Resolve(dimension, key, valueOf);
            if (Add(series, write))
            {
                return;
            }

            // Released: out of the map already; out of the last-lookup cache too, so the next resolve reads the map.
            dimension.Forget(series);
        }
    }

    /// <summary>Adds the write to one series; false (nothing written) when the series was released meanwhile.</summary>
    private bool Add(TimeSeriesSlot series, in PendingWrite write)
    {
        // Safe: every bucket of this series is only touched under series.Gate, and the critical section is a handful of
        // additions (the bucket position and the sample were computed outside). Writers of other series never contend here.
        lock (series.Gate)
        {
            if (series.Released)
            {
                return false;
            }

            var fine = write.Fine;
            if (fine.Slot >= 0 && fine.Epoch > series.RolledThrough)
            {
                // Fast path: only the finest bucket. Its slot cannot hold a newer epoch: that epoch would be newer than
                // this one by a whole ring, and reaching it would have rolled this epoch up (RollUpTo) first.
                ref var bucket = ref series.Rings[0].Write(fine.Slot);
                if (bucket.Epoch <= fine.Epoch)
                {
                    if (fine.Epoch > series.Newest)
                    {
                        series.Newest = fine.Epoch;
                        RollUpTo(series, fine.Epoch - _rollUpLag, write.NowTicks);
                    }

                    if (bucket.Epoch != fine.Epoch)
                    {
                        // The slot's previous epoch is older than RolledThrough, so it is already in the coarser rings.
                        bucket.Reset(fine.Epoch);
                    }

                    AddSample(ref bucket, write.Sample);
                    return true;
                }
            }

            // Late (its finest bucket was already rolled up, or is out of the finest ring's reach): add it to every
            // ring that still reaches it, as a coarser bucket no longer takes it from the finest one.
            AddToEveryRing(series, write);
            return true;
        }
    }

    /// <summary>Adds a sample to a bucket and tells the meter when its sketches grew (rarely: a new or wider sketch).</summary>
    private void AddSample(ref TimeBucket bucket, in OperationSample sample)
    {
        var before = bucket.SketchBytes;
        bucket.Add(sample);
        _meter.Add(bucket.SketchBytes - before);
    }

    /// <summary>Adds a sample to the bucket of its completion time in every ring that reaches it. Caller holds the series' gate.</summary>
    private void AddToEveryRing(TimeSeriesSlot series, in PendingWrite write)
    {
        var endTicks = write.Sample.EndTicks;
        for (var r = 0; r < _stepTicks.Length; r++)
        {
            var epoch = endTicks / _stepTicks[r];
            if (epoch <= (write.NowTicks / _stepTicks[r]) - _bucketCounts[r])
            {
                continue;
            }

            var slot = (int)(epoch % _bucketCounts[r]);
            if (series.Rings[r].Read(slot).Epoch > epoch)
            {
                // A writer with a later clock reading already reused this slot: our bucket has left the ring.
                continue;
            }

            ref var bucket = ref series.Rings[r].Write(slot);
            if (bucket.Epoch != epoch)
            {
                bucket.Reset(epoch);
            }

            AddSample(ref bucket, write.Sample);
        }
    }

    /// <summary>
    /// Merges the finest buckets with epochs in (RolledThrough, <paramref name="through"/>] into every coarser ring and
    /// advances RolledThrough. Caller holds the series' gate. Usually one bucket (the clock moved on by one step).
    /// </summary>
    private void RollUpTo(TimeSeriesSlot series, long through, long nowTicks)
    {
        var from = series.RolledThrough;
        if (through <= from)
        {
            return;
        }

        series.RolledThrough = through;
        if (_stepTicks.Length == 1 || from == TimeBucket.NoEpoch)
        {
            // Nothing coarser to feed, or the first write of this series (nothing is open yet).
            return;
        }

        var ring = series.Rings[0];
        var count = _bucketCounts[0];
        if (through - from <= count)
        {
            for (var epoch = from + 1; epoch <= through; epoch++)
            {
                ref readonly var bucket = ref ring.Read((int)(epoch % count));
                if (bucket.Epoch == epoch)
                {
                    RollUp(series, bucket, nowTicks);
                }
            }

            return;
        }

        // The series was idle for longer than the ring: visit each slot once.
        for (var slot = 0; slot < count; slot++)
        {
            ref readonly var bucket = ref ring.Read(slot);
            if (bucket.Epoch > from && bucket.Epoch <= through)
            {
                RollUp(series, bucket, nowTicks);
            }
        }
    }

    /// <summary>Merges one finest bucket into the bucket containing it in every coarser ring that still reaches it.</summary>
    private void RollUp(TimeSeriesSlot series, in TimeBucket source, long nowTicks)
    {
        var startTicks = source.Epoch * _stepTicks[0];
        for (var r = 1; r < _stepTicks.Length; r++)
        {
            var epoch = startTicks / _stepTicks[r];
            if (epoch <= (nowTicks / _stepTicks[r]) - _bucketCounts[r])
            {
                continue;
            }

            var slot = (int)(epoch % _bucketCounts[r]);
            if (series.Rings[r].Read(slot).Epoch > epoch)
            {
                continue;
            }

            ref var target = ref series.Rings[r].Write(slot);
            if (target.Epoch != epoch)
            {
                target.Reset(epoch);
            }

            var before = target.SketchBytes;
            target.Merge(source);
            _meter.Add(target.SketchBytes - before);
        }
    }

    /// <summary>The series for a dimension value: lock-free when it exists, double-checked insert when it does not.</summary>
    private TimeSeriesSlot Resolve<TKey>(DimensionSeries<TKey> dimension, TKey key, Func<TKey, string> valueOf)
        where TKey : notnull
    {
        // Fastest path: the same value as the previous operation of this dimension (an equality test, no hashing).
        if (dimension.Last(key) is { } last)
        {
            return last;
        }

        // Fast path, every call in steady state: ConcurrentDictionary reads take no lock and allocate nothing.
        if (dimension.Map.TryGetValue(key, out var series))
        {
            dimension.Remember(series);
            return series;
        }

        // A full dimension (or a cache over its memory budget) admits no new value until a sweep releases series, so an
        // unknown key can go to the overflow series without the insert lock while that holds.
        if (Volatile.Read(ref dimension.Overflow) is { } overflow)
        {
            if (Volatile.Read(ref dimension.Count) >= _maxSeriesPerDimension)
            {
                Interlocked.Increment(ref _overflow);
                return overflow;
            }

            if (_meter.Bytes >= _budgetBytes)
            {
                Interlocked.Increment(ref _overflow);
                Interlocked.Increment(ref _budgetRefused);
                return overflow;
            }
        }

        return ResolveSlow(dimension, key, valueOf);
    }

    private TimeSeriesSlot ResolveSlow<TKey>(DimensionSeries<TKey> dimension, TKey key, Func<TKey, string> valueOf)
        where TKey : notnull
    {
        // Double-checked insert: only one thread inserts into a dimension at a time, so the count is exact and a key
        // gets exactly one series; readers keep using the map lock-free meanwhile (ConcurrentDictionary publishes the
        // fully built series).
        lock (dimension.InsertGate)
        {
            if (dimension.Map.TryGetValue(key, out var series))
            {
                return series;
            }

            string value;
            var overBudget = false;
            if (dimension.Count >= _maxSeriesPerDimension || (overBudget = _meter.Bytes >= _budgetBytes) || (value = valueOf(key)) == SeriesKey.OverflowValue)
            {
                Interlocked.Increment(ref _overflow);
                if (overBudget)
                {
                    Interlocked.Increment(ref _budgetRefused);
                }

                if (dimension.Overflow is null)
                {
                    var overflow = CreateSeries(new SeriesKey(dimension.Dimension, SeriesKey.OverflowValue));
                    PublishKey(overflow.Key);
                    Volatile.Write(ref dimension.Overflow, overflow);
                }

                return dimension.Overflow;
            }

            series = CreateSeries(new SeriesKey(dimension.Dimension, value), key);
            dimension.Map[key] = series;
            PublishKey(series.Key);
            Volatile.Write(ref dimension.Count, dimension.Count + 1);
            return series;
        }
    }

    private TimeSeriesSlot CreateSeries(SeriesKey key, object? lookupKey = null)
    {
        var series = new TimeSeriesSlot(key, _bucketCounts, _meter, lookupKey);
        _byKey[key] = series;
        Interlocked.Increment(ref _seriesCount);
        return series;
    }

    /// <summary>Appends a key to its dimension's key array (copy-on-write; caller holds the dimension's insert gate).</summary>
    private void PublishKey(SeriesKey key)
    {
        var d = (int)key.Dimension;
        Volatile.Write(ref _keys[d], [.. Volatile.Read(ref _keys[d]), key]);
    }

    /// <summary>Where an operation lands in one ring; Slot is -1 when the ring no longer reaches back to it.</summary>
    private readonly record struct RingPosition(long Epoch, int Slot);

    /// <summary>What one Record adds to each of its series, prepared before any lock.</summary>
    private readonly struct PendingWrite(OperationSample sample, RingPosition fine, long nowTicks)
    {
        public OperationSample Sample { get; } = sample;

        public RingPosition Fine { get; } = fine;

        public long NowTicks { get; } = nowTicks;
    }
}
