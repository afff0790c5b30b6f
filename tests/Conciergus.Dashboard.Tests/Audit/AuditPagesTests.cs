using Bunit;
using Conciergus.Core.Audit;
using Conciergus.Core.Errors;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using AuditPage = Conciergus.Dashboard.Components.Pages.Audit;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class AuditPagesTests : DashboardTestContext
{
    // Generous: the whole suite shares two cores with child processes and browsers.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    private readonly AuditTestStore _store = new();
    private readonly AuditLog _log;
    private readonly UserCostLedger _ledger;

    public AuditPagesTests()
    {
        _log = _store.Open();
        _ledger = new UserCostLedger(new TimeSeriesOptions(), _store.Time);
        var recorder = new AuditRecorder(_log);
        Services.AddSingleton(_log);
        Services.AddSingleton(new SubjectRequests(
            [new UserCostSubjectStore(_ledger), new RecentErrorsSubjectStore(new RecentErrors()), new AuditSubjectStore(_log)],
            recorder, new SubjectPseudonymizer(_store.Key), _store.Time));
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
        Render<MudPopoverProvider>();
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _store.Dispose();
        }
    }

    [Fact]
    public async Task Audit_Entries_ListedNewestFirst()
    {
        await _store.AppendManyAsync(3);

        var cut = Render<AuditPage>();

        cut.WaitForAssertion(() => Assert.Equal(["3", "2", "1"], cut.FindAll("[data-testid=audit-sequence]").Select(c => c.TextContent.Trim())), Wait);
    }

    [Fact]
    public void Audit_NoEntries_ShowsEmptyState()
    {
        var cut = Render<AuditPage>();

        cut.WaitForAssertion(() => Assert.Equal("No audit entries yet.", cut.Find("[data-testid=audit-empty]").TextContent.Trim()), Wait);
    }

    [Fact]
    public async Task Audit_VerifyChain_ShowsTheResult()
    {
        await _store.AppendManyAsync(2);
        var cut = Render<AuditPage>();

        cut.Find("[data-testid=verify-chain]").Click();

        cut.WaitForAssertion(() => Assert.Contains("Chain verified: 2 entries", cut.Find("[data-testid=verify-result]").TextContent, StringComparison.Ordinal), Wait);
    }

    [Fact]
    public async Task Audit_RowClicked_ShowsDetailsAndHashes()
    {
        var entry = await _log.AppendAsync(AuditTestStore.Event());
        var cut = Render<AuditPage>();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=audit-sequence]")), Wait);

        cut.Find("tr.audit-row").Click();

        cut.WaitForAssertion(() =>
        {
            var detail = cut.Find("[data-testid=audit-detail]").TextContent;
            Assert.Contains(entry.Hash, detail, StringComparison.Ordinal);
            Assert.Contains("known incident", detail, StringComparison.Ordinal);
        }, Wait);
    }

    [Fact]
    public void Audit_ExportButtons_PostAFormToTheExportEndpoint()
    {
        var cut = Render<AuditPage>();

        // A form POST (with the antiforgery token), never a link: the export appends an audit entry.
        Assert.Equal("/api/v1/audit/export?format=jsonl", cut.Find("[data-testid=export-jsonl-form]").GetAttribute("action"));
        Assert.Equal("post", cut.Find("[data-testid=export-jsonl-form]").GetAttribute("method"));
        Assert.Equal("/api/v1/audit/export?format=csv", cut.Find("[data-testid=export-csv-form]").GetAttribute("action"));
        Assert.Null(cut.Find("[data-testid=export-jsonl]").GetAttribute("href"));
    }

    [Fact]
    public void Audit_Viewer_SeesNoExportButtons()
    {
        Authorization.SetRoles(nameof(Conciergus.Dashboard.Security.ConciergusRole.Viewer));
        Authorization.SetPolicies(Conciergus.Dashboard.Security.ConciergusPolicies.Viewer);

        var cut = Render<AuditPage>();

        Assert.Empty(cut.FindAll("[data-testid=export-jsonl]"));
        Assert.Empty(cut.FindAll("[data-testid=export-csv]"));
        Assert.NotNull(cut.Find("[data-testid=verify-chain]"));
    }

    [Fact]
    public void Privacy_EraseConfirmed_ShowsPerStoreCountsAndAuditsByPseudonym()
    {
        _ledger.Record("user-77", _store.Time.GetUtcNow(), 2m, 10, 5);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Privacy>();

        cut.Find("input").Input("user-77");
        Assert.Equal("/api/v1/subjects/user-77/export", cut.Find("[data-testid=subject-export-form]").GetAttribute("action"));
        cut.Find("[data-testid=subject-erase]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=erase-confirm]")), Wait);
        dialogs.Find("[data-testid=erase-confirm]").Click();

        cut.WaitForAssertion(() => Assert.Equal(3, cut.FindAll("[data-testid=subject-store-row]").Count), Wait);
        var rows = cut.FindAll("[data-testid=subject-store-row]").Select(r => r.TextContent.Replace(" ", "", StringComparison.Ordinal)).ToList();
        Assert.Contains("userCosts1", rows);
        Assert.Contains("recentErrors0", rows);
        Assert.False(cut.Find("[data-testid=subject-erase]").HasAttribute("disabled"));
        Assert.Null(_ledger.ForUser("user-77", _store.Time.GetUtcNow().AddDays(-1), _store.Time.GetUtcNow().AddDays(1)));
        var audited = _log.Get(_log.HeadSequence)!;
        Assert.Equal(SubjectRequests.EraseAction, audited.Action);
        Assert.StartsWith("subject:", audited.Target, StringComparison.Ordinal);
    }

    [Fact]
    public void Privacy_EraseCancelled_ErasesNothing()
    {
        _ledger.Record("user-78", _store.Time.GetUtcNow(), 2m, 10, 5);
        var dialogs = Render<MudDialogProvider>();
        var cut = Render<Privacy>();

        cut.Find("input").Input("user-78");
        cut.Find("[data-testid=subject-erase]").Click();
        dialogs.WaitForAssertion(() => Assert.NotNull(dialogs.Find("[data-testid=erase-cancel]")), Wait);
        dialogs.Find("[data-testid=erase-cancel]").Click();

        Assert.Empty(cut.FindAll("[data-testid=subject-result]"));
        Assert.NotNull(_ledger.ForUser("user-78", _store.Time.GetUtcNow().AddDays(-1), _store.Time.GetUtcNow().AddDays(1)));
        Assert.Equal(0, _log.HeadSequence);
    }

    [Fact]
    public void Privacy_Prerendering_InputDisabledUntilInteractive()
    {
        // Typing into a prerendered page would be lost when the circuit connects.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Static", isInteractive: false));

        var cut = Render<Privacy>();

        Assert.True(cut.Find("input").HasAttribute("disabled"));
    }

    [Fact]
    public void Privacy_NoUserId_ButtonsDisabled()
    {
        var cut = Render<Privacy>();

        Assert.True(cut.Find("[data-testid=subject-erase]").HasAttribute("disabled"));
    }
}
