using Conciergus.Core.Compliance;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class ComplianceReportTests
{
    [Fact]
    public async Task Render_State_HtmlShowsVerificationRetentionDecisionsConsentAndOpenRequests()
    {
        await using var host = new ComplianceTestHost(framework: RetentionPresets.EuAiAct);
        await host.RecordAsync(4);
        await host.Consent.SetAsync("alice", analytics: false, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.Consent.SetAsync("bob", analytics: true, experimentation: false, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "alice", null, null);
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.Retention.PurgeAsync("system", "System");

        var report = await host.Reports.BuildAsync();
        var html = ComplianceReportHtml.Render(report);

        Assert.Contains("Generated <time id=\"generated\">2026-11-27 13:00:00 UTC</time>", html, StringComparison.Ordinal);
        Assert.Contains("<b id=\"framework\">EU AI Act</b>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>Audit trail</td><td>valid</td>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>AI decision records (on)</td><td>valid</td><td>4</td><td>2026-11-27 13:00:00 UTC</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("<tr><td>decisions</td><td>183</td><td>183</td></tr>", html, StringComparison.Ordinal);
        Assert.Contains("Last run 2026-11-27 13:00:00 UTC", html, StringComparison.Ordinal);
        Assert.Contains("2 users with a consent state; 1 refuse analytics; 1 refuse experimentation", html, StringComparison.Ordinal);
        Assert.Contains($"<td>erasure</td><td>{host.Pseudonymizer.Pseudonym("alice")}</td><td>2026-11-27 12:00:00 UTC</td><td>2026-12-27 12:00:00 UTC</td><td>received</td>",
            html, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", html.Replace(host.Pseudonymizer.Pseudonym("alice"), "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.All(report.Controls, c => Assert.Equal(ControlStatus.InPlace, c.Status));
    }

    [Fact]
    public async Task Build_DecisionsOffAndOverdueRequest_ControlsSayWhatIsMissing()
    {
        await using var host = new ComplianceTestHost(recordDecisions: false);
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);
        host.Time.Advance(TimeSpan.FromDays(40));

        var report = await host.Reports.BuildAsync();
        var html = ComplianceReportHtml.Render(report);

        Assert.Equal(ControlStatus.Missing, report.Controls.Single(c => c.Name == "AI decision records").Status);
        Assert.Equal(ControlStatus.Attention, report.Controls.Single(c => c.Name == "Data-subject requests").Status);
        Assert.Equal(ControlStatus.Attention, report.Controls.Single(c => c.Name == "Retention enforced").Status); // never ran since start
        Assert.Contains("AI decision records (off)", html, StringComparison.Ordinal);
        Assert.Contains("<td>overdue</td>", html, StringComparison.Ordinal);
        Assert.Contains("No run since start yet.", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_AuditChainTampered_ControlNotInPlace()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("alice", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.Consent.SetAsync("bob", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.CloseAsync();
        host.Tamper(db =>
        {
            var audit = db.GetCollection("audit");
            var doc = audit.FindById(1);
            doc["actor"] = "mallory";
            audit.Update(doc);
        });
        host.Open();

        var report = await host.Reports.BuildAsync();

        var control = report.Controls.Single(c => c.Name == "Tamper-evident audit trail");
        Assert.Equal(ControlStatus.Missing, control.Status);
        Assert.Contains("FAILED: entry 1 does not match its hash", control.Evidence, StringComparison.Ordinal);
    }
}
