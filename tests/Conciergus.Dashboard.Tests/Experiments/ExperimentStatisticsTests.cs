using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <remarks>
/// Reference values were computed independently in Python with mpmath 1.3 (30 significant digits): Student's t
/// tail through the regularized incomplete beta I_{df/(df+t^2)}(df/2, 1/2), the normal tail through mpmath.ncdf,
/// the chi-square tail through the regularized upper incomplete gamma Q(k/2, x/2), quantiles through erfinv.
/// </remarks>
public sealed class ExperimentStatisticsTests
{
    [Fact]
    public void WelchTTest_WikipediaExample1_MatchesReference()
    {
        // Wikipedia, "Welch's t-test", example 1 (two samples of 15): t = 2.46, df = 24.99, p = 0.021 (textbook);
        // mpmath: t = 2.455356398286, df = 24.988529290231, p = 0.021378001463.
        double[] a1 = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
        double[] a2 = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

        var result = ExperimentStatistics.WelchTTest(Summary(a1), Summary(a2));

        Assert.Equal(2.455356398286, result.Statistic, 9);
        Assert.Equal(24.988529290231, result.DegreesOfFreedom, 8);
        Assert.Equal(0.021378001463, result.PValue, 9);
    }

    [Fact]
    public void WelchTTest_UnequalSizesAndVariances_MatchesReference()
    {
        // Latency-like summaries: control n=40 mean 812 sd 120, treatment n=55 mean 760 sd 95.
        // mpmath: t = -2.271433519646, df = 71.871429215032, p = 0.026116468124.
        var result = ExperimentStatistics.WelchTTest(new SampleSummary(40, 812, 120 * 120), new SampleSummary(55, 760, 95 * 95));

        Assert.Equal(-2.271433519646, result.Statistic, 9);
        Assert.Equal(71.871429215032, result.DegreesOfFreedom, 8);
        Assert.Equal(0.026116468124, result.PValue, 9);
    }

    [Fact]
    public void WelchTTest_TooFewSamples_ReturnsNaN() =>
        Assert.True(double.IsNaN(ExperimentStatistics.WelchTTest(new SampleSummary(1, 1, 0), new SampleSummary(5, 2, 1)).PValue));

    [Theory]
    // mpmath: 200/1000 vs 240/1000 -> z = 2.159167585438, p = 0.030837167829; 9500/10000 vs 9420/10000 -> z = -2.502836852594, p = 0.012320232200.
    [InlineData(200, 1000, 240, 1000, 2.159167585438, 0.030837167829)]
    [InlineData(9500, 10000, 9420, 10000, -2.502836852594, 0.012320232200)]
    public void TwoProportionZTest_Table_MatchesReference(long s0, long n0, long s1, long n1, double z, double p)
    {
        var result = ExperimentStatistics.TwoProportionZTest(s0, n0, s1, n1);

        Assert.Equal(z, result.Statistic, 9);
        Assert.Equal(p, result.PValue, 9);
    }

    [Fact]
    public void RelativeLift_Proportions_DeltaMethodIntervalMatchesReference()
    {
        // 0.20 -> 0.24 with n = 1000 each: lift 0.2; Var = v1/(n1 m0^2) + m1^2 v0/(n0 m0^4), se = 0.101587400794;
        // 95% interval 0.2 -/+ 1.959963984540 * se = [0.000892353162, 0.399107646838] (mpmath).
        var result = ExperimentStatistics.RelativeLift(SampleSummary.Proportion(200, 1000), SampleSummary.Proportion(240, 1000), 0.05);

        Assert.Equal(0.2, result.Lift, 9);
        Assert.Equal(0.101587400794, result.StandardError, 9);
        Assert.Equal(0.000892353162, result.Low, 9);
        Assert.Equal(0.399107646838, result.High, 9);
    }

