using System.Globalization;
using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Components.Experiments;

/// <summary>Whether a variant moved a metric the right way, the wrong way, or not measurably.</summary>
public enum MetricVerdict
{
    /// <summary>No significant difference (or no test).</summary>
    Neutral,

    /// <summary>Significant and in the metric's good direction.</summary>
    Better,

    /// <summary>Significant and in the metric's bad direction.</summary>
    Worse,
}

/// <summary>How experiment results read (issue 22 item 9): p-values, lifts, metric values, verdicts by the metric's direction.</summary>
public static class ExperimentFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>"p < 0.001", "p = 0.047", "p > 0.999": never a bare "0" or "1".</summary>
    public static string PValue(double? p) => p switch
    {
        null => "no test",
        { } v when double.IsNaN(v) => "no test",
        < 0.001 => "p < 0.001",
        > 0.999 => "p > 0.999",
        { } v => "p = " + v.ToString("0.000", Invariant),
    };

    /// <summary>A relative lift with its sign: "+4.2%", "−3.0%", "0.0%".</summary>
    public static string Lift(double? lift) => lift is { } l && double.IsFinite(l)
        ? l.ToString("+0.0%;−0.0%;0.0%", Invariant)
        : "–";

    /// <summary>"−1.0% to +9.4%".</summary>
    public static string Interval(double? low, double? high) =>
        low is { } lo && high is { } hi ? $"{Lift(lo)} to {Lift(hi)}" : "no interval yet";

    /// <summary>A metric's mean as the tiles show it (success rate in %, durations in ms / s, cost in $).</summary>
    public static string Value(string metric, double? value) => value switch
    {
        null => "–",
        { } v when double.IsNaN(v) => "–",
        { } v when metric == ExperimentMetrics.SuccessRate => Formatting.Percent(v),
        { } v when metric is ExperimentMetrics.Latency or ExperimentMetrics.LatencyP95 or ExperimentMetrics.TimeToFirstToken => Formatting.Duration(v),
        { } v when metric == ExperimentMetrics.CostPerRequest => Formatting.Usd((decimal)Math.Clamp(v, -1e12, 1e12)),
        { } v when metric == ExperimentMetrics.Tokens => Formatting.Compact(Math.Round(v, 1)),
        { } v => v.ToString("0.###", Invariant),
    };

    /// <summary>A metric's name for people: "Success rate", "Latency p95"; events keep their name.</summary>
    public static string MetricName(string metric) => metric switch
    {
        ExperimentMetrics.SuccessRate => "Success rate",
        ExperimentMetrics.Latency => "Latency (mean)",
        ExperimentMetrics.LatencyP95 => "Latency p95",
        ExperimentMetrics.TimeToFirstToken => "Time to first token",
        ExperimentMetrics.CostPerRequest => "Cost per request",
        ExperimentMetrics.Tokens => "Tokens per request",
        _ => metric,
    };

    /// <summary>"higher is better" or "lower is better".</summary>
    public static string Direction(string metric) => ExperimentMetrics.HigherIsBetter(metric) ? "higher is better" : "lower is better";

    /// <summary>
    /// The verdict of a variant's metric against control: significant (p below alpha, or for latency_p95, which has
    /// no test, a change beyond the analyzer's 10% tolerance) and in the metric's good or bad direction.
    /// </summary>
    public static MetricVerdict Verdict(string metric, MetricResult? m, double alpha)
    {
        if (m?.Lift is not { } lift || lift == 0 || !double.IsFinite(lift))
        {
            return MetricVerdict.Neutral;
        }

        var significant = m.PValue is { } p
            ? p < alpha
            : metric == ExperimentMetrics.LatencyP95 && Math.Abs(lift) > ExperimentMetrics.P95Tolerance;
        if (!significant)
        {
            return MetricVerdict.Neutral;
        }

        return (lift > 0) == ExperimentMetrics.HigherIsBetter(metric) ? MetricVerdict.Better : MetricVerdict.Worse;
    }

    /// <summary>The words beside the colour: "better", "worse", "no significant change".</summary>
    public static string VerdictText(MetricVerdict verdict) => verdict switch
    {
        MetricVerdict.Better => "better",
        MetricVerdict.Worse => "worse",
        _ => "no significant change",
    };

    /// <summary>The CSS class of a verdict ("better", "worse", "neutral").</summary>
    public static string VerdictCss(MetricVerdict verdict) => verdict.ToString().ToLowerInvariant();

    /// <summary>
    /// The power tile's caption, from the same figure the tile shows: reached (80% or more) or what is still needed,
    /// so the two never disagree.
    /// </summary>
    public static string PowerCaption(PowerResult? power)
    {
        if (power is null)
        {
            return "needs data on the primary metric";
        }

        var effect = power.MinimumDetectableEffect.ToString("0.#%", Invariant);
        if (power.Achieved >= ExperimentStatistics.TargetPower)
        {
            return $"80% reached: a {effect} change would be detected";
        }

        return power.RemainingPerVariant is { } remaining and > 0
            ? $"below 80%: about {Formatting.Count(remaining)} more per variant to detect a {effect} change"
            : $"below 80% for a {effect} change: more data needed";
    }
}
