using Conciergus.Core.Alerts;

namespace Conciergus.Dashboard.Metrics;

/// <summary>The alerting families of /metrics.</summary>
internal static class AlertMetrics
{
    /// <summary>Writes conciergus_alerts_firing{severity}, pending, evaluator and delivery figures.</summary>
    public static void Write(PrometheusTextWriter w, IAlertService alerts)
    {
        var open = alerts.Instances(AlertState.Firing).Concat(alerts.Instances(AlertState.Pending)).ToList();
        w.Family("conciergus_alerts_firing", "gauge", "Firing alert instances by severity (acknowledged and silenced included).");
        foreach (var severity in Enum.GetValues<AlertSeverity>())
        {
            w.Sample("conciergus_alerts_firing", open.Count(i => i.State == AlertState.Firing && i.Severity == severity), ("severity", AlertWire.Name(severity)));
        }

        w.Family("conciergus_alerts_pending", "gauge", "Pending alert instances (condition true, waiting for the rule's for).")
            .Sample("conciergus_alerts_pending", open.Count(i => i.State == AlertState.Pending));
        var status = alerts.Status;
        w.Family("conciergus_alert_evaluations_total", "counter", "Alert rule evaluations since start.")
            .Sample("conciergus_alert_evaluations_total", status.Evaluations);
        w.Family("conciergus_alert_last_evaluation_timestamp_seconds", "gauge", "When the last alert evaluation finished (Unix seconds; 0 before the first).")
            .Sample("conciergus_alert_last_evaluation_timestamp_seconds", status.LastEvaluation is { } last ? last.ToUnixTimeMilliseconds() / 1000.0 : 0);
        w.Family("conciergus_alert_evaluation_duration_seconds", "gauge", "How long the last alert evaluation took.")
            .Sample("conciergus_alert_evaluation_duration_seconds", status.LastDuration.TotalSeconds);
        w.Family("conciergus_alert_rule_errors", "gauge", "Alert rules whose last evaluation failed.")
            .Sample("conciergus_alert_rule_errors", status.RuleErrors.Count);
        w.Family("conciergus_alert_delivery_failures_total", "counter", "Notifications that failed after all retries since start.")
            .Sample("conciergus_alert_delivery_failures_total", status.FailedDeliveries);
    }
}
