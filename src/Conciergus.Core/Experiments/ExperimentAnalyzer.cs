using System.Globalization;

namespace Conciergus.Core.Experiments;

/// <summary>Turns an experiment's tallies into <see cref="ExperimentResults"/>: per-variant metrics, tests, SRM, power and a recommendation.</summary>
internal static class ExperimentAnalyzer
{
    /// <summary>SRM is flagged below this p-value (the usual, deliberately strict threshold).</summary>
    public const double SrmThreshold = 0.001;

    /// <summary>A guardrail on latency_p95 regresses when the p95 is this much worse than control (no test exists for a sketch quantile).</summary>
    public const double P95Tolerance = ExperimentMetrics.P95Tolerance;

    private enum Kind
    {
        Proportion,
        Continuous,
        Quantile,
    }

    private readonly record struct Sample(Kind Kind, SampleSummary Summary, long Successes = 0);

    public static ExperimentResults Analyze(Experiment experiment, TallySnapshot? tally, DateTimeOffset now, IReadOnlyDictionary<string, long>? notApplicable = null)
    {
        var alpha = experiment.SignificanceLevel;
        var variantKeys = experiment.Variants.Select(v => v.Key).ToArray();
        var eventNames = EventNames(tally);
        var metrics = new List<string>(ExperimentMetrics.Operational);
        foreach (var name in new[] { experiment.PrimaryMetric }.Concat(experiment.GuardrailMetrics).Concat(eventNames))
        {
            if (!metrics.Contains(name, StringComparer.Ordinal))
            {
                metrics.Add(name);
            }
        }

        var samples = variantKeys.ToDictionary(
            v => v,
            v => metrics.ToDictionary(m => m, m => SampleOf(m, v, tally, eventNames), StringComparer.Ordinal),
            StringComparer.Ordinal);
        var users = variantKeys.Select(v => (long)(tally?.UsersByVariant.GetValueOrDefault(v)?.Count ?? 0)).ToArray();
        var totalUnits = new Dictionary<string, long>(StringComparer.Ordinal);
        var control = variantKeys[0];

        var variants = new List<VariantResult>(variantKeys.Length);
        for (var i = 0; i < variantKeys.Length; i++)
        {
            var key = variantKeys[i];
            var figures = new Dictionary<string, MetricResult>(StringComparer.Ordinal);
            foreach (var metric in metrics)
            {
                figures[metric] = i == 0
                    ? Describe(samples[key][metric])
                    : Compare(experiment, samples[control][metric], samples[key][metric], alpha);
            }

            variants.Add(new VariantResult
            {
                Key = key,
                Users = users[i],
                Operations = tally?.Variants.GetValueOrDefault(key)?.Operations ?? 0,
                NotApplicable = notApplicable?.GetValueOrDefault(key) ?? 0,
                Metrics = figures,
            });
        }

        var srm = Srm(experiment, users);
        var power = Power(experiment, samples, variantKeys);
        return new ExperimentResults
        {
            Key = experiment.Key,
            State = experiment.State,
            Sequential = experiment.Sequential,
            SignificanceLevel = alpha,
            PrimaryMetric = experiment.PrimaryMetric,
            Variants = variants,
            Srm = srm,
            Power = power,
            Recommendation = Recommend(experiment, variants, users, srm, power, now),
            ComputedAt = now,
        };
    }

    private static HashSet<string> EventNames(TallySnapshot? tally)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (tally is null)
        {
            return names;
        }

        foreach (var list in tally.UsersByVariant.Values)
        {
            foreach (var user in list)
            {
                if (user.Events is not null)
                {
                    names.UnionWith(user.Events.Keys);
                }
            }
        }

