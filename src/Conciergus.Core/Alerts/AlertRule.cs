namespace Conciergus.Core.Alerts;

/// <summary>What a rule measures (wire names in <see cref="AlertWire"/>: request_rate, error_rate, ...).</summary>
public enum AlertMetric
{
    /// <summary>Requests per second over the window.</summary>
    RequestRate,

    /// <summary>Failed / all requests over the window (0..1).</summary>
    ErrorRate,

    /// <summary>Failed requests over the window (group by error category is allowed).</summary>
    ErrorCount,

    /// <summary>Latency p50 in milliseconds.</summary>
    LatencyP50,

    /// <summary>Latency p95 in milliseconds.</summary>
    LatencyP95,

    /// <summary>Latency p99 in milliseconds.</summary>
    LatencyP99,

    /// <summary>Time to first token p95 in milliseconds.</summary>
    TtftP95,

    /// <summary>Input tokens over the window.</summary>
    InputTokens,

    /// <summary>Output tokens over the window.</summary>
    OutputTokens,

    /// <summary>Cost in USD over the window.</summary>
    Cost,

    /// <summary>Cost since the start of the UTC day divided by the daily budget (1 = budget spent).</summary>
    CostBurn,

    /// <summary>Cost per user over the rolling window (from the per-user ledger).</summary>
    UserCost,

    /// <summary>Operations dropped by the collector or ingestion over the window.</summary>
    IngestionDrops,

    /// <summary>Sample ratio mismatch p-value per running experiment.</summary>
    ExperimentSrm,

    /// <summary>An application metric from OTLP (<see cref="AlertRule.AppMetric"/>: <c>otel:&lt;instrument&gt;[:&lt;aggregation&gt;]</c>).</summary>
    AppMetric,

    /// <summary>Compliance: open data-subject requests past their due date (now; the window is ignored).</summary>
    ComplianceOverdueRequests,

    /// <summary>Compliance: hash chains (audit, decisions) whose last verification failed (now; the window is ignored).</summary>
    ComplianceChainFailures,

    /// <summary>Compliance: hours the retention run is late beyond its interval and grace (now; the window is ignored).</summary>
    ComplianceRetentionOverdue,

    /// <summary>Compliance: operations processed for a purpose without the user's consent, in the window.</summary>
    ComplianceConsentMissing,

    /// <summary>Compliance: prompt or response text received while content capture is off, in the window.</summary>
    ComplianceContentCaptured,
}

/// <summary>Comparison of the metric value with the threshold.</summary>
public enum AlertOperator
{
    /// <summary>&gt;</summary>
    GreaterThan,

    /// <summary>&gt;=</summary>
    GreaterOrEqual,

    /// <summary>&lt;</summary>
    LessThan,

    /// <summary>&lt;=</summary>
    LessOrEqual,

    /// <summary>==</summary>
    Equal,

    /// <summary>!=</summary>
    NotEqual,
}

/// <summary>What an instance does when its series has no data (Grafana's no-data policy).</summary>
public enum AlertNoDataPolicy
{
    /// <summary>Ok: the condition is false (the default; stale series resolve).</summary>
    Ok,

    /// <summary>Keep the instance's last state.</summary>
    KeepLastState,

    /// <summary>Treat as breaching.</summary>
    Alerting,

    /// <summary>A separate "no data" alert (labelled alertstate=nodata) fires instead.</summary>
    NoData,
}

/// <summary>How urgent an alert is; sorts critical first.</summary>
public enum AlertSeverity
{
    /// <summary>Wake someone.</summary>
    Critical,

    /// <summary>Act today.</summary>
    High,

    /// <summary>Look soon.</summary>
    Medium,

    /// <summary>Informational.</summary>
    Low,
}

/// <summary>One alert rule (DESIGN section 7). Group-by labels: model, provider, application, user, operation, error_category, experiment.</summary>
public sealed record AlertRule
{
    /// <summary>Stable id (slug or GUID); built-in rules use "builtin-...".</summary>
    public required string Id { get; init; }

    /// <summary>Display name; becomes the alertname label.</summary>
    public required string Name { get; init; }

    /// <summary>What is measured.</summary>
    public required AlertMetric Metric { get; init; }

    /// <summary>Aggregation window ending at the evaluation time.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Labels that split the rule into one instance per label set.</summary>
    public IReadOnlyList<string> GroupBy { get; init; } = [];

    /// <summary>Comparison.</summary>
    public AlertOperator Operator { get; init; } = AlertOperator.GreaterThan;

    /// <summary>Breach threshold.</summary>
    public required double Threshold { get; init; }

    /// <summary>Grafana recovery threshold: a firing instance only recovers once the value passes it (null: the threshold).</summary>
    public double? RecoveryThreshold { get; init; }

    /// <summary>Pending period before firing (0: fire on the first breaching evaluation).</summary>
    public TimeSpan For { get; init; }

    /// <summary>How long a firing instance keeps firing after the condition clears.</summary>
    public TimeSpan KeepFiringFor { get; init; }

    /// <summary>No-data policy.</summary>
    public AlertNoDataPolicy NoData { get; init; } = AlertNoDataPolicy.Ok;

    /// <summary>Severity (also the severity label).</summary>
    public AlertSeverity Severity { get; init; } = AlertSeverity.Medium;

    /// <summary>Extra labels added to every instance.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Annotation templates ({{ $labels.model }}, {{ $value }}).</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Receiver names notified by this rule.</summary>
    public IReadOnlyList<string> Receivers { get; init; } = [];

    /// <summary>Disabled rules are not evaluated; their open instances resolve.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Whether this is one of the shipped rules (editable, can be disabled, not deleted).</summary>
    public bool BuiltIn { get; init; }

    /// <summary>Daily budget in USD for <see cref="AlertMetric.CostBurn"/> (null: the configured default).</summary>
    public decimal? BudgetUsd { get; init; }

    /// <summary>For <see cref="AlertMetric.AppMetric"/>: the metric as written, <c>otel:&lt;instrument&gt;[:&lt;aggregation&gt;]</c>.</summary>
    public string? AppMetric { get; init; }

    /// <summary>
    /// A trend rule: the value is not the metric over the window but its trend within it, as Prometheus' <c>deriv()</c>
    /// with a significance test: the metric is read at <see cref="Health.Trend.WindowPoints"/> whole steps across
    /// the window, the least-squares slope is tested (t-test, p &lt; 0.05), and the value is the slope per minute when
    /// it is significant, 0 when the figure is stable. So <c>&gt; 0</c> fires on a rising trend, <c>&lt; 0</c> on a
    /// falling one, and a threshold asks for at least that much change per minute.
    /// </summary>
    public bool Trend { get; init; }
}