    [Theory]
    // The issue's examples, and mpmath: Q(1/2, 18.1818/2) = 2.00786561e-5, Q(1/2, 0.8) = 0.205903210732,
    // Q(1/2, 0.20915/2) = 0.647434185702; three arms [3000, 3050, 2900] equal: chi2 = 3.910614525, p = 0.141520985911.
    [InlineData(new long[] { 1000, 1200 }, new[] { 0.5, 0.5 }, 2.00786561e-5, true)]
    [InlineData(new long[] { 135, 115 }, new[] { 0.5, 0.5 }, 0.205903210732, false)]
    [InlineData(new long[] { 310, 98 }, new[] { 0.75, 0.25 }, 0.647434185702, false)]
    [InlineData(new long[] { 3000, 3050, 2900 }, new[] { 1 / 3.0, 1 / 3.0, 1 / 3.0 }, 0.141520985911, false)]
    public void SampleRatioMismatch_IssueExamples_MatchReference(long[] observed, double[] weights, double expectedP, bool mismatch)
    {
        var result = ExperimentStatistics.SampleRatioMismatch(observed, weights);

        Assert.Equal(expectedP, result.PValue, expectedP < 1e-3 ? 12 : 9);
        Assert.Equal(mismatch, result.PValue < ExperimentAnalyzer.SrmThreshold);
    }

    [Fact]
    public void ConfidenceSequence_RadiusAndRho_MatchReference()
    {
        // rho^2 = (-2 ln 0.05 + ln(-2 ln 0.05 + 1)) / 1000 -> rho = 0.089085097529;
        // r(1000, sigma 1) = 0.095981735842; r(10000, sigma 2.5) = 0.081043078635 (mpmath, formula in the method's comment).
        var rho = ExperimentStatistics.ConfidenceSequenceRho(0.05, 1000);

        Assert.Equal(0.089085097529, rho, 11);
        Assert.Equal(0.095981735842, ExperimentStatistics.ConfidenceSequenceRadius(1000, 1, rho, 0.05), 11);
        Assert.Equal(0.081043078635, ExperimentStatistics.ConfidenceSequenceRadius(10000, 2.5, rho, 0.05), 11);
    }

    [Fact]
    public void ConfidenceSequence_IsWiderThanFixedInterval_AndPValueInvertsIt()
    {
        var rho = ExperimentStatistics.ConfidenceSequenceRho(0.05, 1000);
        var radius = ExperimentStatistics.ConfidenceSequenceRadius(1000, 1, rho, 0.05);

        // The price of looking any time: wider than the fixed 1.96 / sqrt(1000) = 0.061979503230.
        Assert.True(radius > 0.0619795);
        // p at the boundary is alpha; mpmath: p(0.1, n 1000, sigma 1) = 0.035245319746.
        Assert.Equal(0.05, ExperimentStatistics.ConfidenceSequencePValue(radius, 1000, 1, rho), 9);
        Assert.Equal(0.035245319746, ExperimentStatistics.ConfidenceSequencePValue(0.1, 1000, 1, rho), 9);
    }

    [Fact]
    public void RequiredSampleSize_AndPower_MatchReference()
    {
        // (1.959963984540 + 0.841621233573)^2 * (0.16 + 0.16) / 0.01^2 = 25116.415149917 per variant (mpmath);
        // power with n = 1000 each, variances 0.16 and 0.1824, difference 0.02: Phi(0.02 / sqrt(0.16/1000 + 0.1824/1000) - 1.959963984540) = 0.189668180108.
        Assert.Equal(25116.415149917, ExperimentStatistics.RequiredSampleSizePerVariant(0.16, 0.16, 0.01, 0.05), 6);
        Assert.Equal(0.189668180108, ExperimentStatistics.Power(new SampleSummary(1000, 0.2, 0.16), new SampleSummary(1000, 0.22, 0.1824), 0.02, 0.05), 9);
    }

    [Fact]
    public void SampleSummary_FromSums_MatchesTwoPassVariance()
    {
        double[] x = [3, 5, 7, 11];
        var s = SampleSummary.FromSums(x.Length, x.Sum(), x.Sum(v => v * v));

        // By hand: mean 6.5, squared deviations 12.25 + 2.25 + 0.25 + 20.25 = 35, variance 35 / 3.
        Assert.Equal(6.5, s.Mean, 12);
        Assert.Equal(35 / 3.0, s.Variance, 12);
    }

    private static SampleSummary Summary(double[] x)
    {
        var mean = x.Average();
        return new SampleSummary(x.Length, mean, x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1));
    }
}
