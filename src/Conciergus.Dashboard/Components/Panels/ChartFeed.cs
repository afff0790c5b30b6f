using Conciergus.Dashboard.Components.Charts;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// Keeps one live chart up to date with only new points. The first push (and a push after the window or
/// filter changed) sends the whole window; every later push asks the read models for the last few steps only
/// and sends the points from the newest one already shown (whose bucket may still grow) onwards.
/// </summary>
/// <param name="query">Lines (one per chart series, same order) over a window in steps of step.</param>
internal sealed class ChartFeed(Func<TimeSpan, TimeSpan, IReadOnlyList<IReadOnlyList<ChartPoint>>> query)
{
    private long? _lastX;

    /// <summary>Points sent by the last push (for tests and diagnostics).</summary>
    public int LastPushPoints { get; private set; }

    /// <summary>Sends the window (reset) or the new points to <paramref name="chart"/>.</summary>
    public Task PushAsync(LiveLineChart? chart, TimeSpan window, TimeSpan step, DateTimeOffset now, bool reset)
    {
        if (chart is null)
        {
            return Task.CompletedTask;
        }

        if (reset || _lastX is not { } lastX)
        {
            var all = query(window, step);
            _lastX = Newest(all);
            LastPushPoints = all.Sum(l => l.Count);
            return chart.ResetAsync(all, window);
        }

        // The last shown step and everything after it: a small window, whole steps, on the same step grid.
        var since = now - DateTimeOffset.FromUnixTimeMilliseconds(lastX) + step;
        var seconds = Math.Ceiling(Math.Min(since.TotalSeconds, window.TotalSeconds));
        var lines = query(TimeSpan.FromSeconds(Math.Max(seconds, 1)), step);
        var fresh = lines.Select(l => (IReadOnlyList<ChartPoint>)l.Where(p => p.UnixMs >= lastX).ToArray()).ToArray();
        _lastX = Math.Max(lastX, Newest(fresh) ?? lastX);
        LastPushPoints = fresh.Sum(l => l.Count);
        return LastPushPoints == 0 ? Task.CompletedTask : chart.AppendAsync(fresh);
    }

    private static long? Newest(IReadOnlyList<IReadOnlyList<ChartPoint>> lines)
    {
        long? newest = null;
        foreach (var line in lines)
        {
            if (line.Count > 0 && (newest is null || line[^1].UnixMs > newest))
            {
                newest = line[^1].UnixMs;
            }
        }

        return newest;
    }
}
