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

    /// <summary>Compliance: a data-subject request is open past its due date (GDPR one month, CCPA 45 days).</summary>
    public static AlertRule ComplianceOverdueRequests { get; } = ComplianceRule(
        "builtin-compliance-overdue-requests", "Data-subject request overdue", AlertMetric.ComplianceOverdueRequests, TimeSpan.FromMinutes(5), AlertSeverity.High,
        "{{ $value }} data-subject request(s) open past their due date",
        "A request of access, erasure, rectification, restriction, objection or portability was not fulfilled or rejected by its legal due date. See the Privacy page.");

    /// <summary>Compliance: the audit trail or the decision records no longer verify (tampering or damage).</summary>
    public static AlertRule ComplianceChainFailures { get; } = ComplianceRule(
        "builtin-compliance-chain", "Hash chain does not verify", AlertMetric.ComplianceChainFailures, TimeSpan.FromMinutes(5), AlertSeverity.Critical,
        "{{ $value }} hash chain(s) failed verification",
        "The audit trail or the AI decision records failed their last verification: an entry was changed, deleted or forged. GET /api/v1/audit/verify and /api/v1/decisions/verify name the first broken entry.");

    /// <summary>Compliance: retention did not run within its interval (and grace).</summary>
    public static AlertRule ComplianceRetentionOverdue { get; } = ComplianceRule(
        "builtin-compliance-retention", "Retention not enforced", AlertMetric.ComplianceRetentionOverdue, TimeSpan.FromMinutes(5), AlertSeverity.High,
        "The retention purge is {{ $value | printf \"%.1f\" }} h late",
        "The retention policy was not enforced within its interval: data past its retention period is still kept. Run it from the Compliance page and check the logs.");

    /// <summary>Compliance: an application processed a user for a purpose without consent (an experiment assigned elsewhere).</summary>
    public static AlertRule ComplianceConsentMissing { get; } = ComplianceRule(
        "builtin-compliance-consent", "Processing without consent", AlertMetric.ComplianceConsentMissing, TimeSpan.FromHours(1), AlertSeverity.High,
        "{{ $value }} operation(s) in the last hour processed a user for a purpose without consent",
        "Operations arrived tagged with an experiment for users who refused experimentation, are restricted, or never consented (opt-in). The tags were removed here, but the application ran the experiment.");

    /// <summary>Compliance: prompt or response text arrived while content capture is off.</summary>
    public static AlertRule ComplianceContentCaptured { get; } = ComplianceRule(
        "builtin-compliance-content", "Content sent while capture is off", AlertMetric.ComplianceContentCaptured, TimeSpan.FromHours(1), AlertSeverity.Medium,
        "{{ $value }} prompt or response text(s) received in the last hour while content capture is off",
        "An application sends message content in its telemetry although Conciergus:Privacy:CaptureContent is off. It was not stored (only its length), but it left the application: switch content capture off in the application's instrumentation.");

    /// <summary>All, in display order.</summary>
    public static IReadOnlyList<AlertRule> All { get; } =
    [
        ErrorRate, LatencyP95, CostBurn, IngestionDrops, ExperimentSrm,
        ComplianceOverdueRequests, ComplianceChainFailures, ComplianceRetentionOverdue, ComplianceConsentMissing, ComplianceContentCaptured,
    ];

    private static AlertRule ComplianceRule(string id, string name, AlertMetric metric, TimeSpan window, AlertSeverity severity, string summary, string description) => new()
    {
        Id = id,
        Name = name,
        Metric = metric,
        Window = window,
        Operator = AlertOperator.GreaterThan,
        Threshold = 0,
        Severity = severity,
        BuiltIn = true,
        Labels = new Dictionary<string, string> { ["category"] = "compliance" },
        Annotations = new Dictionary<string, string> { ["summary"] = summary, ["description"] = description },
    };
}
