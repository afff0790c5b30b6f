using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Dashboard.Components.Layout;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

/// <summary>The pieces that render on pages owned by others: the navigation badge, the Overview and Health sections.</summary>
public sealed class AlertPanelsTests : AlertPageTestContext
{
    [Fact]
    public void NavMenu_FiringAlerts_BadgeCountsFiringUnacknowledgedAndUpdatesOnChanged()
    {
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start));
        Alerts.InstanceList.Add(FakeAlertService.Instance("a2", AlertState.Firing, AlertSeverity.Low, Start, acknowledged: true));
        Alerts.InstanceList.Add(FakeAlertService.Instance("a3", AlertState.Pending, AlertSeverity.Low, Start));
        var cut = Render<NavMenu>();
        Assert.Equal("1", cut.Find("[data-route='/alerts'] [data-testid=nav-alerts-badge]").TextContent.Trim());
        Assert.Equal("/alerts", cut.Find("[data-route='/alerts']").GetAttribute("href"));

        Alerts.InstanceList.Add(FakeAlertService.Instance("a4", AlertState.Firing, AlertSeverity.Critical, Start));
        Alerts.RaiseChanged();
        cut.WaitForAssertion(() => Assert.Equal("2", cut.Find("[data-testid=nav-alerts-badge]").TextContent.Trim()));

        // A second change within the throttle interval lands once the interval has passed.
        Alerts.InstanceList.RemoveAll(i => i.State == AlertState.Firing);
        Alerts.RaiseChanged();
        Time.Advance(AlertComponentBase.RefreshInterval);
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=nav-alerts-badge]")));
    }

    [Fact]
    public void FiringAlertsPanel_ManyOpen_ShowsTheTopByUrgencyAndLinksToAlerts()
    {
        for (var i = 0; i < 7; i++)
        {
            Alerts.InstanceList.Add(FakeAlertService.Instance($"low-{i}", AlertState.Firing, AlertSeverity.Low, Start.AddMinutes(-i)));
        }

        Alerts.InstanceList.Add(FakeAlertService.Instance("crit", AlertState.Firing, AlertSeverity.Critical, Start.AddHours(-1)));
        Alerts.InstanceList.Add(FakeAlertService.Instance("done", AlertState.Resolved, AlertSeverity.Critical, Start.AddHours(-1)));

        var cut = Render<FiringAlertsPanel>();

        var rows = cut.FindAll("[data-testid=firing-alerts] tr[data-alert]");
        Assert.Equal(FiringAlertsPanel.Top, rows.Count);
        Assert.Equal("crit", rows[0].GetAttribute("data-alert"));
        Assert.Equal("8 firing", cut.Find("[data-testid=firing-alerts-count]").TextContent.Trim());
        Assert.Equal("/alerts", cut.Find("[data-testid=firing-alerts-all]").GetAttribute("href"));
    }

    [Fact]
    public void FiringAlertsPanel_NothingOpen_SaysSo()
    {
        var cut = Render<FiringAlertsPanel>();

        Assert.Equal("No alert is firing", cut.Find("[data-testid=firing-alerts-empty]").TextContent.Trim());
    }

    [Fact]
    public void AlertEvaluatorPanel_RuleErrorsAndFailedDeliveries_AreShown()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "r1", name: "Budget"));
        Alerts.StatusValue = new AlertEvaluatorStatus(Start.AddSeconds(-4), TimeSpan.FromMilliseconds(12), TimeSpan.FromSeconds(10), 42,
            new Dictionary<string, string> { ["r1"] = "no budget configured" }, 3);

        var cut = Render<AlertEvaluatorPanel>();

        Assert.Equal("rule errors", cut.Find("[data-testid=alert-evaluator-verdict]").TextContent.Trim());
        Assert.Contains("Budget: no budget configured", cut.Find("[data-testid=alert-evaluator-rule-errors] li[data-rule=r1]").TextContent, StringComparison.Ordinal);
        Assert.Contains("3", cut.Find("tr[data-field=failed-deliveries]").TextContent, StringComparison.Ordinal);
        Assert.Contains("10s", cut.Find("tr[data-field=interval]").TextContent, StringComparison.Ordinal);
        Assert.Contains("4 s ago", cut.Find("tr[data-field=last]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void AlertEvaluatorPanel_NoEvaluationForThreeIntervals_IsLate()
    {
        Alerts.StatusValue = new AlertEvaluatorStatus(Start.AddMinutes(-2), TimeSpan.FromMilliseconds(12), TimeSpan.FromSeconds(10), 42,
            new Dictionary<string, string>(), 0);

        var cut = Render<AlertEvaluatorPanel>();

        Assert.Equal("late", cut.Find("[data-testid=alert-evaluator-verdict]").TextContent.Trim());
    }
}

/// <summary>Without alerting registered, the shared pieces render nothing and the pages say alerting is unavailable.</summary>
public sealed class AlertPanelsWithoutServiceTests : Conciergus.Dashboard.Tests.Components.DashboardTestContext
{
    [Fact]
    public void NavMenu_NoAlertService_NoBadge()
    {
        var cut = Render<NavMenu>();

        Assert.Empty(cut.FindAll("[data-testid=nav-alerts-badge]"));
        Assert.Equal("/alerts", cut.Find("[data-route='/alerts']").GetAttribute("href"));
    }

    [Fact]
    public void Panels_NoAlertService_RenderNothing()
    {
        Assert.Equal("", Render<FiringAlertsPanel>().Markup.Trim());
        Assert.Equal("", Render<AlertEvaluatorPanel>().Markup.Trim());
    }

    [Fact]
    public void AlertList_NoAlertService_SaysAlertingIsUnavailable()
    {
        var cut = Render<Conciergus.Dashboard.Components.Pages.AlertList>();

        Assert.NotNull(cut.Find("[data-testid=alerts-unavailable]"));
    }
}

/// <summary>The live publisher's tick as the second path: a Version that moved without Changed still shows.</summary>
public sealed class AlertLiveTickTests : Conciergus.Dashboard.Tests.Components.DashboardTestContext
{
    private readonly Conciergus.Dashboard.Tests.Live.LiveTestHost _live = new();

    [Fact]
    public async Task NavBadge_VersionMovedWithoutChanged_UpdatesOnThePublisherTick()
    {
        var alerts = new FakeAlertService(_live.Time);
        Services.AddSingleton<IAlertService>(alerts);
        Services.AddSingleton(_live.Publisher);
        Services.AddSingleton<TimeProvider>(_live.Time);
        await _live.StartAsync();
        var cut = Render<FiringBadge>();
        Assert.Empty(cut.FindAll("[data-testid=nav-alerts-badge]"));

        alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, _live.Time.GetUtcNow()));
        alerts.BumpVersionSilently();
        _live.Record(); // something to publish
        _live.Tick();

        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=nav-alerts-badge]").TextContent.Trim()));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _live.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }
}
