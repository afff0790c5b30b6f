namespace Conciergus.Core.Audit;

/// <summary>
/// Counts events per UTC minute over the last <see cref="Horizon"/> (eight days), so an alert rule can ask "how many in
/// the last hour" without keeping readings of a cumulative counter, and keeps the total since start for /metrics.
/// Bounded memory (one slot per minute of the horizon); <see cref="Add"/> takes a short lock and never allocates.
/// </summary>
public sealed class WindowedCounter
{
    /// <summary>How far back <see cref="CountSince"/> can see.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(8);

    private static readonly int Slots = (int)(Horizon.Ticks / TimeSpan.TicksPerMinute);

    private readonly TimeProvider _time;
    private readonly long[] _minute = new long[Slots];
    private readonly long[] _count = new long[Slots];
    private readonly Lock _gate = new();
    private long _total;

    /// <summary>A counter on <paramref name="timeProvider"/>'s clock.</summary>
    public WindowedCounter(TimeProvider timeProvider)
    {
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        Array.Fill(_minute, -1);
    }

    /// <summary>Events since start.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>Counts one event now.</summary>
    public void Add()
    {
        var minute = _time.GetUtcNow().UtcTicks / TimeSpan.TicksPerMinute;
        var slot = (int)(minute % Slots);

        // One lock for the slot's minute stamp and count together: a slot reused for a newer minute starts from zero.
        lock (_gate)
        {
            if (_minute[slot] != minute)
            {
                _minute[slot] = minute;
                _count[slot] = 0;
            }

            _count[slot]++;
        }

        Interlocked.Increment(ref _total);
    }

    /// <summary>Events in the whole minutes that overlap [<paramref name="from"/>, <paramref name="to"/>] (at most <see cref="Horizon"/> back).</summary>
    public long CountBetween(DateTimeOffset from, DateTimeOffset to)
    {
        var last = to.UtcTicks / TimeSpan.TicksPerMinute;
        var first = Math.Max(from.UtcTicks / TimeSpan.TicksPerMinute, last - Slots + 1);
        long sum = 0;
        lock (_gate)
        {
            for (var m = first; m <= last; m++)
            {
                var slot = (int)(m % Slots);
                if (_minute[slot] == m)
                {
                    sum += _count[slot];
                }
            }
        }

        return sum;
    }

    /// <summary>Events in the last <paramref name="window"/> up to now.</summary>
    public long CountSince(TimeSpan window)
    {
        var now = _time.GetUtcNow();
        return CountBetween(now - window, now);
    }
}
