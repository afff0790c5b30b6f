using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Dashboard.Tests.Alerts.Pages;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>Issue 22 item 12: the Overview's Firing alerts panel lists firing alerts; pending ones are named apart.</summary>
public sealed class FiringAlertsPanelTests : AlertPageTestContext
{
    [Fact]
    public void Render_FiringAndPending_ListsFiringAndNamesPendingApart()
    {
        Alerts.InstanceList.Add(FakeAlertService.Instance("f1", AlertState.Firing, AlertSeverity.Low, Start));
        Alerts.InstanceList.Add(FakeAlertService.Instance("p1", AlertState.Pending, AlertSeverity.Critical, Start));

        var cut = Render<FiringAlertsPanel>();

        var rows = cut.FindAll("[data-testid=firing-alerts] tr[data-alert]");
        Assert.Equal(["f1"], rows.Select(r => r.GetAttribute("data-alert")));
        Assert.Equal("1 firing", cut.Find("[data-testid=firing-alerts-count]").TextContent.Trim());
        var pending = cut.Find("[data-testid=pending-alerts]");
        Assert.Contains("1 pending (not firing yet)", pending.TextContent, StringComparison.Ordinal);
        Assert.Equal("/alerts/p1", pending.QuerySelector("[data-pending-alert=p1]")!.GetAttribute("href"));
    }

    [Fact]
    public void Render_OnlyPending_SaysNothingIsFiringAndNamesThePending()
    {
        Alerts.InstanceList.Add(FakeAlertService.Instance("p1", AlertState.Pending, AlertSeverity.High, Start));

        var cut = Render<FiringAlertsPanel>();

        Assert.Equal("No alert is firing", cut.Find("[data-testid=firing-alerts-empty]").TextContent.Trim());
        Assert.Empty(cut.FindAll("[data-testid=firing-alerts]"));
        Assert.Contains("1 pending", cut.Find("[data-testid=pending-alerts]").TextContent, StringComparison.Ordinal);
    }
}
