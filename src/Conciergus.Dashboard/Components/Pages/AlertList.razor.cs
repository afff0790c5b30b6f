using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Alert instances, firing first by severity, then pending, then resolved; Operators acknowledge and resolve with a
/// comment. Live: re-reads when the alert service changes.
/// </summary>
public sealed partial class AlertList : AlertComponentBase
{
    /// <summary>Resolved instances shown at most (the newest).</summary>
    internal const int MaxResolved = 200;

    private IReadOnlyList<AlertInstance> _instances = [];
    private Dictionary<string, AlertRule> _rules = [];
    private HashSet<string> _notNotified = new(StringComparer.Ordinal);
    private AlertEvaluatorStatus? _status;
    private string _filter = "open";
    private int _firing;
    private int _pending;
    private int _acknowledged;
    private int _silenced;
    private int _ruleCount;
    private bool _filterFromQuery;

    // Open confirmations by instance id: the table reuses row components by position, so they live here, with their alert.
    private readonly Dictionary<string, AlertActionDraft> _drafts = new(StringComparer.Ordinal);

    /// <summary>Initial filter from the query string: open (default), resolved or all.</summary>
    [SupplyParameterFromQuery(Name = "state")]
    public string? State { get; set; }

    private IReadOnlyList<(string Key, string Title, int Count)> Filters =>
    [
        ("open", "Open", _instances.Count(i => i.State != AlertState.Resolved)),
        ("resolved", "Resolved", _instances.Count(i => i.State == AlertState.Resolved)),
        ("all", "All", _instances.Count),
    ];

    private IReadOnlyList<AlertInstance> Shown => _filter switch
    {
        "resolved" => [.. _instances.Where(i => i.State == AlertState.Resolved)],
        "all" => _instances,
        _ => [.. _instances.Where(i => i.State != AlertState.Resolved)],
    };

    private string EvaluatorCaption => _status switch
    {
        null => "",
        { LastEvaluation: null } => "The evaluator has not run yet.",
        { LastEvaluation: { } at } s => $"Evaluated {AlertFormat.Relative(at, Now)}, every {AlertFormat.Duration(s.Interval)}"
            + (s.RuleErrors.Count > 0 ? $" · {s.RuleErrors.Count} rule(s) failing" : ""),
    };

    /// <inheritdoc />
    protected override void OnParametersSet()
    {
        if (!_filterFromQuery && State is "open" or "resolved" or "all")
        {
            _filter = State;
        }

        _filterFromQuery = true;
        base.OnParametersSet();
    }

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        var all = alerts.Instances();
        var open = all.Where(i => i.State != AlertState.Resolved);
        var resolved = all.Where(i => i.State == AlertState.Resolved).OrderByDescending(i => i.EndsAt ?? i.ActiveAt).Take(MaxResolved);
        _instances = AlertFormat.Sort(open.Concat(resolved));
        var shown = _instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _drafts.Keys.Where(id => !shown.Contains(id)).ToList())
        {
            _drafts.Remove(gone);
        }

        _rules = alerts.Rules().ToDictionary(r => r.Id, StringComparer.Ordinal);
        _notNotified = new HashSet<string>(_rules.Values.Where(r => !AlertReach.Notified(alerts, r)).Select(r => r.Id), StringComparer.Ordinal);
        _status = alerts.Status;
        _ruleCount = _rules.Values.Count(r => r.Enabled);
        _firing = all.Count(i => i.State == AlertState.Firing);
        _pending = all.Count(i => i.State == AlertState.Pending);
        _acknowledged = all.Count(i => i.State != AlertState.Resolved && i.Acknowledged);
        _silenced = all.Count(i => i.State != AlertState.Resolved && i.Silenced);
    }

    private AlertActionDraft DraftOf(string instanceId)
    {
        if (!_drafts.TryGetValue(instanceId, out var draft))
        {
            _drafts[instanceId] = draft = new AlertActionDraft();
        }

        return draft;
    }

    private static DateTimeOffset Since(AlertInstance i) => i.State switch
    {
        AlertState.Resolved => i.EndsAt ?? i.ActiveAt,
        AlertState.Firing => i.StartsAt ?? i.ActiveAt,
        _ => i.ActiveAt,
    };

    private string ValueText(AlertInstance i) =>
        _rules.TryGetValue(i.RuleId, out var rule) ? AlertFormat.Value(rule, i.Value) : AlertFormat.Number(i.Value);

    private string? AckText(AlertInstance i) =>
        i.Acknowledged ? $"by {i.AcknowledgedBy} {AlertFormat.Relative(i.AcknowledgedAt, Now)}" : null;
}
