using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The alert rules with their condition, evaluation errors and open alerts; Admins enable, disable, edit and delete.</summary>
public sealed partial class AlertRules : AlertComponentBase
{
    private IReadOnlyList<AlertRule> _rules = [];
    private HashSet<string> _notified = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string> _ruleErrors = new Dictionary<string, string>();
    private Dictionary<string, (int Firing, int Pending)> _open = [];
    private AlertRule? _confirmDelete;
    private string? _error;

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        _rules = alerts.Rules();
        _notified = new HashSet<string>(_rules.Where(r => AlertReach.Notified(alerts, r)).Select(r => r.Id), StringComparer.Ordinal);
        _ruleErrors = alerts.Status.RuleErrors;
        _open = alerts.Instances()
            .Where(i => i.State != AlertState.Resolved)
            .GroupBy(i => i.RuleId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (g.Count(i => i.State == AlertState.Firing), g.Count(i => i.State == AlertState.Pending)), StringComparer.Ordinal);
    }

    private string OpenText(string ruleId) => _open.TryGetValue(ruleId, out var open)
        ? string.Join(" · ", new[] { open.Firing > 0 ? $"{open.Firing} firing" : null, open.Pending > 0 ? $"{open.Pending} pending" : null }.OfType<string>())
        : "–";

    private async Task SetEnabledAsync(AlertRule rule, bool enabled)
    {
        if (Service is null)
        {
            return;
        }

        _error = null;
        try
        {
            await Service.UpdateRuleAsync(rule.Id, rule with { Enabled = enabled }, await ActorAsync());
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
        }
    }

    private async Task DeleteAsync()
    {
        if (Service is null || _confirmDelete is not { } rule)
        {
            return;
        }

        _error = null;
        try
        {
            await Service.DeleteRuleAsync(rule.Id, await ActorAsync());
            _confirmDelete = null;
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _confirmDelete = null;
        }
    }
}
