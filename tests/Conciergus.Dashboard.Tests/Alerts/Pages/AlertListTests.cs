using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertListTests : AlertPageTestContext
{
    private void Seed()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule());
        Alerts.InstanceList.AddRange(
        [
            FakeAlertService.Instance("pending-critical", AlertState.Pending, AlertSeverity.Critical, Start.AddMinutes(-1)),
            FakeAlertService.Instance("firing-low", AlertState.Firing, AlertSeverity.Low, Start.AddMinutes(-30)),
            FakeAlertService.Instance("resolved-critical", AlertState.Resolved, AlertSeverity.Critical, Start.AddMinutes(-60)),
            FakeAlertService.Instance("firing-critical", AlertState.Firing, AlertSeverity.Critical, Start.AddMinutes(-5)),
            FakeAlertService.Instance("firing-high", AlertState.Firing, AlertSeverity.High, Start.AddMinutes(-10)),
        ]);
    }

    private static List<string> RowIds(IRenderedComponent<AlertList> cut) =>
        [.. cut.FindAll("[data-testid^=alert-row-]").Select(e => e.GetAttribute("data-testid")!["alert-row-".Length..])];

    [Fact]
    public void Render_MixedStates_FiringFirstBySeverityThenPending()
    {
        Seed();

        var cut = Render<AlertList>();

        Assert.Equal(["firing-critical", "firing-high", "firing-low", "pending-critical"], RowIds(cut));
        Assert.Equal("3 firing", Text(cut, "summary-firing"));
        Assert.Equal("12%", Text(cut, "alert-value-firing-critical")); // error_rate 0.12 as a percentage
    }

    [Fact]
    public void Render_AllFilter_ResolvedLast()
    {
        Seed();
        var cut = Render<AlertList>();

        cut.Find("[data-testid=filter-all]").Click();

        Assert.Equal(["firing-critical", "firing-high", "firing-low", "pending-critical", "resolved-critical"], RowIds(cut));
    }

    [Fact]
    public void Render_NothingOpen_ShowsEmptyState()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule());

        var cut = Render<AlertList>();

        Assert.Contains("No alert is firing or pending", Text(cut, "alerts-empty"), StringComparison.Ordinal);
    }

    [Fact]
    public void Acknowledge_OperatorWithComment_CallsServiceWithCommentAndActor()
    {
        Seed();
        SignIn("olivia", ConciergusRole.Operator);
        var cut = Render<AlertList>();

        cut.Find("[data-testid=alert-ack-firing-high]").Click();
        Assert.Empty(Alerts.Calls); // nothing happens before confirming
        Set(cut, "alert-comment-firing-high", "looking into it");
        cut.Find("[data-testid=alert-confirm-firing-high]").Click();

        var call = Assert.Single(Alerts.Calls);
        Assert.Equal(("alert.acknowledge", "firing-high", "looking into it"), (call.Action, call.Target, call.Comment));
        Assert.Equal(new Actor("olivia", "Operator"), call.Actor);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=alert-row-firing-high]").ParentElement!.QuerySelector("[data-testid=chip-acknowledged]")));
        Assert.Empty(cut.FindAll("[data-testid=alert-ack-firing-high]")); // acknowledged once
    }

    [Fact]
    public void Acknowledge_EvaluationRefreshesTheRowWhileConfirming_ConfirmStaysOnTheSameAlert()
    {
        // Arrange: the operator opened the comment box of firing-high
        Seed();
        SignIn("olivia", ConciergusRole.Operator);
        var cut = Render<AlertList>();
        cut.Find("[data-testid=alert-ack-firing-high]").Click();
        Set(cut, "alert-comment-firing-high", "looking into it");

        // Act: an evaluation rewrites every open instance (new annotations, as AlertService does) and a new critical alert
        // fires, sorting above firing-high; the page refreshes live
        for (var i = 0; i < Alerts.InstanceList.Count; i++)
        {
            var instance = Alerts.InstanceList[i];
            Alerts.InstanceList[i] = instance with { Annotations = new Dictionary<string, string>(instance.Annotations) };
        }

        Alerts.InstanceList.Add(FakeAlertService.Instance("firing-new", AlertState.Firing, AlertSeverity.Critical, Start.AddMinutes(-1)));
        Alerts.RaiseChanged();
        cut.WaitForAssertion(() => Assert.Contains("firing-new", RowIds(cut)));

        // Assert: the comment box is still firing-high's, and confirming acknowledges firing-high, not the row now in its place
        Assert.Empty(cut.FindAll("[data-testid=alert-confirm-firing-new]"));
        cut.Find("[data-testid=alert-confirm-firing-high]").Click();
        var call = Assert.Single(Alerts.Calls);
        Assert.Equal(("alert.acknowledge", "firing-high", "looking into it"), (call.Action, call.Target, call.Comment));
    }

    [Fact]
    public void Resolve_Operator_CallsServiceAndLeavesTheOpenList()
    {
        Seed();
        SignIn("olivia", ConciergusRole.Operator);
        var cut = Render<AlertList>();

        cut.Find("[data-testid=alert-resolve-firing-low]").Click();
        cut.Find("[data-testid=alert-confirm-firing-low]").Click();

        var call = Assert.Single(Alerts.Calls);
        Assert.Equal(("alert.resolve", "firing-low", (string?)null), (call.Action, call.Target, call.Comment));
        cut.WaitForAssertion(() => Assert.DoesNotContain("firing-low", RowIds(cut)));
    }

    [Fact]
    public void Acknowledge_Cancel_CallsNothing()
    {
        Seed();
        var cut = Render<AlertList>();

        cut.Find("[data-testid=alert-ack-firing-high]").Click();
        cut.Find("[data-testid=alert-cancel-firing-high]").Click();

        Assert.Empty(Alerts.Calls);
        Assert.NotNull(cut.Find("[data-testid=alert-ack-firing-high]"));
    }

    [Fact]
    public void Acknowledge_ServiceRefuses_ShowsItsMessage()
    {
        Seed();
        Alerts.FailNext = new RefusalException(RefusalKind.Conflict, "The alert resolved meanwhile.");
        var cut = Render<AlertList>();

        cut.Find("[data-testid=alert-ack-firing-high]").Click();
        cut.Find("[data-testid=alert-confirm-firing-high]").Click();

        Assert.Equal("The alert resolved meanwhile.", Text(cut, "alert-action-error-firing-high"));
    }

    [Fact]
    public void Render_Viewer_SeesAlertsButNoButtons()
    {
        Seed();
        SignIn("victor", ConciergusRole.Viewer);

        var cut = Render<AlertList>();

        Assert.Equal(4, RowIds(cut).Count);
        Assert.Empty(cut.FindAll("[data-testid^=alert-ack-]"));
        Assert.Empty(cut.FindAll("[data-testid^=alert-resolve-]"));
    }

    [Fact]
    public void Changed_NewFiringAlert_AppearsLive()
    {
        Seed();
        var cut = Render<AlertList>();

        Alerts.InstanceList.Add(FakeAlertService.Instance("new-critical", AlertState.Firing, AlertSeverity.Critical, Start));
        Alerts.RaiseChanged();

        cut.WaitForAssertion(() => Assert.Equal(["new-critical", "firing-critical"], RowIds(cut).Take(2))); // newest first within a severity
        Assert.Equal("4 firing", Text(cut, "summary-firing"));
    }

    [Fact]
    public async Task Dispose_Page_UnsubscribesFromChanged()
    {
        Render<AlertList>();
        Assert.Equal(1, Alerts.ChangedSubscribers);

        await DisposeComponentsAsync();

        Assert.Equal(0, Alerts.ChangedSubscribers);
    }
}
