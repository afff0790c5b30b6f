using System.Numerics;

namespace Conciergus.Core.TimeSeries;

/// <summary>
/// Mergeable log-bucketed quantile sketch (DDSketch-style) for latencies in milliseconds:
/// any quantile it returns is within <see cref="RelativeAccuracy"/> of the true sample value.
/// </summary>
/// <remarks>
/// <para>
/// A value v &gt;= <see cref="MinIndexableValue"/> goes to bucket i = ceil(log_gamma(v)), gamma = (1 + a) / (1 - a),
/// which holds (gamma^(i-1), gamma^i]; the bucket's representative 2 gamma^i / (gamma + 1) is within a relative
/// error a of every value in it. Smaller values (including 0 and negatives, which count as 0) go to one zero bucket
/// whose representative is 0.
/// </para>
/// <para>
/// Counts live in one dense array covering only the indexes seen (plus slack): <c>_counts[k]</c> is bucket
/// <c>_offset + k</c>. The array grows (or the window slides inside it) when a value falls outside; <see cref="Clear"/>
/// keeps it, so a reused sketch stops allocating once it has seen its usual spread. Not thread-safe: the owner locks.
/// </para>
/// <para>
/// Quantile definition (the "lower" rank rule, numpy <c>method='lower'</c>): the q-quantile of n samples is the
/// sample at 0-based rank floor(q (n - 1)) of the sorted samples; the sketch returns the representative of the bucket
/// that holds that rank, clamped to [<see cref="Min"/>, <see cref="Max"/>] (clamping can only reduce the error).
/// </para>
/// </remarks>
public sealed class LatencySketch
{
    /// <summary>Guaranteed relative error of <see cref="Quantile"/> (DESIGN budget: at most 2%).</summary>
    public const double RelativeAccuracy = 0.01;

    /// <summary>Values below this (ms) go to the zero bucket and read back as 0 (or <see cref="Min"/>).</summary>
    public const double MinIndexableValue = 1e-3;

    /// <summary>Values above this (ms, about 31 years) are clamped to it, so garbage input cannot blow up memory.</summary>
    public const double MaxTrackableValue = 1e12;

    private const double Gamma = (1 + RelativeAccuracy) / (1 - RelativeAccuracy);
    private const int GrowthChunk = 32;

    /// <summary>Buckets of the first store: enough for values within about 8% of each other (one or a few samples).</summary>
    private const int SmallStore = 4;

    /// <summary>Bucket marker of the zero bucket (no log bucket index is this small).</summary>
    internal const int ZeroBucket = int.MinValue;

    private static readonly double InverseLogGamma = 1 / Math.Log(Gamma);

    private long[] _counts = [];
    private int _offset;

    // Occupied index range [_minIndex, _maxIndex]; empty when _maxIndex < _minIndex.
    private int _minIndex = int.MaxValue;
    private int _maxIndex = int.MinValue;
    private long _zeroCount;
    private long _count;
    private double _sum;
    private double _min = double.NaN;
    private double _max = double.NaN;

    /// <summary>Number of values added.</summary>
    public long Count => _count;

    /// <summary>Sum of values added (exact).</summary>
    public double Sum => _sum;

    /// <summary>Smallest value added (NaN when empty).</summary>
    public double Min => _min;

    /// <summary>Largest value added (NaN when empty).</summary>
    public double Max => _max;

    /// <summary>Mean of values added (NaN when empty).</summary>
    public double Mean => _count == 0 ? double.NaN : _sum / _count;

    /// <summary>Number of buckets the dense store currently holds (memory diagnostics and tests).</summary>
    internal int Capacity => _counts.Length;

    /// <summary>Bytes this sketch holds (object and store), for the time-series cache's memory estimate.</summary>
    internal long EstimatedBytes => 80 + (_counts.Length == 0 ? 0 : 24 + (8L * _counts.Length));

    /// <summary>Adds one value (negative values count as 0). Allocation-free once the sketch has grown.</summary>
    public void Add(double value)
    {
        value = Normalize(value);
        Add(value, BucketOf(value));
    }

