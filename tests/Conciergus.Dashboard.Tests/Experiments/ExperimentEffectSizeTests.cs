using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <remarks>
/// Reference values computed independently in Python (math and mpmath 1.3) from the formulas written out:
/// delta-method lift test z = (m1/m0 - 1) / sqrt(v1/(n1 m0^2) + m1^2 v0/(n0 m0^4)), p = erfc(|z|/sqrt 2);
/// Welch p = I_{df/(df+t^2)}(df/2, 1/2) (mpmath.betainc, regularized);
/// Cohen's d = (m1 - m0) / sqrt(((n0-1) v0 + (n1-1) v1) / (n0 + n1 - 2)); Cohen's h = 2 asin(sqrt p1) - 2 asin(sqrt p0).
/// </remarks>
public sealed class ExperimentEffectSizeTests
{
    [Theory]
    // n0, m0, v0, n1, m1, v1, d
    [InlineData(100, 10.0, 100.0, 100, 7.5, 100.0, -0.25)] // pooled sd = sqrt((99*100 + 99*100)/198) = 10 -> -2.5/10
    [InlineData(50, 100.0, 400.0, 30, 110.0, 900.0, 0.413132348019743)] // pooled sd = sqrt((49*400 + 29*900)/78) = 24.2054...
    public void CohensD_Table_MatchesReference(long n0, double m0, double v0, long n1, double m1, double v1, double expected)
    {
        var d = ExperimentStatistics.CohensD(new SampleSummary(n0, m0, v0), new SampleSummary(n1, m1, v1));

        Assert.Equal(expected, d, 12);
    }

    [Theory]
    [InlineData(0.5, 0.6, 0.20135792079033066)]  // 2 asin(sqrt .6) - 2 asin(sqrt .5) = 1.7721542475852274 - 1.5707963267948966
    [InlineData(0.8, 0.9, 0.28379410920832804)]  // the same 10 points are a larger effect near the edge
    [InlineData(0.3, 0.3, 0.0)]
    public void CohensH_Table_MatchesReference(double p0, double p1, double expected)
    {
        Assert.Equal(expected, ExperimentStatistics.CohensH(p0, p1), 12);
    }

    [Theory]
    // The disagreement: the delta-method interval on the lift excluded 0 while Welch's p was 0.0786.
    // lift = -0.25, se = sqrt(0.01 + 0.005625) = 0.125, z = -2, p = erfc(2/sqrt 2) = 0.04550026389635844.
    [InlineData(100, 10.0, 100.0, 100, 7.5, 100.0, 0.04550026389635844)]
    // lift = 0.1, se = 0.0629920629920945, z = 1.58750158750238, p = 0.112399087706543.
    [InlineData(50, 100.0, 400.0, 30, 110.0, 900.0, 0.112399087706543)]
    public void RelativeLiftTest_Table_MatchesReference_AndAgreesWithTheInterval(long n0, double m0, double v0, long n1, double m1, double v1, double expectedP)
    {
        var control = new SampleSummary(n0, m0, v0);
        var treatment = new SampleSummary(n1, m1, v1);

        var test = ExperimentStatistics.RelativeLiftTest(control, treatment);
        var interval = ExperimentStatistics.RelativeLift(control, treatment, 0.05);

        Assert.Equal(expectedP, test.PValue, 12);
        Assert.Equal(test.PValue < 0.05, interval.Low > 0 || interval.High < 0);
    }

    [Fact]
    public void Analyze_FixedHorizon_IntervalAndPValueAgree_WelchReportedBeside()
    {
        // Arrange: latency means 10 vs 7.5, variance 100, 100 each (the case above): Welch p = 0.0786400532139644
        // (t = -1.767767, df = 198), delta-method p = 0.0455.
        var experiment = Experiment(sequential: false);
        var tally = Tally(new SampleSummary(100, 10, 100), new SampleSummary(100, 7.5, 100), successes: (50, 60));

        // Act
        var results = ExperimentAnalyzer.Analyze(experiment, tally, DateTimeOffset.UnixEpoch);

        // Assert
        var latency = results.Variants[1].Metrics[ExperimentMetrics.Latency];
        Assert.Equal(StatisticalMethods.DeltaMethod, latency.Method);
        Assert.True(latency.CiHigh < 0);
        Assert.True(latency.PValue < 0.05);
        Assert.Equal(0.0786400532139644, latency.DifferencePValue!.Value, 9);
        Assert.Equal(-0.25, latency.CohensD!.Value, 12);
        Assert.Null(latency.CohensH);
        var success = results.Variants[1].Metrics[ExperimentMetrics.SuccessRate];
        Assert.Equal(0.20135792079033066, success.CohensH!.Value, 12); // 50% -> 60%
        Assert.Null(success.CohensD);
        Assert.Equal(success.PValue < 0.05, success.CiLow > 0 || success.CiHigh < 0);
    }

    [Fact]
    public void Analyze_Sequential_IntervalAndPValueFromTheConfidenceSequence()
    {
        var experiment = Experiment(sequential: true);
        var tally = Tally(new SampleSummary(100, 10, 100), new SampleSummary(100, 7.5, 100), successes: (50, 60));

        var latency = ExperimentAnalyzer.Analyze(experiment, tally, DateTimeOffset.UnixEpoch).Variants[1].Metrics[ExperimentMetrics.Latency];

        Assert.Equal(StatisticalMethods.ConfidenceSequence, latency.Method);
        Assert.Null(latency.DifferencePValue);
        Assert.Equal(latency.PValue < 0.05, latency.CiLow > 0 || latency.CiHigh < 0);
        Assert.Equal(-0.25, latency.CohensD!.Value, 12);
    }

    private static Experiment Experiment(bool sequential) => new()
    {
        Key = "latency-test",
        State = ExperimentState.Running,
        Variants = [new ExperimentVariantDefinition { Key = "control", Weight = 0.5 }, new ExperimentVariantDefinition { Key = "treatment", Weight = 0.5 }],
        PrimaryMetric = ExperimentMetrics.Latency,
        Sequential = sequential,
        SignificanceLevel = 0.05,
    };

    private static TallySnapshot Tally(SampleSummary control, SampleSummary treatment, (long Control, long Treatment) successes)
    {
        static VariantSnapshot Variant(SampleSummary latency, long successes) =>
            new(latency.Count, successes, latency, default, default, default, double.NaN);

        return new TallySnapshot(
            new Dictionary<string, VariantSnapshot> { ["control"] = Variant(control, successes.Control), ["treatment"] = Variant(treatment, successes.Treatment) },
            new Dictionary<string, List<UserSnapshot>> { ["control"] = [], ["treatment"] = [] },
            0);
    }
}
