using System.Collections.Concurrent;

using Conciergus.Core.Model;

namespace Conciergus.Core.TimeSeries;

/// <summary>One bucket of one ring: everything the operations completed in one step hold. Guarded by its series' lock.</summary>
internal struct TimeBucket
{
    /// <summary>Marks a slot that never held data.</summary>
    public const long NoEpoch = long.MinValue;

    /// <summary>Bucket index since 0001-01-01 UTC (ticks / step); the slot holds data only for this epoch.</summary>
    public long Epoch;
    public long Requests;
    public long Errors;
    public long InputTokens;
    public long OutputTokens;
    public long CachedInputTokens;
    public long CacheCreationInputTokens;
    public long ReasoningTokens;
    public long UnpricedRequests;
    public long LastSeenTicks;
    public decimal CostUsd;

    // Allocated the first time the slot takes a value and kept (cleared) when the ring wraps.
    public LatencySketch? Latency;
    public LatencySketch? TimeToFirstToken;

    /// <summary>Bytes the bucket's sketches hold (0 without sketches), for the cache's memory estimate.</summary>
    public readonly long SketchBytes => (Latency?.EstimatedBytes ?? 0) + (TimeToFirstToken?.EstimatedBytes ?? 0);

    /// <summary>Starts the slot over for a new epoch, keeping the sketches' storage.</summary>
    public void Reset(long epoch)
    {
        Epoch = epoch;
        Requests = 0;
        Errors = 0;
        InputTokens = 0;
        OutputTokens = 0;
        CachedInputTokens = 0;
        CacheCreationInputTokens = 0;
        ReasoningTokens = 0;
        UnpricedRequests = 0;
        LastSeenTicks = 0;
        CostUsd = 0;
        Latency?.Clear();
        TimeToFirstToken?.Clear();
    }

    /// <summary>Adds one operation (prepared once per Record, outside any lock).</summary>
    public void Add(in OperationSample sample)
    {
        Requests++;
        Errors += sample.Errors;
        InputTokens += sample.InputTokens;
        OutputTokens += sample.OutputTokens;
        CachedInputTokens += sample.CachedInputTokens;
        CacheCreationInputTokens += sample.CacheCreationInputTokens;
        ReasoningTokens += sample.ReasoningTokens;
        UnpricedRequests += sample.Unpriced;
        if (sample.HasCost)
        {
            CostUsd += sample.CostUsd;
        }

        (Latency ??= new LatencySketch()).Add(sample.Latency, sample.LatencyBucket);
        if (sample.HasTimeToFirstToken)
        {
            (TimeToFirstToken ??= new LatencySketch()).Add(sample.TimeToFirstToken, sample.TimeToFirstTokenBucket);
        }

        if (sample.EndTicks > LastSeenTicks)
        {
            LastSeenTicks = sample.EndTicks;
        }
    }

    /// <summary>Adds a finer bucket's contents (a completed second rolled up into a minute or hour bucket).</summary>
    public void Merge(in TimeBucket source)
    {
        Requests += source.Requests;
        Errors += source.Errors;
        InputTokens += source.InputTokens;
        OutputTokens += source.OutputTokens;
        CachedInputTokens += source.CachedInputTokens;
        CacheCreationInputTokens += source.CacheCreationInputTokens;
        ReasoningTokens += source.ReasoningTokens;
        UnpricedRequests += source.UnpricedRequests;
        CostUsd += source.CostUsd;
        if (source.Latency is { Count: > 0 } latency)
        {
            (Latency ??= new LatencySketch()).Merge(latency);
        }

        if (source.TimeToFirstToken is { Count: > 0 } ttft)
        {
            (TimeToFirstToken ??= new LatencySketch()).Merge(ttft);
        }

        if (source.LastSeenTicks > LastSeenTicks)
        {
            LastSeenTicks = source.LastSeenTicks;
        }
    }

