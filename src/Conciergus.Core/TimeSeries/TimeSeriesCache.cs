using Conciergus.Core.Telemetry;

namespace Conciergus.Core.TimeSeries;

/// <summary>
/// In-memory multi-resolution time-series cache: per series, ring buffers of buckets at each configured
/// resolution. Thread-safe; recording is allocation-free in steady state.
/// </summary>
public sealed class TimeSeriesCache
{
    /// <summary>Creates the cache.</summary>
    public TimeSeriesCache(TimeSeriesOptions options, TimeProvider timeProvider) => throw new NotImplementedException();

    /// <summary>Records one (priced, categorised) operation into every series it belongs to, at its completion time.</summary>
    public void Record(AiOperation operation) => throw new NotImplementedException();

    /// <summary>Everything a series holds over [from, to).</summary>
    public WindowAggregate Aggregate(SeriesKey key, DateTimeOffset from, DateTimeOffset to) => throw new NotImplementedException();

    /// <summary>A series over [from, to) cut into steps of <paramref name="step"/> (aligned to the step).</summary>
    public IReadOnlyList<BucketPoint> Range(SeriesKey key, DateTimeOffset from, DateTimeOffset to, TimeSpan step) => throw new NotImplementedException();

    /// <summary>The series keys of one dimension that exist.</summary>
    public IReadOnlyList<SeriesKey> Keys(SeriesDimension dimension) => throw new NotImplementedException();

    /// <summary>Number of series.</summary>
    public int SeriesCount => throw new NotImplementedException();

    /// <summary>Operations whose timestamp was older than every ring (not recorded anywhere).</summary>
    public long TooOldCount => throw new NotImplementedException();

    /// <summary>Values that went to an overflow series because their dimension was full.</summary>
    public long OverflowCount => throw new NotImplementedException();
}
