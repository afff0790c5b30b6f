using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Conciergus.Core.Compliance;

/// <summary>
/// Renders a <see cref="ComplianceReport"/> as one self-contained HTML file an auditor can keep (no scripts, no
/// external resources; print styles, so the browser's "Save as PDF" gives the PDF).
/// </summary>
public static class ComplianceReportHtml
{
    /// <summary>The report as an HTML document.</summary>
    public static string Render(ComplianceReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var h = HtmlEncoder.Default;
        var sb = new StringBuilder(8192);
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Conciergus compliance report ")
            .Append(h.Encode(ComplianceReportBuilder.Time(report.GeneratedAt))).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}")
            .Append("th,td{border:1px solid #ccc;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f3f3}")
            .Append(".InPlace{color:#1b5e20;font-weight:600}.Attention{color:#e65100;font-weight:600}.Missing{color:#b71c1c;font-weight:600}")
            .Append("small{color:#555}@media print{body{margin:0}}</style></head><body>\n");
        sb.Append("<h1>Compliance report</h1>\n<p>Generated <time id=\"generated\">").Append(h.Encode(ComplianceReportBuilder.Time(report.GeneratedAt)))
            .Append("</time>. Framework preset: <b id=\"framework\">").Append(h.Encode(report.Preset.Title)).Append("</b>. <small>")
            .Append(h.Encode(report.Preset.Basis)).Append(" This report describes technical controls; it is not legal advice.</small></p>\n");

        sb.Append("<h2>Controls</h2>\n<table id=\"controls\"><thead><tr><th>Control</th><th>Status</th><th>Evidence</th><th>Supports</th></tr></thead><tbody>\n");
        foreach (var control in report.Controls)
        {
            sb.Append("<tr><td>").Append(h.Encode(control.Name)).Append("</td><td class=\"").Append(control.Status).Append("\">")
                .Append(StatusText(control.Status))
                .Append("</td><td>").Append(h.Encode(control.Evidence)).Append("</td><td>").Append(h.Encode(string.Join("; ", control.Frameworks))).Append("</td></tr>\n");
        }

        sb.Append("</tbody></table>\n<h2>Obligations by framework</h2>\n<table id=\"obligations\"><thead><tr><th>Framework</th><th>Obligation</th><th>Met by</th><th>State</th></tr></thead><tbody>\n");
        foreach (var o in report.Obligations)
        {
            sb.Append("<tr><td>").Append(h.Encode(o.Framework)).Append("</td><td>").Append(h.Encode(o.Provision)).Append("</td><td>").Append(h.Encode(o.Control))
                .Append("</td><td class=\"").Append(o.Status).Append("\">").Append(StatusText(o.Status)).Append("</td></tr>\n");
        }

        sb.Append("</tbody></table>\n<h2>Chain verification</h2>\n<table id=\"verification\"><thead><tr><th>Chain</th><th>Result</th><th>Entries</th><th>Verified at</th></tr></thead><tbody>\n");
        Row(sb, h, "Audit trail", report.Audit.Valid ? "valid" : "INVALID: " + report.Audit.Reason, report.Audit.Entries, report.AuditVerifiedAt);
        Row(sb, h, "AI decision records (" + (report.DecisionStats.Enabled ? "on" : "off") + ")",
            report.Decisions.Valid ? "valid" : "INVALID: " + report.Decisions.Reason, report.Decisions.Records, report.Decisions.VerifiedAt);
        sb.Append("</tbody></table>\n");

        sb.Append("<h2>Retention</h2>\n<table id=\"retention\"><thead><tr><th>Data class</th><th>Kept (days)</th><th>Framework floor</th></tr></thead><tbody>\n");
        foreach (var dataClass in DataClasses.All)
        {
            sb.Append("<tr><td>").Append(h.Encode(dataClass)).Append("</td><td>").Append(report.Retention.Days[dataClass].ToString(CultureInfo.InvariantCulture))
                .Append("</td><td>").Append(report.Preset.MinimumDays.TryGetValue(dataClass, out var floor) ? floor.ToString(CultureInfo.InvariantCulture) : "none").Append("</td></tr>\n");
        }

        sb.Append("</tbody></table>\n<p id=\"last-purge\">Purge every ").Append(report.PurgeInterval.TotalHours.ToString("0.#", CultureInfo.InvariantCulture)).Append(" h. ")
            .Append(report.LastPurge is { } last
                ? h.Encode($"Last run {ComplianceReportBuilder.Time(last.RanAt)}, recorded as audit entry {last.AuditSequence}.")
                : "No run since start yet.")
            .Append(report.Retention.UpdatedAt is { } updated ? h.Encode($" Policy saved {ComplianceReportBuilder.Time(updated)} by {report.Retention.UpdatedBy}.") : " Policy: the configured preset.")
            .Append("</p>\n");

        sb.Append("<h2>Consent</h2>\n<p id=\"consent\">").Append(report.RequireConsent ? "Opt-in (no purpose without consent)" : "Opt-out (allowed until refused)")
            .Append(h.Encode($". {report.Consent.Users} users with a consent state; {report.Consent.AnalyticsRefused} refuse analytics; {report.Consent.ExperimentationRefused} refuse experimentation."))
            .Append("</p>\n");

        sb.Append("<h2>Open data-subject requests</h2>\n");
        if (report.OpenRequests.Count == 0)
        {
            sb.Append("<p id=\"requests\">None open. ").Append(report.CompletedRequests.ToString(CultureInfo.InvariantCulture)).Append(" completed.</p>\n");
        }
        else
        {
            sb.Append("<table id=\"requests\"><thead><tr><th>Request</th><th>Kind</th><th>Subject</th><th>Received</th><th>Due</th><th>Status</th></tr></thead><tbody>\n");
            foreach (var r in report.OpenRequests)
            {
                sb.Append("<tr><td>").Append(h.Encode(r.Id)).Append("</td><td>").Append(h.Encode(r.Kind)).Append("</td><td>").Append(h.Encode(r.Subject))
                    .Append("</td><td>").Append(h.Encode(ComplianceReportBuilder.Time(r.ReceivedAt))).Append("</td><td>").Append(h.Encode(ComplianceReportBuilder.Time(r.DueAt)))
                    .Append("</td><td>").Append(r.IsOverdue(report.GeneratedAt) ? "overdue" : h.Encode(r.Status)).Append("</td></tr>\n");
            }

            sb.Append("</tbody></table>\n");
        }

        return sb.Append("</body></html>\n").ToString();
    }

    private static string StatusText(ControlStatus status) => status switch { ControlStatus.InPlace => "In place", ControlStatus.Attention => "Attention", _ => "Not in place" };

    private static void Row(StringBuilder sb, HtmlEncoder h, string chain, string result, long entries, DateTimeOffset at) =>
        sb.Append("<tr><td>").Append(h.Encode(chain)).Append("</td><td>").Append(h.Encode(result)).Append("</td><td>")
            .Append(entries.ToString(CultureInfo.InvariantCulture)).Append("</td><td>").Append(h.Encode(ComplianceReportBuilder.Time(at))).Append("</td></tr>\n");
}
