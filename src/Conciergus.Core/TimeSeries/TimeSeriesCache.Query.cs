using System.Globalization;

namespace Conciergus.Core.TimeSeries;

/// <summary>Query side of the cache: windows, ranges and keys.</summary>
public sealed partial class TimeSeriesCache
{
    /// <summary>Most points one <see cref="Range"/> call returns (as Prometheus does), so a bad step cannot exhaust memory.</summary>
    public const int MaxRangePoints = 11_000;

    /// <summary>Everything a series holds over [from, to).</summary>
    /// <remarks>
    /// Buckets of the finest resolution that still holds the bucket containing <paramref name="from"/> (or, when none
    /// does, of the one reaching furthest back); a bucket counts when it overlaps [from, to), so the window is widened
    /// outwards to that resolution's grid. An unknown key or an empty window yields an empty aggregate.
    /// </remarks>
    public WindowAggregate Aggregate(SeriesKey key, DateTimeOffset from, DateTimeOffset to)
    {
        var result = new WindowAggregate();
        if (to <= from || !_byKey.TryGetValue(key, out var series))
        {
            return result;
        }

        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        var r = ChooseResolution(from.UtcTicks, nowTicks, candidates: null);
        MergeBuckets(series, r, from.UtcTicks / _stepTicks[r], LastEpoch(to.UtcTicks, _stepTicks[r]), nowTicks, result);
        return result;
    }

    /// <summary>The bucket width <see cref="Aggregate"/> uses for a window starting at <paramref name="from"/>.</summary>
    public TimeSpan StepFor(DateTimeOffset from) =>
        TimeSpan.FromTicks(_stepTicks[ChooseResolution(from.UtcTicks, _timeProvider.GetUtcNow().UtcTicks, candidates: null)]);

