using MathNet.Numerics.Distributions;

namespace Conciergus.Core.Experiments;

/// <summary>Summary statistics of one sample: count, mean and (unbiased, n - 1) variance.</summary>
/// <param name="Count">Sample size.</param>
/// <param name="Mean">Sample mean.</param>
/// <param name="Variance">Sample variance with the n - 1 denominator.</param>
public readonly record struct SampleSummary(long Count, double Mean, double Variance)
{
    /// <summary>From sums: n, sum of x and sum of x squared.</summary>
    public static SampleSummary FromSums(long count, double sum, double sumOfSquares)
    {
        if (count <= 0)
        {
            return new SampleSummary(0, 0, 0);
        }

        var mean = sum / count;
        // Sum-of-squares form; clamp the tiny negative values cancellation can produce.
        var variance = count > 1 ? Math.Max(0, (sumOfSquares - (count * mean * mean)) / (count - 1)) : 0;
        return new SampleSummary(count, mean, variance);
    }

    /// <summary>A proportion: successes out of count, variance p(1 - p).</summary>
    public static SampleSummary Proportion(long successes, long count)
    {
        if (count <= 0)
        {
            return new SampleSummary(0, 0, 0);
        }

        var p = (double)successes / count;
        return new SampleSummary(count, p, p * (1 - p));
    }
}

/// <summary>A test result: statistic, degrees of freedom (NaN when not applicable) and two-sided p-value.</summary>
/// <param name="Statistic">t, z or chi-square.</param>
/// <param name="DegreesOfFreedom">Degrees of freedom, NaN for z.</param>
/// <param name="PValue">Two-sided p-value (upper tail for chi-square).</param>
public readonly record struct TestResult(double Statistic, double DegreesOfFreedom, double PValue);

/// <summary>A relative lift (treatment / control - 1) with an interval.</summary>
/// <param name="Lift">Point estimate.</param>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
/// <param name="StandardError">Delta-method standard error of the lift.</param>
public readonly record struct LiftInterval(double Lift, double Low, double High, double StandardError);

/// <summary>The statistics of DESIGN.md section 8, on MathNet.Numerics distributions.</summary>
public static class ExperimentStatistics
{
    /// <summary>
    /// Welch's unequal-variance t-test of treatment against control: t = (m1 - m0) / sqrt(v1/n1 + v0/n0),
    /// Welch-Satterthwaite df = (v1/n1 + v0/n0)^2 / ((v1/n1)^2/(n1 - 1) + (v0/n0)^2/(n0 - 1)), two-sided p from Student's t.
    /// </summary>
    public static TestResult WelchTTest(SampleSummary control, SampleSummary treatment)
    {
        if (control.Count < 2 || treatment.Count < 2)
        {
            return new TestResult(double.NaN, double.NaN, double.NaN);
        }

        var a = control.Variance / control.Count;
        var b = treatment.Variance / treatment.Count;
        var se2 = a + b;
        if (se2 <= 0)
        {
            // Both samples constant: equal means mean no evidence, different means are certain.
            return treatment.Mean == control.Mean ? new TestResult(0, double.NaN, 1) : new TestResult(double.PositiveInfinity, double.NaN, 0);
        }

        var t = (treatment.Mean - control.Mean) / Math.Sqrt(se2);
        var df = se2 * se2 / ((a * a / (control.Count - 1)) + (b * b / (treatment.Count - 1)));
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return new TestResult(t, df, Math.Min(1, p));
    }

