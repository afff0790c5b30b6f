using MathNet.Numerics.Distributions;

namespace Conciergus.Core.Health;

/// <summary>Which way a figure moves over a window.</summary>
public enum TrendDirection
{
    /// <summary>No significant slope (or too few points).</summary>
    Stable,

    /// <summary>Significant positive slope.</summary>
    Increasing,

    /// <summary>Significant negative slope.</summary>
    Decreasing,
}

/// <summary>A trend verdict: least-squares slope, its two-sided p-value (t-test on the slope, n - 2 degrees of freedom), the direction.</summary>
/// <param name="Direction">Increasing / decreasing when p &lt; alpha, else stable.</param>
/// <param name="Slope">Slope per unit of x (per step for evenly spaced points).</param>
/// <param name="PValue">Two-sided p-value of the null hypothesis slope = 0 (1 when it cannot be computed).</param>
/// <param name="Points">Points used (nulls skipped).</param>
public sealed record TrendResult(TrendDirection Direction, double Slope, double PValue, int Points)
{
    /// <summary>"increasing", "decreasing" or "stable".</summary>
    public string Name => Direction.ToString().ToLowerInvariant();
}

/// <summary>
/// Trend detection (issue 18 item 4): ordinary least squares of y on x and the t-test of the slope
/// (t = b / SE(b), SE(b) = sqrt(SSE / (n - 2) / Sxx)), not a comparison of two points.
/// </summary>
public static class Trend
{
    /// <summary>Fewest points a slope is tested on.</summary>
    public const int MinPoints = 5;

    /// <summary>Points a window is cut into for its trend (alert rules, the Overview's key figures).</summary>
    public const int WindowPoints = 20;

    /// <summary>
    /// The step a window's trend is read at: the window over <see cref="WindowPoints"/>, rounded up to a whole multiple
    /// of the coarsest ring step not above it, so that no bucket is counted in two points.
    /// </summary>
    public static TimeSpan StepFor(TimeSpan window, IReadOnlyList<TimeSpan> ringSteps)
    {
        ArgumentNullException.ThrowIfNull(ringSteps);
        var raw = Math.Max(1, window.Ticks / WindowPoints);
        var unit = ringSteps.Where(s => s.Ticks <= raw).DefaultIfEmpty(ringSteps.Min()).Max();
        return TimeSpan.FromTicks((raw + unit.Ticks - 1) / unit.Ticks * unit.Ticks);
    }

    /// <summary>The trend of evenly spaced values (x = 0, 1, 2, ...; nulls are skipped, keeping their x).</summary>
    public static TrendResult Of(IReadOnlyList<double?> values, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(values);
        var points = new List<(double X, double Y)>(values.Count);
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } v && double.IsFinite(v))
            {
                points.Add((i, v));
            }
        }

        return Of(points, alpha);
    }

    /// <summary>The trend of (x, y) points.</summary>
    public static TrendResult Of(IReadOnlyList<(double X, double Y)> points, double alpha = 0.05)
    {
        ArgumentNullException.ThrowIfNull(points);
        var n = points.Count;
        if (n < MinPoints)
        {
            return new(TrendDirection.Stable, 0, 1, n);
        }

        double mx = 0, my = 0;
        foreach (var (x, y) in points)
        {
            mx += x;
            my += y;
        }

        mx /= n;
        my /= n;
        double sxx = 0, sxy = 0;
        foreach (var (x, y) in points)
        {
            sxx += (x - mx) * (x - mx);
            sxy += (x - mx) * (y - my);
        }

        if (sxx == 0)
        {
            return new(TrendDirection.Stable, 0, 1, n);
        }

        var slope = sxy / sxx;
        var intercept = my - (slope * mx);
        double sse = 0;
        foreach (var (x, y) in points)
        {
            var e = y - (intercept + (slope * x));
            sse += e * e;
        }

        var df = n - 2;
        var se = Math.Sqrt(sse / df / sxx);
        double p;
        if (se == 0)
        {
            p = slope == 0 ? 1 : 0; // a perfect line: the slope is certain
        }
        else
        {
            var t = slope / se;
            p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        }

        var direction = p < alpha ? (slope > 0 ? TrendDirection.Increasing : TrendDirection.Decreasing) : TrendDirection.Stable;
        return new(direction, slope, p, n);
    }
}
