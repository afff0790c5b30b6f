using Bunit;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Core.Errors;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Compliance;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using CompliancePage = Conciergus.Dashboard.Components.Pages.Compliance;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class CompliancePagesTests : DashboardTestContext
{
    // Generous: the whole suite shares two cores with child processes and browsers.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly ComplianceTestHost _host;

    public CompliancePagesTests()
        : this(new ComplianceTestHost())
    {
    }

    private CompliancePagesTests(ComplianceTestHost host)
    {
        _host = host;
        var recorder = new AuditRecorder(host.Audit);
        Services.AddSingleton<TimeProvider>(host.Time);
        Services.AddSingleton(host.Audit);
        Services.AddSingleton(recorder);
        Services.AddSingleton(host.Decisions);
        Services.AddSingleton(host.Policies);
        Services.AddSingleton(host.Retention);
        Services.AddSingleton(host.Reports);
        Services.AddSingleton(host.Requests);
        Services.AddSingleton(host.Consent);
        Services.AddSingleton(new SubjectRequests(
            [new UserCostSubjectStore(new UserCostLedger(new TimeSeriesOptions(), host.Time)), new RecentErrorsSubjectStore(new RecentErrors()), host.Consent],
            recorder, host.Pseudonymizer, host.Time));
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        Render<MudPopoverProvider>();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _host.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    [Fact]
    public async Task Compliance_State_ShowsControlsAndDecisionRecords()
    {
        await _host.RecordAsync(3, "alice");

        var cut = Render<CompliancePage>();

        cut.WaitForAssertion(() => Assert.Equal(6, cut.FindAll("[data-testid=compliance-control]").Count), Wait);
        Assert.Equal(3, cut.FindAll("[data-testid=decision-row]").Count);
        var evidence = cut.FindAll("[data-testid=control-evidence]").Select(e => e.TextContent).ToList();
        Assert.Contains(evidence, e => e.Contains("On. 3 records verified at 2026-11-27 12:00:00 UTC", StringComparison.Ordinal));
        Assert.Contains(evidence, e => e.Contains("GDPR policy: operations 30 days, decisions 180 days", StringComparison.Ordinal));

        // Each framework's obligations with the control that meets them, as in the report (issue 19).
        var obligations = cut.FindAll("[data-testid=compliance-obligation]").Select(r => r.TextContent).ToList();
        Assert.NotEmpty(obligations);
        foreach (var framework in new[] { "GDPR", "CCPA", "EU AI Act" })
        {
            Assert.Contains(obligations, o => o.Contains(framework, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Compliance_SearchByUser_ShowsOnlyTheirRecords()
    {
        await _host.RecordAsync(3, "alice");
        await _host.RecordAsync(2, "bob");
        await _host.Consent.SetAsync("bob", analytics: true, experimentation: false, "api", "Ingestion", null, _host.Time.GetUtcNow());
        var cut = Render<CompliancePage>();
        cut.WaitForAssertion(() => Assert.Equal(5, cut.FindAll("[data-testid=decision-row]").Count), Wait);

        cut.Find("input[data-testid=decision-user]").Change("bob");
        cut.Find("[data-testid=decision-search-button]").Click();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=decision-row]").Count), Wait);
        Assert.Contains("analytics granted, experimentation refused (sent 2026-11-27 12:00:00 UTC",
            string.Join(' ', cut.Find("[data-testid=decision-consent]").TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
        Assert.Contains("userId=bob", cut.Find("[data-testid=decision-export-csv]").GetAttribute("href"), StringComparison.Ordinal);
    }

    [Fact]
    public void Compliance_RunRetention_ShowsWhatRanAndAuditsIt()
    {
        var cut = Render<CompliancePage>();
        cut.WaitForAssertion(() => Assert.Equal(6, cut.FindAll("[data-testid=compliance-control]").Count), Wait);

        cut.Find("[data-testid=compliance-purge]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Retention ran at 2026-11-27 12:00:00", cut.Find("[data-testid=compliance-purge-result]").TextContent, StringComparison.Ordinal), Wait);
        var entry = Assert.Single(_host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction }).Entries);
        Assert.Equal("test-admin", entry.Actor);
        Assert.Equal("Admin", entry.Role);
    }

    [Fact]
    public void RetentionEditor_BelowTheFloor_ShowsTheReasonAndSavesNothing()
    {
        _host.Policies.Save(RetentionPresets.Sox, RetentionPresets.Find(RetentionPresets.Sox)!.Days, "setup", _host.Time.GetUtcNow());
        var cut = Render<RetentionEditor>();

        cut.Find("input[data-testid=retention-audit]").Change("365");
        cut.Find("[data-testid=retention-save]").Click();

        cut.WaitForAssertion(() => Assert.Contains("audit: SOX asks for at least 2555 days (got 365)", cut.Find("[data-testid=retention-errors]").TextContent, StringComparison.Ordinal), Wait);
        Assert.Equal(2555, _host.Policies.Current.Days[DataClasses.Audit]);
    }

    [Fact]
    public void RetentionEditor_ValidChange_SavedAndAudited()
    {
        var cut = Render<RetentionEditor>();

        cut.Find("input[data-testid=retention-decisions]").Change("400");
        cut.Find("[data-testid=retention-save]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=retention-saved]")), Wait);
        Assert.Equal(400, _host.Policies.Current.Days[DataClasses.Decisions]);
        var entry = Assert.Single(_host.Audit.Query(new AuditQuery { Action = "compliance.retention_update" }).Entries);
        Assert.Equal("400", entry.Details!["days.decisions"]);
    }

    [Fact]
    public async Task Privacy_Requests_ListedWithDueDatesAndOverdueFlag()
    {
        await _host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);
        await _host.Requests.CompleteErasureAsync("bob", new SubjectErasure("subject:b", new Dictionary<string, long> { ["consent"] = 1 },
            new AuditEntry { Sequence = 7, Timestamp = _host.Time.GetUtcNow(), Actor = "a", Role = "Admin", Action = "subject.erase", PreviousHash = "", Hash = "" }), null, null);
        _host.Time.Advance(TimeSpan.FromDays(31));

        var cut = Render<Privacy>();

        cut.WaitForAssertion(() => Assert.Equal(2, cut.FindAll("[data-testid=dsr-row]").Count), Wait);
        Assert.Equal(["2026-12-27 12:00", "2026-12-27 12:00"], cut.FindAll("[data-testid=dsr-due]").Select(c => c.TextContent.Trim()));
        Assert.Equal(["overdue", "fulfilled"], cut.FindAll("[data-testid=dsr-status]").Select(c => c.TextContent.Trim()));
        Assert.Equal("consent=1; total 1; audit entry 7", cut.FindAll("[data-testid=dsr-evidence]")[1].TextContent.Trim());
    }

    [Fact]
    public void Privacy_LogRequestReceived_AppearsWithItsDueDate()
    {
        var cut = Render<Privacy>();
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=dsr-empty]")), Wait);

        cut.Find("input[data-testid=subject-user-id]").Input("carol");
        cut.Find("[data-testid=dsr-log]").Click();

        cut.WaitForAssertion(() => Assert.Equal("2026-12-27 12:00", cut.Find("[data-testid=dsr-due]").TextContent.Trim()), Wait);
        Assert.Equal("received", cut.Find("[data-testid=dsr-status]").TextContent.Trim());
        Assert.Equal(_host.Pseudonymizer.Pseudonym("carol"), Assert.Single(_host.Requests.Open()).Subject);
    }

    [Fact]
    public async Task Privacy_Erase_CompletesTheOpenRequest()
    {
        await _host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "carol", null, null);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Privacy>();
        cut.Find("input[data-testid=subject-user-id]").Input("carol");

        cut.Find("[data-testid=subject-erase]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=erase-confirm]")), Wait);
        dialogs.Find("[data-testid=erase-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal("fulfilled", cut.Find("[data-testid=dsr-status]").TextContent.Trim()), Wait);
        Assert.Empty(_host.Requests.Open());
    }
}
