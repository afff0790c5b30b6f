namespace Conciergus.Core.Alerts;

/// <summary>The rules every installation starts with (editable, can be disabled, not deletable).</summary>
public static class BuiltInRules
{
    /// <summary>Error rate above 5% for 2 minutes.</summary>
    public static AlertRule ErrorRate { get; } = new()
    {
        Id = "builtin-error-rate",
        Name = "Error rate above 5%",
        Metric = AlertMetric.ErrorRate,
        Window = TimeSpan.FromMinutes(5),
        Operator = AlertOperator.GreaterThan,
        Threshold = 0.05,
        For = TimeSpan.FromMinutes(2),
        Severity = AlertSeverity.High,
        BuiltIn = true,
        Annotations = new Dictionary<string, string>
        {
            ["summary"] = "Error rate {{ $value | display }} is above {{ $threshold | display }}",
            ["description"] = "More than 5% of AI calls failed over the last 5 minutes, for 2 minutes.",
        },
    };

    /// <summary>p95 latency above 10 s for 5 minutes, per model.</summary>
    public static AlertRule LatencyP95 { get; } = new()
    {
        Id = "builtin-latency-p95",
        Name = "Slow model",
        Metric = AlertMetric.LatencyP95,
        Window = TimeSpan.FromMinutes(5),
        GroupBy = ["model"],
        Operator = AlertOperator.GreaterThan,
        Threshold = 10_000,
        For = TimeSpan.FromMinutes(5),
        Severity = AlertSeverity.Medium,
        BuiltIn = true,
        Annotations = new Dictionary<string, string>
        {
            ["summary"] = "p95 latency of {{ $labels.model }} is {{ $value | display }}, above {{ $threshold | display }}",
            ["description"] = "The 95th percentile latency of {{ $labels.provider }}/{{ $labels.model }} stayed above 10 s for 5 minutes.",
        },
    };

    /// <summary>Today's cost above the daily budget.</summary>
    public static AlertRule CostBurn { get; } = new()
    {
        Id = "builtin-cost-burn",
        Name = "Daily budget exceeded",
        Metric = AlertMetric.CostBurn,
        Window = TimeSpan.FromDays(1),
        Operator = AlertOperator.GreaterThan,
        Threshold = 1,
        Severity = AlertSeverity.High,
        BuiltIn = true,
        Annotations = new Dictionary<string, string>
        {
            ["summary"] = "Today's cost is {{ $value | display }} of the daily budget",
        },
    };

    /// <summary>Operations dropped by the collector or ingestion.</summary>
    public static AlertRule IngestionDrops { get; } = new()
    {
        Id = "builtin-ingestion-drops",
        Name = "Ingestion dropping data",
        Metric = AlertMetric.IngestionDrops,
        Window = TimeSpan.FromMinutes(5),
        Operator = AlertOperator.GreaterThan,
        Threshold = 0,
        Severity = AlertSeverity.Medium,
        BuiltIn = true,
        Annotations = new Dictionary<string, string>
        {
            ["summary"] = "{{ $value | display }} operations were dropped in the last 5 minutes",
        },
    };

    /// <summary>Sample ratio mismatch in a running experiment (p &lt; 0.001).</summary>
    public static AlertRule ExperimentSrm { get; } = new()
    {
        Id = "builtin-experiment-srm",
        Name = "Experiment sample ratio mismatch",
        Metric = AlertMetric.ExperimentSrm,
        Window = TimeSpan.FromHours(1),
        GroupBy = ["experiment"],
        Operator = AlertOperator.LessThan,
        Threshold = 0.001,
        Severity = AlertSeverity.Medium,
        BuiltIn = true,
        Annotations = new Dictionary<string, string>
        {
            ["summary"] = "Experiment {{ $labels.experiment }} users do not split as its weights say ({{ $value | display }})",
        },
    };

    /// <summary>
    /// Summaries the built-in rules had before values were formatted (issue 22 item 3), by rule id: a stored built-in rule
    /// whose summary is still one of these gets the current one at start; a summary an operator changed is kept.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FormerSummaries { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["builtin-error-rate"] = "Error rate {{ $value | printf \"%.3f\" }} is above 0.05",
        ["builtin-latency-p95"] = "p95 latency of {{ $labels.model }} is {{ $value | printf \"%.0f\" }} ms",
        ["builtin-cost-burn"] = "Today's cost is {{ $value | printf \"%.2f\" }} times the daily budget",
        ["builtin-ingestion-drops"] = "{{ $value }} operations were dropped in the last 5 minutes",
        ["builtin-experiment-srm"] = "Experiment {{ $labels.experiment }} users do not split as its weights say (p = {{ $value }})",
    };

    /// <summary>All, in display order.</summary>
    public static IReadOnlyList<AlertRule> All { get; } = [ErrorRate, LatencyP95, CostBurn, IngestionDrops, ExperimentSrm];
}