    /// <summary>Adds this bucket into an aggregate.</summary>
    public readonly void MergeInto(WindowAggregate aggregate)
    {
        aggregate.Requests += Requests;
        aggregate.Errors += Errors;
        aggregate.InputTokens += InputTokens;
        aggregate.OutputTokens += OutputTokens;
        aggregate.CachedInputTokens += CachedInputTokens;
        aggregate.CacheCreationInputTokens += CacheCreationInputTokens;
        aggregate.ReasoningTokens += ReasoningTokens;
        aggregate.CostUsd += CostUsd;
        aggregate.UnpricedRequests += UnpricedRequests;
        if (Latency is not null)
        {
            aggregate.Latency.Merge(Latency);
        }

        if (TimeToFirstToken is not null)
        {
            aggregate.TimeToFirstToken.Merge(TimeToFirstToken);
        }

        if (Requests > 0 && (aggregate.LastSeen is null || LastSeenTicks > aggregate.LastSeen.Value.UtcTicks))
        {
            aggregate.LastSeen = new DateTimeOffset(LastSeenTicks, TimeSpan.Zero);
        }
    }
}

/// <summary>One series: a ring of buckets per resolution, all guarded by one short lock.</summary>
/// <remarks>
/// Writers add to the finest ring only, unless the finest bucket was already rolled up. Finest buckets with an epoch
/// up to <see cref="RolledThrough"/> have been merged into every coarser ring; the few after it, up to
/// <see cref="Newest"/>, have not (they may still receive late operations). Queries of a coarser ring add those open
/// buckets to the coarser bucket that contains them, under the same lock, so nothing is counted twice or lost.
/// </remarks>
internal sealed class TimeSeriesSlot
{
    /// <summary>Bytes of a series beyond its rings: this object, its lock, its key and its entries in the lookups.</summary>
    internal const long OverheadBytes = 320;

    private readonly MemoryMeter _meter;

    public TimeSeriesSlot(SeriesKey key, int[] bucketCounts, MemoryMeter meter, object? lookupKey = null)
    {
        Key = key;
        LookupKey = lookupKey;
        _meter = meter;
        meter.Add(OverheadBytes + MemoryMeter.ArrayHeaderBytes + (8L * bucketCounts.Length) + (2L * (key.Value?.Length ?? 0)));
        Rings = new BucketRing[bucketCounts.Length];
        for (var r = 0; r < bucketCounts.Length; r++)
        {
            Rings[r] = new BucketRing(bucketCounts[r], meter);
        }
    }

    public SeriesKey Key { get; }

    /// <summary>
    /// The hot-path key its dimension's <see cref="DimensionSeries{TKey}.Map"/> holds it under (a string, or a boxed
    /// tuple); null for the total and overflow series, which are never looked up by value.
    /// </summary>
    public object? LookupKey { get; }

    /// <summary>Guards every bucket of every ring of this series (writers hold it for one operation, readers for one bucket).</summary>
    public Lock Gate { get; } = new();

    /// <summary>One ring per resolution, finest first; slot = epoch % length. Chunks are allocated on first write.</summary>
    public BucketRing[] Rings { get; }

    /// <summary>
    /// Set (under <see cref="Gate"/>) when the series was released after its retention and removed from the lookups:
    /// a writer that resolved it just before finds it released under the gate and resolves the value again.
    /// </summary>
    public bool Released { get; private set; }