    /// <summary>A series over [from, to) cut into steps of <paramref name="step"/> (aligned to the step).</summary>
    /// <remarks>
    /// Points start at floor(from / step) * step (UTC grid) and continue while the start is before <paramref name="to"/>.
    /// Each point merges the buckets of one resolution whose step divides <paramref name="step"/>: the coarsest such
    /// resolution that still holds the first point (same exactness, fewer merges), else the one reaching furthest back.
    /// Points older than that resolution's reach are empty.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is not positive.</exception>
    /// <exception cref="ArgumentException">No resolution divides <paramref name="step"/>, or the range needs too many points.</exception>
    public IReadOnlyList<BucketPoint> Range(SeriesKey key, DateTimeOffset from, DateTimeOffset to, TimeSpan step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(step, TimeSpan.Zero);
        var stepTicks = step.Ticks;
        Span<bool> candidates = stackalloc bool[_stepTicks.Length];
        var any = false;
        for (var r = 0; r < _stepTicks.Length; r++)
        {
            candidates[r] = stepTicks % _stepTicks[r] == 0;
            any |= candidates[r];
        }

        if (!any)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"Step {step} is not a whole multiple of any resolution step ({string.Join(", ", Steps)}); choose a multiple of one of them."),
                nameof(step));
        }

        var firstStart = from.UtcTicks / stepTicks * stepTicks;
        var toTicks = to.UtcTicks;
        if (toTicks <= firstStart)
        {
            return [];
        }

        var pointCount = ((toTicks - firstStart - 1) / stepTicks) + 1;
        if (pointCount > MaxRangePoints)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"A range of {to - from} in steps of {step} needs {pointCount} points; at most {MaxRangePoints} are allowed. Use a larger step."),
                nameof(step));
        }

        var points = new BucketPoint[pointCount];
        _byKey.TryGetValue(key, out var series);
        var nowTicks = _timeProvider.GetUtcNow().UtcTicks;
        var r2 = ChooseResolution(firstStart, nowTicks, candidates, preferCoarsest: true);
        var resolutionStep = _stepTicks[r2];
        for (var i = 0; i < points.Length; i++)
        {
            var start = firstStart + (i * stepTicks);
            var aggregate = new WindowAggregate();
            if (series is not null)
            {
                MergeBuckets(series, r2, start / resolutionStep, ((start + stepTicks) / resolutionStep) - 1, nowTicks, aggregate);
            }

            points[i] = new BucketPoint(new DateTimeOffset(start, TimeSpan.Zero), aggregate);
        }

        return points;
    }

    /// <summary>The series keys of one dimension that exist.</summary>
    public IReadOnlyList<SeriesKey> Keys(SeriesDimension dimension) =>
        (uint)dimension < DimensionCount ? Array.AsReadOnly(Volatile.Read(ref _keys[(int)dimension])) : [];

    /// <summary>Last epoch whose bucket starts before <paramref name="toTicks"/>.</summary>
    private static long LastEpoch(long toTicks, long stepTicks) => ((toTicks - 1) / stepTicks) - (toTicks <= 0 ? 1 : 0);

    /// <summary>
    /// The resolution to read: among candidates (all when null), one whose ring still holds the bucket containing
    /// <paramref name="fromTicks"/> (the finest, or the coarsest when <paramref name="preferCoarsest"/>); when none
    /// does, the candidate reaching furthest back.
    /// </summary>
    private int ChooseResolution(long fromTicks, long nowTicks, ReadOnlySpan<bool> candidates, bool preferCoarsest = false)
    {
        var chosen = -1;
        var furthest = -1;
        var furthestStart = long.MaxValue;
        for (var r = 0; r < _stepTicks.Length; r++)
        {
            if (!candidates.IsEmpty && !candidates[r])
            {
                continue;
            }

            var oldestEpoch = (nowTicks / _stepTicks[r]) - _bucketCounts[r] + 1;
            if (fromTicks / _stepTicks[r] >= oldestEpoch)
            {
                chosen = r;
                if (!preferCoarsest)
                {
                    return r;
                }
            }

            var oldestStart = oldestEpoch * _stepTicks[r];
            if (oldestStart < furthestStart)
            {
                furthestStart = oldestStart;
                furthest = r;
            }
        }

        return chosen >= 0 ? chosen : furthest;
    }

    /// <summary>Merges the buckets of epochs [first, last] that the ring still holds.</summary>
    private void MergeBuckets(TimeSeriesSlot series, int r, long first, long last, long nowTicks, WindowAggregate into)
    {
        var count = _bucketCounts[r];
        var oldestEpoch = (nowTicks / _stepTicks[r]) - count + 1;
        first = Math.Max(first, oldestEpoch);
        last = Math.Min(last, nowTicks / _stepTicks[r]);
        var ring = series.Rings[r];
        var finePerBucket = _stepTicks[r] / _stepTicks[0];
        for (var epoch = first; epoch <= last; epoch++)
        {
            // Safe: the lock is held for one bucket only, so a long query never stalls writers for more than one
            // merge; a bucket reset by a writer between two iterations simply no longer matches its epoch.
            lock (series.Gate)
            {
                ref readonly var bucket = ref ring.Read((int)(epoch % count));
                if (bucket.Epoch == epoch)
                {
                    bucket.MergeInto(into);
                }

                if (r > 0)
                {
                    // The finest buckets not rolled up yet belong to this bucket too. Read under the same lock as the
                    // bucket itself, so a roll-up cannot move them in between (no double count, nothing missed).
                    MergeOpenBuckets(series, epoch * finePerBucket, ((epoch + 1) * finePerBucket) - 1, into);
                }
            }
        }
    }

    /// <summary>Merges the open finest buckets (not rolled up yet) with epochs in [first, last]. Caller holds the gate.</summary>
    private void MergeOpenBuckets(TimeSeriesSlot series, long first, long last, WindowAggregate into)
    {
        if (series.Newest == TimeBucket.NoEpoch)
        {
            return;
        }

        // At most RollUpLagSteps + 1 epochs are open: (RolledThrough, Newest].
        first = Math.Max(first, series.RolledThrough + 1);
        last = Math.Min(last, series.Newest);
        var ring = series.Rings[0];
        var count = _bucketCounts[0];
        for (var epoch = first; epoch <= last; epoch++)
        {
            ref readonly var bucket = ref ring.Read((int)(epoch % count));
            if (bucket.Epoch == epoch)
            {
                bucket.MergeInto(into);
            }
        }
    }
}
