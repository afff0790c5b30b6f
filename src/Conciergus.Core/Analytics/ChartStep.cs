namespace Conciergus.Core.Analytics;

/// <summary>
/// The bucket a chart shows (issue 22 item 3), chosen like Grafana's automatic interval: from the window and the
/// chart's width, about <see cref="MinPoints"/> to <see cref="MaxPoints"/> points, a round step ("3s", "15m", "6h"),
/// and always a whole multiple of the ring step that holds the window, so each display bucket is an exact merge of
/// ring buckets (counts, tokens and cost summed, percentiles from merged sketches).
/// </summary>
public static class ChartStep
{
    /// <summary>Fewest points a chart aims for (a narrow chart still shows a shape, not a staircase).</summary>
    public const int MinPoints = 100;

    /// <summary>Most points a chart aims for (a wide chart does not draw noise a pixel apart).</summary>
    public const int MaxPoints = 300;

    /// <summary>Horizontal pixels per point.</summary>
    public const int PixelsPerPoint = 5;

    /// <summary>The width assumed until the browser has measured the chart (half of a 1440 px page).</summary>
    public const int DefaultWidthPx = 650;

    /// <summary>Round steps, finest first (each at most twice the previous, so the result is near the target).</summary>
    private static readonly TimeSpan[] RoundSteps =
    [
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5),
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30),
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(20), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(2), TimeSpan.FromHours(3), TimeSpan.FromHours(6),
        TimeSpan.FromHours(12), TimeSpan.FromDays(1), TimeSpan.FromDays(2), TimeSpan.FromDays(7),
    ];

    /// <summary>Points a chart <paramref name="widthPx"/> wide aims for: one per <see cref="PixelsPerPoint"/>, within [MinPoints, MaxPoints].</summary>
    public static int TargetPoints(int widthPx) =>
        Math.Clamp((widthPx > 0 ? widthPx : DefaultWidthPx) / PixelsPerPoint, MinPoints, MaxPoints);

    /// <summary>
    /// The display step for <paramref name="window"/> on a chart <paramref name="widthPx"/> wide (0 or less: not
    /// measured yet) when the cache answers the window in buckets of <paramref name="resolution"/>: the finest round
    /// step that is a whole multiple of the resolution and cuts the window into at most the target number of points.
    /// A window shorter than the target in ring buckets keeps the ring's step (the finest exact answer).
    /// </summary>
    public static TimeSpan Choose(TimeSpan window, int widthPx, TimeSpan resolution)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolution, TimeSpan.Zero);
        var target = TargetPoints(widthPx);

        // The smallest multiple of the resolution that fits the target: the answer for a resolution no round step is a
        // multiple of (a custom ring such as 7 s), and the bound a round step must stay near.
        var perPoint = (window.Ticks + target - 1) / target;
        var fitting = TimeSpan.FromTicks(Math.Max(1, (perPoint + resolution.Ticks - 1) / resolution.Ticks) * resolution.Ticks);
        foreach (var step in RoundSteps)
        {
            if (step >= resolution && step.Ticks % resolution.Ticks == 0 && Points(window, step) <= target)
            {
                // A round step far coarser than needed (7 d on a 7 s ring) would flatten the chart: keep the fitting one.
                return step <= fitting * 2 ? step : fitting;
            }
        }

        return fitting;
    }

    /// <summary>Points a window cut into <paramref name="step"/> holds (rounded up).</summary>
    public static long Points(TimeSpan window, TimeSpan step) => (window.Ticks + step.Ticks - 1) / step.Ticks;

    /// <summary>
    /// The time a rate of the bucket starting at <paramref name="start"/> is divided by: the whole step, except for
    /// the bucket in progress at <paramref name="to"/>, whose rate is its total over the time elapsed so far (at least
    /// one second, so a bucket a few milliseconds old does not read as a spike).
    /// </summary>
    public static TimeSpan Elapsed(DateTimeOffset start, TimeSpan step, DateTimeOffset to)
    {
        var elapsed = to - start;
        if (elapsed >= step)
        {
            return step;
        }

        var floor = step < TimeSpan.FromSeconds(1) ? step : TimeSpan.FromSeconds(1);
        return elapsed < floor ? floor : elapsed;
    }
}
