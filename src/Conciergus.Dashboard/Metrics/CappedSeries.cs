using System.Collections.Concurrent;

namespace Conciergus.Dashboard.Metrics;

/// <summary>
/// The label sets of one metric family, at most <c>cap</c> of them; values past the cap share the overflow
/// label set, so a sender inventing model names cannot grow /metrics (or Prometheus) without bound.
/// </summary>
internal sealed class CappedSeries<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private readonly ConcurrentDictionary<TKey, TValue> _series = new();
    private readonly Lock _insertGate = new();
    private readonly int _cap;
    private readonly TKey _overflowKey;
    private readonly Func<TValue> _create;
    private long _overflowed;

    public CappedSeries(int cap, TKey overflowKey, Func<TValue> create)
    {
        _cap = cap;
        _overflowKey = overflowKey;
        _create = create;
    }

    /// <summary>Observations that went to the overflow label set.</summary>
    public long Overflowed => Interlocked.Read(ref _overflowed);

    /// <summary>The cell of <paramref name="key"/>, created on first use (or the overflow cell past the cap).</summary>
    public TValue Get(TKey key)
    {
        if (_series.TryGetValue(key, out var cell))
        {
            return cell;
        }

        // Double-checked insert: the lock-free read above serves every known label set; only a new one locks,
        // which keeps the count check and the insert atomic so the cap holds under concurrent first uses.
        lock (_insertGate)
        {
            if (_series.TryGetValue(key, out cell))
            {
                return cell;
            }

            if (_series.Count >= _cap)
            {
                Interlocked.Increment(ref _overflowed);
                return _series.GetOrAdd(_overflowKey, _ => _create());
            }

            cell = _create();
            _series[key] = cell;
            return cell;
        }
    }

    /// <summary>Every label set and its cell (a moment's view; cells keep changing).</summary>
    public KeyValuePair<TKey, TValue>[] Snapshot() => _series.ToArray();
}

/// <summary>A monotonic counter.</summary>
internal sealed class CounterCell
{
    private long _value;

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);
}

/// <summary>A cumulative histogram with fixed upper bounds (non-cumulative counts inside; cumulated when written).</summary>
internal sealed class Histogram
{
    private readonly long[] _counts;

    public Histogram(double[] bounds)
    {
        Bounds = bounds;
        _counts = new long[bounds.Length + 1];
    }

    public double[] Bounds { get; }

    public long Count { get; private set; }

    public double Sum { get; private set; }

    /// <summary>Adds one observation. The owner serialises calls (and reads) with its lock.</summary>
    public void Observe(double value)
    {
        var i = Array.BinarySearch(Bounds, value);

        // le is inclusive: a value equal to a bound belongs to that bound's bucket.
        var bucket = i >= 0 ? i : ~i;
        _counts[bucket]++;
        Count++;
        Sum += value;
    }

    /// <summary>Cumulative counts per bound, then +Inf (equal to <see cref="Count"/>).</summary>
    public long[] Cumulative()
    {
        var result = new long[_counts.Length];
        long running = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            running += _counts[i];
            result[i] = running;
        }

        return result;
    }
}