        return names;
    }

    private static Sample SampleOf(string metric, string variant, TallySnapshot? tally, HashSet<string> eventNames)
    {
        var v = tally?.Variants.GetValueOrDefault(variant);
        switch (metric)
        {
            case ExperimentMetrics.SuccessRate:
                return new Sample(Kind.Proportion, SampleSummary.Proportion(v?.Successes ?? 0, v?.Operations ?? 0), v?.Successes ?? 0);
            case ExperimentMetrics.Latency:
                return new Sample(Kind.Continuous, v?.Latency ?? default);
            case ExperimentMetrics.TimeToFirstToken:
                return new Sample(Kind.Continuous, v?.TimeToFirstToken ?? default);
            case ExperimentMetrics.CostPerRequest:
                return new Sample(Kind.Continuous, v?.Cost ?? default);
            case ExperimentMetrics.Tokens:
                return new Sample(Kind.Continuous, v?.Tokens ?? default);
            case ExperimentMetrics.LatencyP95:
                return new Sample(Kind.Quantile, new SampleSummary(v?.Operations ?? 0, v?.LatencyP95 ?? double.NaN, double.NaN));
        }

        // An event metric: continuous (per-user mean of its values) when any value was posted, else a conversion.
        List<UserSnapshot> userRows = tally?.UsersByVariant.GetValueOrDefault(variant) ?? [];
        var valued = tally is not null && tally.UsersByVariant.Values.Any(list => list.Any(u => u.Events?.GetValueOrDefault(metric).Valued > 0));
        if (valued)
        {
            long n = 0;
            double sum = 0, sumSq = 0;
            foreach (var user in userRows)
            {
                if (user.Events?.GetValueOrDefault(metric) is { Valued: > 0 } e)
                {
                    var mean = e.Sum / e.Valued;
                    n++;
                    sum += mean;
                    sumSq += mean * mean;
                }
            }

            return new Sample(Kind.Continuous, SampleSummary.FromSums(n, sum, sumSq));
        }

        var converted = userRows.LongCount(u => u.Events?.GetValueOrDefault(metric).Times > 0);
        _ = eventNames;
        return new Sample(Kind.Proportion, SampleSummary.Proportion(converted, userRows.Count), converted);
    }

    private static MetricResult Describe(Sample s) => new()
    {
        Mean = s.Summary.Count == 0 || double.IsNaN(s.Summary.Mean) ? null : s.Summary.Mean,
        Variance = s.Kind == Kind.Quantile || s.Summary.Count == 0 ? null : s.Summary.Variance,
        Count = s.Summary.Count,
    };

    private static MetricResult Compare(Experiment experiment, Sample control, Sample treatment, double alpha)
    {
        var result = Describe(treatment);
        var c = control.Summary;
        var t = treatment.Summary;
        if (c.Count == 0 || t.Count == 0 || c.Mean == 0 || double.IsNaN(c.Mean) || double.IsNaN(t.Mean))
        {
            return result;
        }

        var lift = (t.Mean / c.Mean) - 1;
        if (treatment.Kind == Kind.Quantile)
        {
            return result with { Lift = lift };
        }

        result = treatment.Kind == Kind.Proportion
            ? result with { CohensH = Finite(ExperimentStatistics.CohensH(c.Mean, t.Mean)) }
            : result with { CohensD = Finite(ExperimentStatistics.CohensD(c, t)) };
        if (c.Count < 2 || t.Count < 2)
        {
            return result with { Lift = lift };
        }

        if (experiment.Sequential)
        {
            // Confidence sequence on the lift: the delta-method standard error times sqrt(n) is the per-observation
            // standard deviation of the lift's influence function (n = both arms' observations).
            var n = c.Count + t.Count;
            var se = ExperimentStatistics.LiftStandardError(c, t);
            var sigma = se * Math.Sqrt(n);
            var rho = ExperimentStatistics.ConfidenceSequenceRho(alpha, PlannedObservations(experiment));
            var radius = ExperimentStatistics.ConfidenceSequenceRadius(n, sigma, rho, alpha);
            var p = sigma > 0 ? ExperimentStatistics.ConfidenceSequencePValue(lift, n, sigma, rho) : lift == 0 ? 1 : 0;
            return result with
            {
                Lift = lift, CiLow = Finite(lift - radius), CiHigh = Finite(lift + radius), PValue = Finite(p),
                Method = StatisticalMethods.ConfidenceSequence,
            };
        }

        // Interval and p-value both come from the delta method on the relative lift, so "interval excludes 0" and
        // "p < alpha" are the same statement. The absolute-difference test is reported beside it, not decided on.
        var interval = ExperimentStatistics.RelativeLift(c, t, alpha);
        var test = ExperimentStatistics.RelativeLiftTest(c, t);
        var difference = treatment.Kind == Kind.Proportion
            ? ExperimentStatistics.TwoProportionZTest(control.Successes, c.Count, treatment.Successes, t.Count)
            : ExperimentStatistics.WelchTTest(c, t);
        return result with
        {
            Lift = lift, CiLow = Finite(interval.Low), CiHigh = Finite(interval.High), PValue = Finite(test.PValue),
            Method = StatisticalMethods.DeltaMethod, DifferencePValue = Finite(difference.PValue),
        };
    }

    private static long PlannedObservations(Experiment experiment) =>
        (long)experiment.MinimumSampleSize * Math.Max(2, experiment.Variants.Count);

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    private static SrmResult Srm(Experiment experiment, long[] users)
    {
        if (users.Sum() == 0)
        {
            return new SrmResult(null, false);
        }

        var weights = ExperimentHashing.EffectiveWeights(experiment.Variants.Count, [.. experiment.Variants.Select(v => v.Weight)]);
        var test = ExperimentStatistics.SampleRatioMismatch(users, weights);
        return new SrmResult(test.PValue, test.PValue < SrmThreshold);
    }

    private static PowerResult? Power(Experiment experiment, Dictionary<string, Dictionary<string, Sample>> samples, string[] variantKeys)
    {
        var control = samples[variantKeys[0]][experiment.PrimaryMetric];
        if (control.Kind == Kind.Quantile || control.Summary.Count < 2 || control.Summary.Mean == 0)
        {
            return null;
        }

        var delta = experiment.MinimumDetectableEffect * Math.Abs(control.Summary.Mean);
        double achieved = 1;
        double required = 0;
        long smallest = long.MaxValue;
        for (var i = 1; i < variantKeys.Length; i++)
        {
            var t = samples[variantKeys[i]][experiment.PrimaryMetric].Summary;
            var treatmentVariance = t.Count >= 2 ? t.Variance : control.Summary.Variance;
            achieved = Math.Min(achieved, ExperimentStatistics.Power(control.Summary, t with { Variance = treatmentVariance }, delta, experiment.SignificanceLevel));
            required = Math.Max(required, ExperimentStatistics.RequiredSampleSizePerVariant(control.Summary.Variance, treatmentVariance, delta, experiment.SignificanceLevel));
            smallest = Math.Min(smallest, t.Count);
        }

        smallest = Math.Min(smallest, control.Summary.Count);
        if (!double.IsFinite(required))
        {
            return new PowerResult(experiment.MinimumDetectableEffect, achieved, null, null);
        }

        // Remaining follows the achieved power, so "enough" (0) and "80% reached" always agree: the required size assumes
        // equal groups, the achieved power uses the real ones, and near the target the two can fall on either side.
        var requiredN = (long)Math.Ceiling(required);
        long? remaining = achieved >= ExperimentStatistics.TargetPower ? 0 : requiredN > smallest ? requiredN - smallest : null;
        return new PowerResult(experiment.MinimumDetectableEffect, achieved, requiredN, remaining);
    }

    private static Recommendation Recommend(
        Experiment experiment,
        List<VariantResult> variants,
        long[] users,
        SrmResult srm,
        PowerResult? power,
        DateTimeOffset now)
    {
        var alpha = experiment.SignificanceLevel;
        var primary = experiment.PrimaryMetric;
        var durationOver = experiment is { PlannedDuration: { } planned, StartedAt: { } started } && now - started >= planned;
        var fewest = users.Min();
        if (fewest < experiment.MinimumSampleSize)
        {
            return durationOver
                ? new Recommendation(RecommendationActions.ExtendDuration, Invariant(
                    $"The planned duration is over but the smallest variant has {fewest} of the {experiment.MinimumSampleSize} users needed; run longer or widen coverage."))
                : new Recommendation(RecommendationActions.Continue, Invariant(
                    $"Collecting data: the smallest variant has {fewest} of the {experiment.MinimumSampleSize} users needed before a decision."));
        }

        if (srm.Mismatch)
        {
            return new Recommendation(RecommendationActions.StopNoWinner, Invariant(
                $"Sample ratio mismatch (p = {srm.PValue:G3}): users do not split as the weights say, so the results cannot be trusted. Check assignment and targeting, then run a new version."));
        }

        var higherIsBetter = ExperimentMetrics.HigherIsBetter(primary);
        var better = new List<(VariantResult Variant, MetricResult Metric)>();
        var worse = 0;
        foreach (var variant in variants.Skip(1))
        {
            if (variant.Metrics.GetValueOrDefault(primary) is { PValue: { } p, Lift: { } lift } metric && p < alpha)
            {
                if (lift > 0 == higherIsBetter && lift != 0)
                {
                    better.Add((variant, metric));
                }
                else
                {
                    worse++;
                }
            }
        }

        if (better.Count > 0)
        {
            var blocked = new List<string>();
            foreach (var (variant, metric) in better.OrderByDescending(b => higherIsBetter ? b.Metric.Lift : -b.Metric.Lift))
            {
                var regressions = Regressions(experiment, variant, alpha);
                if (regressions.Count == 0)
                {
                    return new Recommendation(RecommendationActions.StopWinner, Invariant(
                        $"{variant.Key} changes {primary} by {metric.Lift:+0.0%;-0.0%} against control (interval {metric.CiLow:+0.0%;-0.0%} to {metric.CiHigh:+0.0%;-0.0%}, p = {metric.PValue:G3}) and no guardrail regressed."),
                        variant.Key);
                }

                blocked.Add(Invariant($"{variant.Key} wins on {primary} but regresses {string.Join(", ", regressions)}"));
            }

            return new Recommendation(RecommendationActions.StopNoWinner, string.Join("; ", blocked) + ": guardrails block a winner; keep control.");
        }

        if (worse == variants.Count - 1)
        {
            return new Recommendation(RecommendationActions.StopNoWinner, Invariant(
                $"Every variant is significantly worse than control on {primary}; keep control."));
        }

        if (power is { RemainingPerVariant: 0 })
        {
            return new Recommendation(RecommendationActions.StopNoWinner, Invariant(
                $"No significant difference on {primary}, and the sample is large enough to detect a {experiment.MinimumDetectableEffect:0.#%} effect with 80% power; keep control."));
        }

        var remaining = power?.RemainingPerVariant is { } r ? Invariant($" About {r} more per variant are needed for 80% power at a {experiment.MinimumDetectableEffect:0.#%} effect.") : "";
        return durationOver
            ? new Recommendation(RecommendationActions.ExtendDuration, Invariant($"The planned duration is over and {primary} shows no significant difference yet.{remaining}"))
            : new Recommendation(RecommendationActions.Continue, Invariant($"No significant difference on {primary} yet.{remaining}"));
    }

    private static List<string> Regressions(Experiment experiment, VariantResult variant, double alpha)
    {
        var found = new List<string>();
        foreach (var guardrail in experiment.GuardrailMetrics)
        {
            if (variant.Metrics.GetValueOrDefault(guardrail) is not { Lift: { } lift } metric)
            {
                continue;
            }

            var bad = ExperimentMetrics.HigherIsBetter(guardrail) ? lift < 0 : lift > 0;
            var regressed = guardrail == ExperimentMetrics.LatencyP95
                ? bad && Math.Abs(lift) > P95Tolerance
                : bad && metric.PValue is { } p && p < alpha;
            if (regressed)
            {
                found.Add(Invariant($"{guardrail} ({lift:+0.0%;-0.0%})"));
            }
        }

        return found;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
