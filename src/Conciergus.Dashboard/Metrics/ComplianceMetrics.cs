using Conciergus.Core.Compliance;

namespace Conciergus.Dashboard.Metrics;

/// <summary>The compliance violations of /metrics (issue 19 item 6); the built-in "compliance" alert rules read the same values.</summary>
internal static class ComplianceMetrics
{
    /// <summary>Writes the violation families.</summary>
    public static void Write(PrometheusTextWriter w, ComplianceViolations violations)
    {
        var v = violations.Snapshot();
        w.Family("conciergus_compliance_overdue_requests", "gauge", "Data-subject requests open past their due date.")
            .Sample("conciergus_compliance_overdue_requests", v.OverdueRequests);
        w.Family("conciergus_compliance_chain_failures", "gauge", "Hash chains (audit trail, AI decision records) whose last verification failed (0 before the first).")
            .Sample("conciergus_compliance_chain_failures", v.ChainFailures);
        w.Family("conciergus_compliance_retention_last_run_timestamp_seconds", "gauge", "The last retention run (Unix seconds; before any run, when the audit trail starts).")
            .Sample("conciergus_compliance_retention_last_run_timestamp_seconds", v.RetentionLastRun.ToUnixTimeMilliseconds() / 1000.0);
        w.Family("conciergus_compliance_retention_overdue_hours", "gauge", "Hours the retention run is late beyond its interval and grace (0 when on time).")
            .Sample("conciergus_compliance_retention_overdue_hours", v.RetentionOverdueHours);
        w.Family("conciergus_compliance_consent_missing_total", "counter", "Operations processed for a purpose without the user's consent (experiment tags of users who refused experimentation), since start.")
            .Sample("conciergus_compliance_consent_missing_total", v.ConsentMissingTotal);
        w.Family("conciergus_compliance_content_captured_total", "counter", "Prompt or response texts received while content capture is off (withheld, only their length kept), since start.")
            .Sample("conciergus_compliance_content_captured_total", v.ContentCapturedTotal);
    }
}