    /// <summary>
    /// Two-proportion z-test with the pooled proportion: z = (p1 - p0) / sqrt(p(1 - p)(1/n0 + 1/n1)), two-sided p from the normal.
    /// </summary>
    public static TestResult TwoProportionZTest(long controlSuccesses, long controlCount, long treatmentSuccesses, long treatmentCount)
    {
        if (controlCount <= 0 || treatmentCount <= 0)
        {
            return new TestResult(double.NaN, double.NaN, double.NaN);
        }

        var p0 = (double)controlSuccesses / controlCount;
        var p1 = (double)treatmentSuccesses / treatmentCount;
        var pooled = (double)(controlSuccesses + treatmentSuccesses) / (controlCount + treatmentCount);
        var se = Math.Sqrt(pooled * (1 - pooled) * ((1.0 / controlCount) + (1.0 / treatmentCount)));
        if (se <= 0)
        {
            return new TestResult(0, double.NaN, 1);
        }

        var z = (p1 - p0) / se;
        return new TestResult(z, double.NaN, Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z))));
    }

    /// <summary>
    /// Relative lift m1/m0 - 1 with a delta-method interval: Var = v1/(n1 m0^2) + m1^2 v0/(n0 m0^4),
    /// bounds lift -/+ z(1 - alpha/2) * sqrt(Var). NaN when the control mean is 0.
    /// </summary>
    public static LiftInterval RelativeLift(SampleSummary control, SampleSummary treatment, double alpha)
    {
        var se = LiftStandardError(control, treatment);
        var lift = control.Mean == 0 ? double.NaN : (treatment.Mean / control.Mean) - 1;
        var z = Normal.InvCDF(0, 1, 1 - (alpha / 2));
        return new LiftInterval(lift, lift - (z * se), lift + (z * se), se);
    }

    /// <summary>
    /// The Wald test that belongs to <see cref="RelativeLift"/>: z = lift / se(delta method), two-sided p = 2 Phi(-|z|).
    /// Its p-value is below alpha exactly when the (1 - alpha) delta-method interval excludes 0, so the two never disagree.
    /// </summary>
    public static TestResult RelativeLiftTest(SampleSummary control, SampleSummary treatment)
    {
        var se = LiftStandardError(control, treatment);
        if (double.IsNaN(se))
        {
            return new TestResult(double.NaN, double.NaN, double.NaN);
        }

        var lift = (treatment.Mean / control.Mean) - 1;
        if (se <= 0)
        {
            return lift == 0 ? new TestResult(0, double.NaN, 1) : new TestResult(double.PositiveInfinity, double.NaN, 0);
        }

        var z = lift / se;
        return new TestResult(z, double.NaN, Math.Min(1, 2 * Normal.CDF(0, 1, -Math.Abs(z))));
    }

    /// <summary>
    /// Cohen's d of treatment against control: (m1 - m0) / s, with the pooled standard deviation
    /// s = sqrt(((n0 - 1) v0 + (n1 - 1) v1) / (n0 + n1 - 2)). NaN with fewer than two observations per arm or s = 0.
    /// </summary>
    public static double CohensD(SampleSummary control, SampleSummary treatment)
    {
        if (control.Count < 2 || treatment.Count < 2)
        {
            return double.NaN;
        }

        var pooled = (((control.Count - 1) * control.Variance) + ((treatment.Count - 1) * treatment.Variance)) / (control.Count + treatment.Count - 2);
        return pooled > 0 ? (treatment.Mean - control.Mean) / Math.Sqrt(pooled) : double.NaN;
    }

    /// <summary>Cohen's h of two proportions: 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)) (treatment minus control).</summary>
    public static double CohensH(double controlProportion, double treatmentProportion)
    {
        if (!(controlProportion is >= 0 and <= 1) || !(treatmentProportion is >= 0 and <= 1))
        {
            return double.NaN;
        }

        return (2 * Math.Asin(Math.Sqrt(treatmentProportion))) - (2 * Math.Asin(Math.Sqrt(controlProportion)));
    }

    /// <summary>Delta-method standard error of the relative lift.</summary>
    public static double LiftStandardError(SampleSummary control, SampleSummary treatment)
    {
        if (control.Count <= 0 || treatment.Count <= 0 || control.Mean == 0)
        {
            return double.NaN;
        }

        var m0 = control.Mean;
        var variance = (treatment.Variance / (treatment.Count * m0 * m0))
            + (treatment.Mean * treatment.Mean * control.Variance / (control.Count * m0 * m0 * m0 * m0));
        return Math.Sqrt(variance);
    }

    /// <summary>
    /// Sample ratio mismatch: Pearson's chi-square of the observed counts against the configured weights
    /// (normalised), df = k - 1, p = 1 - ChiSquared(df).CDF(statistic).
    /// </summary>
    public static TestResult SampleRatioMismatch(IReadOnlyList<long> observed, IReadOnlyList<double> weights)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(weights);
        if (observed.Count != weights.Count || observed.Count < 2)
        {
            throw new ArgumentException("Need at least two variants and one weight per variant.", nameof(weights));
        }

        var total = observed.Sum();
        var weightSum = weights.Sum();
        if (total == 0 || weightSum <= 0)
        {
            return new TestResult(0, observed.Count - 1, 1);
        }

        var chi = 0.0;
        for (var i = 0; i < observed.Count; i++)
        {
            var expected = total * weights[i] / weightSum;
            if (expected > 0)
            {
                var d = observed[i] - expected;
                chi += d * d / expected;
            }
        }

        var df = observed.Count - 1;
        return new TestResult(chi, df, Math.Clamp(1 - ChiSquared.CDF(df, chi), 0, 1));
    }

    /// <summary>
    /// The tuning parameter of the asymptotic confidence sequence, chosen (Waudby-Smith et al. 2021, section on
    /// choosing rho) so the sequence is tightest after <paramref name="plannedSampleSize"/> observations:
    /// rho^2 = (-2 ln alpha + ln(-2 ln alpha + 1)) / n*. It applies to data standardised by its sample
    /// standard deviation, which makes the tightest point n* whatever the metric's scale.
    /// </summary>
    public static double ConfidenceSequenceRho(double alpha, long plannedSampleSize)
    {
        var l = -2 * Math.Log(alpha);
        return Math.Sqrt((l + Math.Log(l + 1)) / Math.Max(1, plannedSampleSize));
    }

    /// <summary>
    /// Radius of the asymptotic confidence sequence (Waudby-Smith, Arbour, Sinha, Kennedy, Ramdas 2021,
    /// "Time-uniform central limit theory and asymptotic confidence sequences", Theorem 2.2):
    /// r_n = sqrt( 2 (n rho^2 sigma^2 + 1) / (n^2 rho^2) * ln( sqrt(n rho^2 sigma^2 + 1) / alpha ) ).
    /// Here sigma is the per-observation standard deviation of the estimator's influence function and n the
    /// number of observations; with rho' = rho / sigma (see <see cref="ConfidenceSequenceRho"/>) this is
    /// sigma * sqrt(2 (n rho^2 + 1) / (n^2 rho^2) * ln(sqrt(n rho^2 + 1) / alpha)).
    /// </summary>
    public static double ConfidenceSequenceRadius(long n, double sigma, double rho, double alpha)
    {
        if (n <= 0 || !(sigma >= 0) || rho <= 0)
        {
            return double.NaN;
        }

        var a = n * rho * rho;
        return sigma * Math.Sqrt(2 * (a + 1) / (n * (double)n * rho * rho) * Math.Log(Math.Sqrt(a + 1) / alpha));
    }

    /// <summary>
    /// The anytime-valid p-value of the same sequence: the smallest alpha whose sequence excludes 0, solved in
    /// closed form from |estimate| = r_n(alpha): p = min(1, sqrt(n rho^2 + 1) * exp(-estimate^2 n^2 rho^2 / (2 sigma^2 (n rho^2 + 1)))).
    /// </summary>
    public static double ConfidenceSequencePValue(double estimate, long n, double sigma, double rho)
    {
        if (n <= 0 || !(sigma > 0) || rho <= 0 || double.IsNaN(estimate))
        {
            return double.NaN;
        }

        var a = n * rho * rho;
        var exponent = -(estimate * estimate) * n * (double)n * rho * rho / (2 * sigma * sigma * (a + 1));
        return Math.Min(1, Math.Sqrt(a + 1) * Math.Exp(exponent));
    }

    /// <summary>The power the sample size is planned for (and the power tile calls "reached").</summary>
    public const double TargetPower = 0.8;

    /// <summary>
    /// Sample size per variant for a two-sided test at <paramref name="alpha"/> with <paramref name="power"/> to detect
    /// an absolute difference <paramref name="delta"/>: n = (z(1 - alpha/2) + z(power))^2 (v0 + v1) / delta^2.
    /// </summary>
    public static double RequiredSampleSizePerVariant(double controlVariance, double treatmentVariance, double delta, double alpha, double power = TargetPower)
    {
        if (delta == 0 || double.IsNaN(delta))
        {
            return double.PositiveInfinity;
        }

        var z = Normal.InvCDF(0, 1, 1 - (alpha / 2)) + Normal.InvCDF(0, 1, power);
        return z * z * (controlVariance + treatmentVariance) / (delta * delta);
    }

    /// <summary>
    /// Power of the two-sided test to detect an absolute difference <paramref name="delta"/> with these samples:
    /// Phi(|delta| / sqrt(v0/n0 + v1/n1) - z(1 - alpha/2)) (the far tail is ignored).
    /// </summary>
    public static double Power(SampleSummary control, SampleSummary treatment, double delta, double alpha)
    {
        if (control.Count <= 0 || treatment.Count <= 0)
        {
            return 0;
        }

        var se = Math.Sqrt((control.Variance / control.Count) + (treatment.Variance / treatment.Count));
        if (se <= 0)
        {
            return delta == 0 ? 0 : 1;
        }

        return Normal.CDF(0, 1, (Math.Abs(delta) / se) - Normal.InvCDF(0, 1, 1 - (alpha / 2)));
    }
}
