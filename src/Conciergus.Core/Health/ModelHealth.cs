namespace Conciergus.Core.Health;

/// <summary>How a model is doing, worst last.</summary>
public enum ModelHealthStatus
{
    /// <summary>Error rate and latency within the degraded thresholds (or too few requests to judge errors).</summary>
    Healthy,

    /// <summary>Error rate or p95 latency above the degraded threshold.</summary>
    Degraded,

    /// <summary>Error rate or p95 latency above the critical threshold.</summary>
    Critical,

    /// <summary>Almost every call fails.</summary>
    Down,
}

/// <summary>Thresholds of <see cref="ModelHealthClassifier"/> (section Conciergus:Health:Models).</summary>
public sealed class ModelHealthOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Health:Models";

    /// <summary>Fewer requests than this in the window: error-rate rules do not apply (latency rules still do).</summary>
    public int MinRequests { get; set; } = 5;

    /// <summary>Error rate (0..1) from which a model is degraded.</summary>
    public double DegradedErrorRate { get; set; } = 0.05;

    /// <summary>Error rate (0..1) from which a model is critical.</summary>
    public double CriticalErrorRate { get; set; } = 0.25;

    /// <summary>Error rate (0..1) from which a model is down.</summary>
    public double DownErrorRate { get; set; } = 0.95;

    /// <summary>p95 latency (ms) from which a model is degraded.</summary>
    public double DegradedP95Ms { get; set; } = 10_000;

    /// <summary>p95 latency (ms) from which a model is critical.</summary>
    public double CriticalP95Ms { get; set; } = 30_000;

    /// <summary>What is wrong with these thresholds, in words (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (MinRequests < 1)
        {
            failures.Add($"{SectionName}:MinRequests must be at least 1 (was {MinRequests}).");
        }

        if (!(DegradedErrorRate > 0 && DegradedErrorRate <= CriticalErrorRate && CriticalErrorRate <= DownErrorRate && DownErrorRate <= 1))
        {
            failures.Add($"{SectionName}: error rates must satisfy 0 < DegradedErrorRate <= CriticalErrorRate <= DownErrorRate <= 1 (were {DegradedErrorRate}, {CriticalErrorRate}, {DownErrorRate}).");
        }

        if (!(DegradedP95Ms > 0 && DegradedP95Ms <= CriticalP95Ms))
        {
            failures.Add($"{SectionName}: latencies must satisfy 0 < DegradedP95Ms <= CriticalP95Ms (were {DegradedP95Ms}, {CriticalP95Ms}).");
        }

        return failures;
    }
}

/// <summary>The health of one model and why.</summary>
/// <param name="Status">The verdict.</param>
/// <param name="Reason">Short operator-facing reason ("error rate 30% ≥ 25%").</param>
public sealed record ModelHealthVerdict(ModelHealthStatus Status, string Reason);

/// <summary>Classifies a model from its error rate and p95 latency over a window; thresholds are options.</summary>
public sealed class ModelHealthClassifier(ModelHealthOptions options)
{
    /// <summary>Thresholds in force.</summary>
    public ModelHealthOptions Options { get; } = options;

    /// <summary>The worst status any rule gives; a rule needs its figure (a null p95 never degrades a model).</summary>
    public ModelHealthVerdict Classify(long requests, double errorRate, double? p95Ms)
    {
        var o = Options;
        var judgeErrors = requests >= o.MinRequests;
        if (judgeErrors && errorRate >= o.DownErrorRate)
        {
            return new(ModelHealthStatus.Down, $"error rate {Pct(errorRate)} ≥ {Pct(o.DownErrorRate)}");
        }

        if (judgeErrors && errorRate >= o.CriticalErrorRate)
        {
            return new(ModelHealthStatus.Critical, $"error rate {Pct(errorRate)} ≥ {Pct(o.CriticalErrorRate)}");
        }

        if (p95Ms >= o.CriticalP95Ms)
        {
            return new(ModelHealthStatus.Critical, $"p95 {Ms(p95Ms.Value)} ≥ {Ms(o.CriticalP95Ms)}");
        }

        if (judgeErrors && errorRate >= o.DegradedErrorRate)
        {
            return new(ModelHealthStatus.Degraded, $"error rate {Pct(errorRate)} ≥ {Pct(o.DegradedErrorRate)}");
        }

        if (p95Ms >= o.DegradedP95Ms)
        {
            return new(ModelHealthStatus.Degraded, $"p95 {Ms(p95Ms.Value)} ≥ {Ms(o.DegradedP95Ms)}");
        }

        return new(ModelHealthStatus.Healthy, judgeErrors ? "within thresholds" : $"fewer than {o.MinRequests} requests: latency only");
    }

    private static string Pct(double ratio) => (ratio * 100).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "%";

    private static string Ms(double ms) => ms.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms";
}