    /// <summary>
    /// Adds a value already passed through <see cref="Normalize"/> whose bucket <see cref="BucketOf"/> computed: lets the
    /// cache take the logarithm once per operation instead of once per bucket it updates.
    /// </summary>
    internal void Add(double value, int bucket)
    {
        if (_count == 0)
        {
            _min = value;
            _max = value;
        }
        else
        {
            if (value < _min)
            {
                _min = value;
            }

            if (value > _max)
            {
                _max = value;
            }
        }

        _count++;
        _sum += value;

        if (bucket == ZeroBucket)
        {
            _zeroCount++;
            return;
        }

        EnsureRange(bucket, bucket);
        _counts[bucket - _offset]++;
        if (bucket < _minIndex)
        {
            _minIndex = bucket;
        }

        if (bucket > _maxIndex)
        {
            _maxIndex = bucket;
        }
    }

    /// <summary>Maps negatives and NaN to 0 and clamps huge values to <see cref="MaxTrackableValue"/>.</summary>
    internal static double Normalize(double value) =>
        !(value > 0) ? 0 : value > MaxTrackableValue ? MaxTrackableValue : value;

    /// <summary>Bucket of a normalized value: <see cref="ZeroBucket"/> below <see cref="MinIndexableValue"/>.</summary>
    internal static int BucketOf(double normalizedValue) =>
        normalizedValue < MinIndexableValue ? ZeroBucket : IndexOf(normalizedValue);

    /// <summary>Adds every value of another sketch.</summary>
    public void Merge(LatencySketch other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other._count == 0)
        {
            return;
        }

        if (_count == 0)
        {
            _min = other._min;
            _max = other._max;
        }
        else
        {
            _min = Math.Min(_min, other._min);
            _max = Math.Max(_max, other._max);
        }

        _count += other._count;
        _sum += other._sum;
        _zeroCount += other._zeroCount;

        if (other._maxIndex < other._minIndex)
        {
            return;
        }

