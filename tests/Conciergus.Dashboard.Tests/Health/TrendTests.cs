using Conciergus.Core.Health;

namespace Conciergus.Dashboard.Tests.Health;

public sealed class TrendTests
{
    [Fact]
    public void Of_SyntheticSeriesWithKnownSlopeAndNoise_RecoversSlopeAndSaysIncreasing()
    {
        // y = 2 + 0.5 x + noise, noise a fixed +-1 alternation: the OLS slope is 0.5 up to the alternation's own slope.
        var values = Enumerable.Range(0, 60).Select(x => (double?)(2 + (0.5 * x) + (x % 2 == 0 ? 1 : -1))).ToArray();

        var trend = Trend.Of(values);

        Assert.Equal(TrendDirection.Increasing, trend.Direction);
        Assert.Equal(0.5, trend.Slope, 2);
        Assert.True(trend.PValue < 1e-10);
    }

    [Fact]
    public void Of_SmallNoisySeries_SlopeAndPValueMatchAnIndependentComputation()
    {
        // x = 0..9, y = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3]. Reference computed apart from MathNet (plain Python): slope
        // Sxy / Sxx = 22.5 / 82.5 = 0.272727..., t = 1.00335 on 8 df, two-sided p by Simpson integration of the t density = 0.34507.
        double?[] y = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];

        var trend = Trend.Of(y);

        Assert.Equal(0.272727273, trend.Slope, 6);
        Assert.Equal(0.34507, trend.PValue, 4);
        Assert.Equal(TrendDirection.Stable, trend.Direction);
    }

    [Theory]
    [InlineData(-3.0, TrendDirection.Decreasing)]
    [InlineData(0.0, TrendDirection.Stable)]
    [InlineData(3.0, TrendDirection.Increasing)]
    public void Of_LinePlusSymmetricNoise_DirectionFollowsTheSlope(double slope, TrendDirection expected)
    {
        var noise = new[] { 5.0, -3.0, 1.0, -5.0, 3.0, -1.0 };
        var values = Enumerable.Range(0, 30).Select(x => (double?)(100 + (slope * x) + noise[x % noise.Length])).ToArray();

        Assert.Equal(expected, Trend.Of(values).Direction);
    }

    [Fact]
    public void Of_TooFewPointsOrGaps_StableAndGapsSkipped()
    {
        Assert.Equal(TrendDirection.Stable, Trend.Of([1.0, 2.0, 3.0]).Direction);
        var withGaps = Trend.Of([1.0, null, 3.0, null, 5.0, 6.0, 7.0]);
        Assert.Equal(5, withGaps.Points);
        Assert.Equal(1.0, withGaps.Slope, 9);
    }
}
