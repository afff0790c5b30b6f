using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Components.Experiments;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <summary>Issue 22 item 9: p-values, verdicts by the metric's direction, a power caption that agrees with the tile.</summary>
public sealed class ExperimentFormatTests
{
    [Theory]
    [InlineData(0.0, "p < 0.001")]
    [InlineData(0.00004, "p < 0.001")]
    [InlineData(0.001, "p = 0.001")]
    [InlineData(0.0475, "p = 0.048")]
    [InlineData(0.5, "p = 0.500")]
    [InlineData(0.9995, "p > 0.999")]
    [InlineData(1.0, "p > 0.999")]
    public void PValue_Extremes_NeverBareZeroOrOne(double p, string expected)
    {
        Assert.Equal(expected, ExperimentFormat.PValue(p));
    }

    [Theory]
    [InlineData(ExperimentMetrics.SuccessRate, 0.05, 0.01, MetricVerdict.Better)]    // higher is better, up
    [InlineData(ExperimentMetrics.SuccessRate, -0.05, 0.01, MetricVerdict.Worse)]
    [InlineData(ExperimentMetrics.Latency, 0.05, 0.01, MetricVerdict.Worse)]         // lower is better, up
    [InlineData(ExperimentMetrics.Latency, -0.05, 0.01, MetricVerdict.Better)]
    [InlineData(ExperimentMetrics.CostPerRequest, -0.2, 0.2, MetricVerdict.Neutral)] // not significant
    [InlineData("signup", 0.1, 0.001, MetricVerdict.Better)]                          // an event: higher is better
    public void Verdict_DirectionOfMetric_BetterOrWorse(string metric, double lift, double p, MetricVerdict expected)
    {
        var m = new MetricResult { Lift = lift, PValue = p, Count = 100 };

        Assert.Equal(expected, ExperimentFormat.Verdict(metric, m, alpha: 0.05));
    }

    [Theory]
    [InlineData(0.15, MetricVerdict.Worse)]   // p95 has no test: beyond the 10% tolerance counts
    [InlineData(0.05, MetricVerdict.Neutral)]
    [InlineData(-0.15, MetricVerdict.Better)]
    public void Verdict_LatencyP95WithoutTest_ToleranceDecides(double lift, MetricVerdict expected)
    {
        Assert.Equal(expected, ExperimentFormat.Verdict(ExperimentMetrics.LatencyP95, new MetricResult { Lift = lift }, 0.05));
    }

    [Theory]
    [InlineData(0.93, 0L, "80% reached")]
    [InlineData(0.42, 1200L, "below 80%: about 1,200 more per variant")]
    [InlineData(0.79, null, "below 80%")]
    public void PowerCaption_SameFigureAsTile_Agrees(double achieved, long? remaining, string expectedStart)
    {
        var caption = ExperimentFormat.PowerCaption(new PowerResult(0.05, achieved, 5000, remaining));

        Assert.StartsWith(expectedStart, caption, StringComparison.Ordinal);
    }

    [Fact]
    public void Lift_NegativeAndPositive_SignedWithTrueMinus()
    {
        Assert.Equal("+4.2%", ExperimentFormat.Lift(0.042));
        Assert.Equal("−3.0%", ExperimentFormat.Lift(-0.03));
        Assert.Equal("−1.0% to +9.4%", ExperimentFormat.Interval(-0.01, 0.094));
    }
}
