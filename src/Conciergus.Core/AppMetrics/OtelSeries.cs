namespace Conciergus.Core.AppMetrics;

/// <summary>What one step (or one bucket) of a series holds.</summary>
internal struct OtelBucket
{
    /// <summary>Bucket epoch (start / step); -1 when empty.</summary>
    public long Epoch;

    /// <summary>Gauges and levels: sum of observations. Counters: increase. Histograms: sum of measurements.</summary>
    public double Sum;

    /// <summary>Gauges, levels, counters: points. Histograms: measurements.</summary>
    public long Count;

    /// <summary>Smallest observation (histograms: min reported), +inf when none.</summary>
    public double Min;

    /// <summary>Largest observation (histograms: max reported), -inf when none.</summary>
    public double Max;

    /// <summary>Latest observation by point time (gauges, levels).</summary>
    public double Last;

    /// <summary>Point time of <see cref="Last"/> in ticks; 0 when none.</summary>
    public long LastTicks;

    public static OtelBucket Empty(long epoch) => new() { Epoch = epoch, Min = double.PositiveInfinity, Max = double.NegativeInfinity };

    public void Add(double sum, long count, double min, double max, double last, long lastTicks)
    {
        Sum += sum;
        Count += count;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        if (lastTicks >= LastTicks)
        {
            Last = last;
            LastTicks = lastTicks;
        }
    }

    public void Merge(in OtelBucket other)
    {
        if (other.Epoch < 0)
        {
            return;
        }

        Add(other.Sum, other.Count, other.Min, other.Max, other.Last, other.LastTicks);
    }

    public readonly bool HasData => LastTicks > 0 || Count > 0;
}

/// <summary>
/// One series of an instrument: a ring of buckets per cache resolution, aligned like <see cref="TimeSeries.TimeSeriesCache"/>
/// (bucket e of step s covers [e s, (e + 1) s) from 0001-01-01 UTC). Points arrive every few seconds per stream, so every
/// ring is written directly (no roll-up): three bucket writes under one short lock.
/// </summary>
internal sealed class OtelSeries
{
    private readonly long[] _stepTicks;
    private readonly OtelBucket[][] _rings;
    private readonly Lock _gate = new();

    public OtelSeries(OtelSeriesId id, OtelMetricKind kind, IReadOnlyDictionary<string, string> attributes, long[] stepTicks, int[] bucketCounts)
    {
        Id = id;
        Kind = kind;
        Attributes = attributes;
        _stepTicks = stepTicks;
        _rings = new OtelBucket[stepTicks.Length][];
        for (var r = 0; r < stepTicks.Length; r++)
        {
            var ring = new OtelBucket[bucketCounts[r]];
            for (var i = 0; i < ring.Length; i++)
            {
                ring[i] = OtelBucket.Empty(-1);
            }

            _rings[r] = ring;
        }
    }

    public OtelSeriesId Id { get; }

    public OtelMetricKind Kind { get; }

    /// <summary>The attribute set as key/value pairs (for groupBy=attr.&lt;name&gt;).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; }

    /// <summary>Ticks of the newest point written (for "last seen").</summary>
    public long NewestTicks { get; private set; }

    /// <summary>Adds a point at <paramref name="ticks"/> to every ring that still reaches it; false when none does.</summary>
    public bool Add(long ticks, long nowTicks, double sum, long count, double min, double max, double last)
    {
        var placed = false;
        lock (_gate)
        {
            for (var r = 0; r < _rings.Length; r++)
            {
                var ring = _rings[r];
                var epoch = ticks / _stepTicks[r];
                if (nowTicks / _stepTicks[r] - epoch >= ring.Length)
                {
                    continue;
                }

                ref var bucket = ref ring[epoch % ring.Length];
                if (bucket.Epoch != epoch)
                {
                    if (bucket.Epoch > epoch)
                    {
                        continue; // the slot already holds a newer bucket: this one is out of the ring's reach
                    }

                    bucket = OtelBucket.Empty(epoch);
                }

                bucket.Add(sum, count, min, max, last, ticks);
                placed = true;
            }

            if (placed && ticks > NewestTicks)
            {
                NewestTicks = ticks;
            }
        }

        return placed;
    }

    /// <summary>
    /// Merged buckets of [from, to) in steps of <paramref name="stepTicks"/> (a multiple of one resolution's step): one
    /// entry per step, starting at floor(from / step) * step. Reads the coarsest resolution dividing the step that still
    /// holds the first point, else the one dividing it that reaches furthest back.
    /// </summary>
    public void Range(long fromTicks, long toTicks, long stepTicks, long nowTicks, Span<OtelBucket> into)
    {
        var r = PickResolution(fromTicks, stepTicks, nowTicks);
        var step = _stepTicks[r];
        var ring = _rings[r];
        var first = fromTicks / stepTicks * stepTicks;
        lock (_gate)
        {
            for (var p = 0; p < into.Length; p++)
            {
                var start = first + (p * stepTicks);
                var end = Math.Min(start + stepTicks, toTicks);
                for (var e = start / step; e * step < end; e++)
                {
                    ref readonly var bucket = ref ring[e % ring.Length];
                    if (bucket.Epoch == e)
                    {
                        into[p].Merge(bucket);
                    }
                }
            }
        }
    }

    /// <summary>Merges every bucket overlapping [from, to) of the finest resolution that still holds the bucket of from (else the coarsest).</summary>
    public void Window(long fromTicks, long toTicks, long nowTicks, ref OtelBucket into)
    {
        var r = _rings.Length - 1;
        for (var i = 0; i < _rings.Length; i++)
        {
            var oldest = ((nowTicks / _stepTicks[i]) - _rings[i].Length + 1) * _stepTicks[i];
            if (oldest <= fromTicks)
            {
                r = i;
                break;
            }
        }

        var step = _stepTicks[r];
        var ring = _rings[r];
        lock (_gate)
        {
            for (var e = fromTicks / step; e * step < toTicks; e++)
            {
                ref readonly var bucket = ref ring[e % ring.Length];
                if (bucket.Epoch == e)
                {
                    into.Merge(bucket);
                }
            }
        }
    }

    /// <summary>The resolution a range reads: the coarsest whose step divides <paramref name="stepTicks"/> and that holds from, else the dividing one reaching furthest back (-1: none divides).</summary>
    public static int PickResolution(long[] steps, int[] counts, long fromTicks, long stepTicks, long nowTicks)
    {
        var best = -1;
        var bestReach = long.MinValue;
        for (var r = steps.Length - 1; r >= 0; r--)
        {
            if (stepTicks % steps[r] != 0)
            {
                continue;
            }

            var oldest = ((nowTicks / steps[r]) - counts[r] + 1) * steps[r];
            if (oldest <= fromTicks)
            {
                return r; // coarsest dividing resolution that holds the first point (finest iterated last)
            }

            if (-oldest > bestReach)
            {
                bestReach = -oldest;
                best = r;
            }
        }

        return best;
    }

    private int PickResolution(long fromTicks, long stepTicks, long nowTicks)
    {
        var counts = new int[_rings.Length];
        for (var r = 0; r < counts.Length; r++)
        {
            counts[r] = _rings[r].Length;
        }

        var pick = PickResolution(_stepTicks, counts, fromTicks, stepTicks, nowTicks);
        return pick < 0 ? throw new ArgumentException("No resolution divides the step.", nameof(stepTicks)) : pick;
    }
}