    /// <summary>True when no ring holds a chunk (nothing left inside any retention). Caller holds <see cref="Gate"/>.</summary>
    public bool IsEmpty
    {
        get
        {
            foreach (var ring in Rings)
            {
                if (ring.AllocatedChunks > 0)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Marks the series released and takes all its bytes off the meter. Caller holds <see cref="Gate"/>.</summary>
    public void Release()
    {
        Released = true;
        foreach (var ring in Rings)
        {
            ring.Forget();
        }

        _meter.Add(-(OverheadBytes + MemoryMeter.ArrayHeaderBytes + (8L * Rings.Length) + (2L * (Key.Value?.Length ?? 0))));
    }

    /// <summary>Newest finest-ring epoch written; <see cref="TimeBucket.NoEpoch"/> before the first write. Guarded by <see cref="Gate"/>.</summary>
    public long Newest = TimeBucket.NoEpoch;

    /// <summary>Finest-ring epochs up to this one are rolled up into the coarser rings. Guarded by <see cref="Gate"/>.</summary>
    public long RolledThrough = TimeBucket.NoEpoch;
}

/// <summary>The series of one dimension: a lock-free lookup from the hot-path key to its series, capped.</summary>
internal sealed class DimensionSeries<TKey>
    where TKey : notnull
{
    public DimensionSeries(SeriesDimension dimension, IEqualityComparer<TKey>? comparer)
    {
        Dimension = dimension;
        Map = new ConcurrentDictionary<TKey, TimeSeriesSlot>(comparer);
    }

    public SeriesDimension Dimension { get; }

    /// <summary>Read lock-free on every Record; written only under <see cref="InsertGate"/>.</summary>
    public ConcurrentDictionary<TKey, TimeSeriesSlot> Map { get; }

    /// <summary>Serialises inserts so the cap is exact and a key never gets two series.</summary>
    public Lock InsertGate { get; } = new();

    /// <summary>Distinct values (not counting the overflow series); written under <see cref="InsertGate"/>.</summary>
    public int Count;

    /// <summary>Created on first overflow under <see cref="InsertGate"/>, then read without it.</summary>
    public TimeSeriesSlot? Overflow;

    /// <summary>
    /// The series the last lookup found in <see cref="Map"/> (never the overflow series): consecutive operations mostly
    /// carry the same value, and comparing it with this series' <see cref="TimeSeriesSlot.LookupKey"/> is cheaper than
    /// hashing it. A released series found here is refused under its gate and cleared (see <see cref="Forget"/>).
    /// </summary>
    private TimeSeriesSlot? _last;

    /// <summary>The series of <paramref name="key"/> when it is the one the last lookup found; otherwise null.</summary>
    /// <remarks>
    /// Same equality as <see cref="Map"/>: its string dimensions use <see cref="StringComparer.Ordinal"/> and its tuple
    /// dimensions the default comparer, both ordinal, as <see cref="EqualityComparer{T}.Default"/> is.
    /// </remarks>
    public TimeSeriesSlot? Last(TKey key) =>
        Volatile.Read(ref _last) is { LookupKey: TKey last } series && EqualityComparer<TKey>.Default.Equals(last, key) ? series : null;

    /// <summary>Remembers the series a lookup in <see cref="Map"/> just found (written only when it changes).</summary>
    public void Remember(TimeSeriesSlot series)
    {
        if (!ReferenceEquals(Volatile.Read(ref _last), series))
        {
            Volatile.Write(ref _last, series);
        }
    }

    /// <summary>Forgets a series that was released, so the next lookup of its value goes to <see cref="Map"/>.</summary>
    public void Forget(TimeSeriesSlot series) => Interlocked.CompareExchange(ref _last, null, series);
}

/// <summary>What one operation adds to a bucket, computed once per Record (sketch buckets included) outside any lock.</summary>
internal readonly struct OperationSample
{
    public OperationSample(AiOperation operation, long endTicks)
    {
        EndTicks = endTicks;
        Errors = operation.Status == AiOperationStatus.Error ? 1 : 0;
        InputTokens = operation.InputTokens;
        OutputTokens = operation.OutputTokens;
        CachedInputTokens = operation.CachedInputTokens;
        CacheCreationInputTokens = operation.CacheCreationInputTokens;
        ReasoningTokens = operation.ReasoningTokens;
        Unpriced = operation.Pricing == PricingStatus.Unpriced ? 1 : 0;
        HasCost = operation.Pricing is PricingStatus.Priced or PricingStatus.Provided && operation.CostUsd is not null;
        CostUsd = HasCost ? operation.CostUsd!.Value : 0m;
        Latency = LatencySketch.Normalize(operation.DurationMs);
        LatencyBucket = LatencySketch.BucketOf(Latency);
        HasTimeToFirstToken = operation.TimeToFirstTokenMs.HasValue;
        TimeToFirstToken = LatencySketch.Normalize(operation.TimeToFirstTokenMs.GetValueOrDefault());
        TimeToFirstTokenBucket = HasTimeToFirstToken ? LatencySketch.BucketOf(TimeToFirstToken) : LatencySketch.ZeroBucket;
    }

    public long EndTicks { get; }
    public long Errors { get; }
    public long InputTokens { get; }
    public long OutputTokens { get; }
    public long CachedInputTokens { get; }
    public long CacheCreationInputTokens { get; }
    public long ReasoningTokens { get; }
    public long Unpriced { get; }
    public bool HasCost { get; }
    public decimal CostUsd { get; }
    public double Latency { get; }
    public int LatencyBucket { get; }
    public bool HasTimeToFirstToken { get; }
    public double TimeToFirstToken { get; }
    public int TimeToFirstTokenBucket { get; }
}
