namespace Conciergus.Core.Experiments;

/// <summary>Results of an experiment (the JSON of GET /api/v1/experiments/{key}/results).</summary>
public sealed record ExperimentResults
{
    /// <summary>Experiment key.</summary>
    public required string Key { get; init; }

    /// <summary>State when computed.</summary>
    public ExperimentState State { get; init; }

    /// <summary>Whether intervals and p-values are anytime-valid (confidence sequences) or fixed-horizon.</summary>
    public bool Sequential { get; init; }

    /// <summary>Significance level alpha.</summary>
    public double SignificanceLevel { get; init; }

    /// <summary>Primary metric.</summary>
    public string PrimaryMetric { get; init; } = "";

    /// <summary>Per variant, control first.</summary>
    public required IReadOnlyList<VariantResult> Variants { get; init; }

    /// <summary>Sample ratio mismatch check.</summary>
    public required SrmResult Srm { get; init; }

    /// <summary>What to do next, and why.</summary>
    public required Recommendation Recommendation { get; init; }

    /// <summary>Power for the primary metric and the users still needed.</summary>
    public PowerResult? Power { get; init; }

    /// <summary>When computed.</summary>
    public DateTimeOffset ComputedAt { get; init; }
}

/// <summary>One variant's figures.</summary>
public sealed record VariantResult
{
    /// <summary>Variant key.</summary>
    public required string Key { get; init; }

    /// <summary>Distinct users with at least one operation or event.</summary>
    public long Users { get; init; }

    /// <summary>Operations tagged with the variant.</summary>
    public long Operations { get; init; }

    /// <summary>
    /// Calls of users assigned to this variant that the experiment could not be applied to (a variant's model is not
    /// served by the call's provider): sent unchanged, not tagged and not in the figures. Counted since the server started.
    /// </summary>
    public long NotApplicable { get; init; }

    /// <summary>Metric name -> figures.</summary>
    public required IReadOnlyDictionary<string, MetricResult> Metrics { get; init; }
}

/// <summary>One metric for one variant; lift, interval and p-value are against control (null for control).</summary>
public sealed record MetricResult
{
    /// <summary>Mean (a proportion for rates, the p95 itself for latency_p95).</summary>
    public double? Mean { get; init; }

    /// <summary>Sample variance (n - 1).</summary>
    public double? Variance { get; init; }

    /// <summary>Sample size.</summary>
    public long Count { get; init; }

    /// <summary>Relative lift against control.</summary>
    public double? Lift { get; init; }

    /// <summary>Lower bound of the lift's interval.</summary>
    public double? CiLow { get; init; }

    /// <summary>Upper bound of the lift's interval.</summary>
    public double? CiHigh { get; init; }

    /// <summary>
    /// p-value against control from the same method as the interval (<see cref="Method"/>), so it is below alpha exactly
    /// when the interval excludes 0 (anytime-valid when sequential).
    /// </summary>
    public double? PValue { get; init; }

    /// <summary>
    /// How the interval and <see cref="PValue"/> were computed: <c>delta_method</c> (fixed horizon: relative lift with a
    /// delta-method standard error and its Wald z-test) or <c>confidence_sequence</c> (sequential, anytime-valid).
    /// </summary>
    public string? Method { get; init; }

    /// <summary>
    /// Fixed horizon only: p-value of the test of the absolute difference (Welch's t-test for means, the pooled
    /// two-proportion z-test for rates). It tests the difference rather than the ratio, with a pooled or Welch
    /// standard error, so near alpha it can disagree with <see cref="PValue"/>; decisions use <see cref="PValue"/>.
    /// </summary>
    public double? DifferencePValue { get; init; }

    /// <summary>Cohen's d against control (means): difference of means over the pooled standard deviation.</summary>
    public double? CohensD { get; init; }

    /// <summary>Cohen's h against control (proportions): 2 asin(sqrt(p1)) - 2 asin(sqrt(p0)).</summary>
    public double? CohensH { get; init; }
}

/// <summary>Names of <see cref="MetricResult.Method"/>.</summary>
public static class StatisticalMethods
{
    /// <summary>Fixed horizon: delta-method interval on the relative lift and the Wald z-test of the same estimate.</summary>
    public const string DeltaMethod = "delta_method";

    /// <summary>Sequential: asymptotic confidence sequence on the relative lift and its anytime-valid p-value.</summary>
    public const string ConfidenceSequence = "confidence_sequence";
}

/// <summary>Sample ratio mismatch: chi-square p-value of users per variant against the weights; mismatch when p &lt; 0.001.</summary>
/// <param name="PValue">p-value (null before any user).</param>
/// <param name="Mismatch">Whether the split is suspicious.</param>
public sealed record SrmResult(double? PValue, bool Mismatch);

/// <summary>Recommendation actions.</summary>
public static class RecommendationActions
{
    /// <summary>Keep collecting.</summary>
    public const string Continue = "continue";

    /// <summary>Stop and ship the winner.</summary>
    public const string StopWinner = "stop_winner";

    /// <summary>Stop; keep control.</summary>
    public const string StopNoWinner = "stop_no_winner";

    /// <summary>The planned duration ended without enough data: run longer.</summary>
    public const string ExtendDuration = "extend_duration";
}

/// <summary>A recommendation with its reason in words.</summary>
/// <param name="Action">One of <see cref="RecommendationActions"/>.</param>
/// <param name="Reason">Why.</param>
/// <param name="Winner">The winning variant for stop_winner.</param>
public sealed record Recommendation(string Action, string Reason, string? Winner = null);

/// <summary>Power of the primary metric at the minimum detectable effect.</summary>
/// <param name="MinimumDetectableEffect">Relative effect the figures are for.</param>
/// <param name="Achieved">Power reached with the users so far (smallest over treatments).</param>
/// <param name="RequiredPerVariant">Sample size per variant for 80% power (null when unknown).</param>
/// <param name="RemainingPerVariant">Still needed per variant (null when unknown).</param>
public sealed record PowerResult(double MinimumDetectableEffect, double Achieved, long? RequiredPerVariant, long? RemainingPerVariant);
