using Conciergus.Core.Resilience;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>
/// The auto-recovery hook: while an alert fires, holds open the circuit of its model (labels "provider" and
/// "model"; the common labels, then Settings "provider" as defaults), so resilient clients move to the fallback
/// chain at once; on "resolved" the alert's hold is released and the breaker decides again. Alerts below
/// Settings "minSeverity" (default critical) are ignored; an alert labelled test="true" (a test delivery) is checked
/// but holds nothing. An alert without a model label fails the delivery
/// with a message (so a rule wired to this action without a model group-by is visible in the delivery log).
/// </summary>
public sealed class OpenCircuitAlertChannel(CircuitRegistry registry) : IAlertChannel
{
    /// <inheritdoc />
    public string Kind => AlertChannelKinds.OpenCircuit;

    /// <inheritdoc />
    public bool IsAction => true;

    /// <inheritdoc />
    public string? CannotServe(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.GroupBy.Contains("model", StringComparer.Ordinal) || rule.Labels.ContainsKey("model")
            ? null
            : $"open_circuit holds the circuit of an alert's provider/model, and rule '{rule.Name}' neither groups by model nor sets a model label";
    }

    /// <inheritdoc />
    public async Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var minimum = receiver.Settings.TryGetValue("minSeverity", out var m) && Enum.TryParse<AlertSeverity>(m, ignoreCase: true, out var parsed)
            ? parsed
            : AlertSeverity.Critical;
        var problems = new List<string>();
        foreach (var alert in notification.Alerts)
        {
            var holder = "alert:" + alert.Fingerprint;
            if (alert.Status.Equals("resolved", StringComparison.OrdinalIgnoreCase))
            {
                await registry.ReleaseAsync(holder, cancellationToken).ConfigureAwait(false);
                continue;
            }

            // AlertSeverity runs Critical (0) .. Low: a larger value is less severe.
            var severity = alert.Labels.TryGetValue("severity", out var s) && Enum.TryParse<AlertSeverity>(s, ignoreCase: true, out var own) ? own : notification.Severity;
            if (severity > minimum)
            {
                continue;
            }

            var model = Label(alert, notification, "model");
            if (model is null)
            {
                problems.Add($"alert {alert.Fingerprint} has no \"model\" label");
                continue;
            }

            var provider = Label(alert, notification, "provider") ?? receiver.Settings.GetValueOrDefault("provider");
            if (provider is null && model.Contains('/', StringComparison.Ordinal))
            {
                (provider, model) = ModelTarget.Parse(model, null);
            }

            // A test delivery (label test="true") checks the labels but must not reroute real traffic.
            if (Label(alert, notification, "test") is "true")
            {
                continue;
            }

            var targets = provider is { Length: > 0 } ? [new ModelTarget(provider.ToLowerInvariant(), model)] : registry.TargetsFor(model);
            if (targets.Count == 0)
            {
                problems.Add($"no provider for model {model}: add a \"provider\" label or receiver setting");
                continue;
            }

            foreach (var target in targets)
            {
                await registry.HoldOpenAsync(target.Provider, target.Model, holder, cancellationToken).ConfigureAwait(false);
            }
        }

        return problems.Count == 0 ? new AlertChannelResult(true) : new AlertChannelResult(false, Error: string.Join("; ", problems));
    }

    private static string? Label(AlertNotificationItem alert, AlertNotification notification, string name) =>
        alert.Labels.GetValueOrDefault(name) is { Length: > 0 } own ? own
        : notification.CommonLabels.GetValueOrDefault(name) is { Length: > 0 } common ? common
        : null;
}
