using Conciergus.Core.Audit;
namespace Conciergus.Core.Alerts;

/// <summary>State of an alert instance as the API shows it (inactive instances are not listed).</summary>
public enum AlertState
{
    /// <summary>Condition true, waiting for the rule's <c>for</c>.</summary>
    Pending,

    /// <summary>Firing: notifications go out (unless acknowledged or silenced).</summary>
    Firing,

    /// <summary>Resolved by the evaluator or by hand; a later breach opens a new instance.</summary>
    Resolved,
}

/// <summary>One step in an instance's life (state change, acknowledgement, manual resolve, silence).</summary>
/// <param name="At">When.</param>
/// <param name="Event">"pending", "firing", "resolved", "acknowledged", "resolved_by_hand", "silenced", "unsilenced", "error".</param>
/// <param name="Value">Metric value at that evaluation, when there was one.</param>
/// <param name="Actor">Operator for manual steps, "system" otherwise.</param>
/// <param name="Comment">Operator comment.</param>
public sealed record AlertHistoryEntry(DateTimeOffset At, string Event, double? Value = null, string Actor = "system", string? Comment = null);

/// <summary>One rule + label set through inactive -> pending -> firing -> resolved.</summary>
public sealed record AlertInstance
{
    /// <summary>Unique id of this instance (a new breach after resolve gets a new id).</summary>
    public required string Id { get; init; }

    /// <summary>Rule that produced it.</summary>
    public required string RuleId { get; init; }

    /// <summary>Rule name at the time.</summary>
    public required string RuleName { get; init; }

    /// <summary>State.</summary>
    public required AlertState State { get; init; }

    /// <summary>Rule severity.</summary>
    public AlertSeverity Severity { get; init; }

    /// <summary>All labels: alertname, severity, rule labels, group-by labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Rendered annotations.</summary>
    public IReadOnlyDictionary<string, string> Annotations { get; init; } = new Dictionary<string, string>();

    /// <summary>Last evaluated value.</summary>
    public double? Value { get; init; }

    /// <summary>When the condition first became true for this instance (active since).</summary>
    public required DateTimeOffset ActiveAt { get; init; }

    /// <summary>When it started firing (Alertmanager startsAt); null while pending.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>When it resolved; null while open.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Alertmanager-style fingerprint of the label set (16 hex digits).</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Acknowledged: no more notifications for this instance.</summary>
    public bool Acknowledged { get; init; }

    /// <summary>Who acknowledged.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Whether a silence currently matches it.</summary>
    public bool Silenced { get; init; }

    /// <summary>Operator who resolved it by hand, if so.</summary>
    public string? ResolvedBy { get; init; }

    /// <summary>Life of the instance, oldest first.</summary>
    public IReadOnlyList<AlertHistoryEntry> History { get; init; } = [];
}
