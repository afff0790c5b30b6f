using Conciergus.Dashboard.Components.Charts;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// Keeps one live chart up to date with only new points. The first push (and a push after the window or
/// filter changed) sends the whole window; every later push asks the read models for the last few steps only
/// and sends the points from the newest one already shown (whose bucket may still grow) onwards.
/// </summary>
internal sealed class ChartFeed
{
    private readonly Func<TimeSpan, TimeSpan, Task<IReadOnlyList<IReadOnlyList<ChartPoint>>>> _query;
    private long? _lastX;

    /// <param name="query">Lines (one per chart series, same order) over a window in steps of step, from memory.</param>
    public ChartFeed(Func<TimeSpan, TimeSpan, IReadOnlyList<IReadOnlyList<ChartPoint>>> query) =>
        _query = (window, step) => Task.FromResult(query(window, step));

    /// <param name="query">Lines over a window in steps of step; filtered lines may come from the operation store.</param>
    public ChartFeed(Func<TimeSpan, TimeSpan, Task<IReadOnlyList<IReadOnlyList<ChartPoint>>>> query) => _query = query;

    /// <summary>Points sent by the last push (for tests and diagnostics).</summary>
    public int LastPushPoints { get; private set; }

    /// <summary>Sends the window (reset) or the new points to <paramref name="chart"/>.</summary>
    public async Task PushAsync(LiveLineChart? chart, TimeSpan window, TimeSpan step, DateTimeOffset now, bool reset)
    {
        if (chart is null)
        {
            return;
        }

        if (reset || _lastX is not { } lastX)
        {
            var all = await _query(window, step);
            _lastX = Newest(all);
            LastPushPoints = all.Sum(l => l.Count);
            await chart.ResetAsync(all, window);
            return;
        }

        // The last shown step and everything after it: a small window, whole steps, on the same step grid.
        var since = now - DateTimeOffset.FromUnixTimeMilliseconds(lastX) + step;
        var seconds = Math.Ceiling(Math.Min(since.TotalSeconds, window.TotalSeconds));
        var lines = await _query(TimeSpan.FromSeconds(Math.Max(seconds, 1)), step);
        var fresh = lines.Select(l => (IReadOnlyList<ChartPoint>)l.Where(p => p.UnixMs >= lastX).ToArray()).ToArray();
        _lastX = Math.Max(lastX, Newest(fresh) ?? lastX);
        LastPushPoints = fresh.Sum(l => l.Count);
        if (LastPushPoints > 0)
        {
            await chart.AppendAsync(fresh);
        }
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