        EnsureRange(other._minIndex, other._maxIndex);
        var source = other._counts.AsSpan(other._minIndex - other._offset, other._maxIndex - other._minIndex + 1);
        var target = _counts.AsSpan(other._minIndex - _offset, source.Length);
        var k = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Queries merge dozens of bucket sketches of a few hundred counts each: add them a vector at a time.
            for (; k <= source.Length - Vector<long>.Count; k += Vector<long>.Count)
            {
                (new Vector<long>(target[k..]) + new Vector<long>(source[k..])).CopyTo(target[k..]);
            }
        }

        for (; k < source.Length; k++)
        {
            target[k] += source[k];
        }

        _minIndex = Math.Min(_minIndex, other._minIndex);
        _maxIndex = Math.Max(_maxIndex, other._maxIndex);
    }

    /// <summary>
    /// Restore (bulk): adds the count, sum, min and max of values whose bucket counts arrive separately through
    /// <see cref="AddBucketCount"/>. Together the two equal adding every value; either alone leaves the sketch in between.
    /// </summary>
    internal void AddSummary(long count, double sum, double min, double max)
    {
        if (count <= 0)
        {
            return;
        }

        if (_count == 0)
        {
            _min = min;
            _max = max;
        }
        else
        {
            _min = Math.Min(_min, min);
            _max = Math.Max(_max, max);
        }

        _count += count;
        _sum += sum;
    }

    /// <summary>Restore (bulk): adds <paramref name="count"/> values to one bucket (<see cref="ZeroBucket"/> for the zero bucket), nothing else.</summary>
    internal void AddBucketCount(int bucket, long count)
    {
        if (count <= 0)
        {
            return;
        }

        if (bucket == ZeroBucket)
        {
            _zeroCount += count;
            return;
        }

        EnsureRange(bucket, bucket);
        _counts[bucket - _offset] += count;
        if (bucket < _minIndex)
        {
            _minIndex = bucket;
        }

        if (bucket > _maxIndex)
        {
            _maxIndex = bucket;
        }
    }

    /// <summary>1 / ln(gamma): a value's bucket is ceil(ln(value) times this) (the store computes it in SQL with the same double).</summary>
    internal static double BucketScale => InverseLogGamma;

    /// <summary>The q-quantile (0..1), NaN when empty.</summary>
    /// <remarks>Rank rule: the sample at 0-based rank floor(q (n - 1)) of the sorted samples (see the class remarks).</remarks>
    public double Quantile(double q)
    {
        if (_count == 0 || double.IsNaN(q))
        {
            return double.NaN;
        }

        q = Math.Clamp(q, 0, 1);
        var rank = (long)Math.Floor(q * (_count - 1));
        if (rank < _zeroCount)
        {
            return _min;
        }

        var seen = _zeroCount;
        for (var index = _minIndex; index <= _maxIndex; index++)
        {
            seen += _counts[index - _offset];
            if (seen > rank)
            {
                return Math.Clamp(ValueOf(index), _min, _max);
            }
        }

        // Unreachable when the counts are consistent; the largest value is the safe answer.
        return _max;
    }

    /// <summary>Empties the sketch, keeping its storage.</summary>
    public void Clear()
    {
        if (_maxIndex >= _minIndex)
        {
            _counts.AsSpan(_minIndex - _offset, _maxIndex - _minIndex + 1).Clear();
        }

        _minIndex = int.MaxValue;
        _maxIndex = int.MinValue;
        _zeroCount = 0;
        _count = 0;
        _sum = 0;
        _min = double.NaN;
        _max = double.NaN;
    }

    /// <summary>Bucket index of a value &gt;= <see cref="MinIndexableValue"/>.</summary>
    internal static int IndexOf(double value) => (int)Math.Ceiling(Math.Log(value) * InverseLogGamma);

    /// <summary>Representative value of a bucket: within <see cref="RelativeAccuracy"/> of anything in it.</summary>
    internal static double ValueOf(int index) => 2 * Math.Pow(Gamma, index) / (Gamma + 1);

    /// <summary>Makes the dense store cover [low, high] (in addition to what it holds).</summary>
    private void EnsureRange(int low, int high)
    {
        var length = _counts.Length;
        if (low >= _offset && high < _offset + length)
        {
            return;
        }

        var empty = _maxIndex < _minIndex;
        var newLow = empty ? low : Math.Min(low, _minIndex);
        var newHigh = empty ? high : Math.Max(high, _maxIndex);
        var needed = newHigh - newLow + 1;

        if (needed <= length)
        {
            // Slide the window inside the existing array (no allocation): centre the needed range.
            var newOffset = newLow - ((length - needed) / 2);
            if (!empty)
            {
                var span = _maxIndex - _minIndex + 1;
                Array.Copy(_counts, _minIndex - _offset, _counts, _minIndex - newOffset, span);

                // Zero whatever the old range left outside its new position.
                var oldStart = _minIndex - _offset;
                var newStart = _minIndex - newOffset;
                if (newStart > oldStart)
                {
                    Array.Clear(_counts, oldStart, Math.Min(newStart - oldStart, span));
                }
                else
                {
                    var clearFrom = Math.Max(newStart + span, oldStart);
                    Array.Clear(_counts, clearFrom, oldStart + span - clearFrom);
                }
            }

            _offset = newOffset;
            return;
        }

        // Grow. Compact form first: a sketch of a sparse bucket (one operation a minute) holds one or a few latencies,
        // so the first store is SmallStore buckets (56 B), not a whole chunk; beyond it, round up to the chunk and keep
        // half the slack on each side for the next outlier.
        var newLength = needed <= SmallStore && length == 0
            ? SmallStore
            : ((needed + (needed / 2) + GrowthChunk - 1) / GrowthChunk) * GrowthChunk;
        var grown = new long[newLength];
        var grownOffset = newLow - ((newLength - needed) / 2);
        if (!empty)
        {
            Array.Copy(_counts, _minIndex - _offset, grown, _minIndex - grownOffset, _maxIndex - _minIndex + 1);
        }

        _counts = grown;
        _offset = grownOffset;
    }
}
