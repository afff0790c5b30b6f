using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>Whether a rule's alerts reach someone (issue 22 item 4): pages say "not notified" rather than stay silent.</summary>
internal static class AlertReach
{
    /// <summary>True when at least one receiver that notifies (not an action such as open_circuit) serves the rule.</summary>
    public static bool Notified(IAlertService alerts, AlertRule rule) =>
        alerts.RoutesOf(rule).Any(r => r.SkipReason is null && !string.Equals(r.Kind, AlertChannelKinds.OpenCircuit, StringComparison.OrdinalIgnoreCase));

    /// <summary>What an operator reads when nobody is told: no receiver named, or none configured at all.</summary>
    public const string NotNotifiedHint = "No receiver gets these alerts: add one under Alerts › Receivers, or tick one on the rule.";
}
