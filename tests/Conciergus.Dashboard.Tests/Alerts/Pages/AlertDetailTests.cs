using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertDetailTests : AlertPageTestContext
{
    public AlertDetailTests()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(recovery: 0.04));
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start.AddMinutes(-10)));
        Alerts.History = new AlertMetricSeries(
            new Dictionary<string, string> { ["model"] = "gpt-4o" },
            [(Start.AddMinutes(-3), 0.02), (Start.AddMinutes(-2), 0.08), (Start.AddMinutes(-1), 0.12)]);
    }

    [Fact]
    public void Render_FiringAlert_ShowsStateValueHistoryAndTracesLink()
    {
        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "a1"));

        Assert.Equal("firing", cut.Find("[data-testid=alert-state] [data-state]").GetAttribute("data-state"));
        Assert.Equal("12%", Text(cut, "alert-value"));
        Assert.Equal(["firing", "pending"], cut.FindAll("[data-testid=alert-history] tr[data-event]").Select(r => r.GetAttribute("data-event")));
        Assert.Equal("/traces?model=gpt-4o&status=error", cut.Find("[data-testid=alert-traces]").GetAttribute("href"));
        Assert.Equal("/alerts/rules/high-errors", cut.Find("[data-testid=alert-rule-link]").GetAttribute("href"));
    }

    [Fact]
    public void Render_FirstRender_ChartGetsPointsAndBothThresholdsInPercent()
    {
        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "a1"));

        // error_rate is charted in percent: threshold 0.05 -> 5, recovery 0.04 -> 4.
        cut.WaitForAssertion(() => Assert.Equal("5,4", cut.Find("[data-testid=alert-chart]").GetAttribute("data-thresholds")));
        var create = Assert.Single(Charts.Invocations, i => i.Identifier == "createChart");
        Assert.Contains("thresholds", System.Text.Json.JsonSerializer.Serialize(create.Arguments[1]), StringComparison.Ordinal);
        var append = Charts.Invocations.First(i => i.Identifier == "appendPoints");
        var points = (double?[][][])append.Arguments[1]!;
        Assert.Equal([2.0, 8.0, 12.0], points[0].Select(p => Math.Round(p[1]!.Value, 6)));
    }

    [Fact]
    public void Acknowledge_FromDetail_AddsHistoryEntryWithComment()
    {
        SignIn("olivia", ConciergusRole.Operator);
        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "a1"));

        cut.Find("[data-testid=alert-ack-a1]").Click();
        Set(cut, "alert-comment-a1", "on it");
        cut.Find("[data-testid=alert-confirm-a1]").Click();

        cut.WaitForAssertion(() => Assert.Equal("acknowledged", cut.FindAll("[data-testid=alert-history] tr[data-event]")[0].GetAttribute("data-event")));
        Assert.Contains("on it", cut.Find("[data-testid=alert-history] tr[data-event=acknowledged]").TextContent, StringComparison.Ordinal);
        Assert.Equal("olivia", Alerts.Calls.Single().Actor.Name);
    }

    [Fact]
    public void Render_Viewer_NoActionsNoSilenceNoRuleLink()
    {
        SignIn("victor", ConciergusRole.Viewer);

        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "a1"));

        Assert.Empty(cut.FindAll("[data-testid=alert-ack-a1]"));
        Assert.Empty(cut.FindAll("[data-testid=alert-silence]"));
        Assert.Empty(cut.FindAll("[data-testid=alert-rule-link]"));
        Assert.NotNull(cut.Find("[data-testid=alert-traces]"));
    }

    [Fact]
    public void Render_UnknownId_ShowsNotFound()
    {
        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "nope"));

        Assert.NotNull(cut.Find("[data-testid=alert-not-found]"));
    }
}

public sealed class AlertDetailLiveTests : AlertPageTestContext
{
    [Fact]
    public void Changed_NewMetricPoint_IsAppendedNotRedrawn()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule());
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start.AddMinutes(-10)));
        var labels = new Dictionary<string, string> { ["model"] = "gpt-4o" };
        Alerts.History = new AlertMetricSeries(labels, [(Start.AddMinutes(-2), 0.08), (Start.AddMinutes(-1), 0.12)]);
        var cut = Render<AlertDetail>(p => p.Add(x => x.Id, "a1"));
        cut.WaitForAssertion(() => Assert.Single(Charts.Invocations, i => i.Identifier == "appendPoints"));

        Alerts.History = new AlertMetricSeries(labels, [(Start.AddMinutes(-2), 0.08), (Start.AddMinutes(-1), 0.12), (Start, 0.2)]);
        Alerts.RaiseChanged();

        cut.WaitForAssertion(() => Assert.Equal(2, Charts.Invocations.Count(i => i.Identifier == "appendPoints")));
        var sent = (double?[][][])Charts.Invocations.Last(i => i.Identifier == "appendPoints").Arguments[1]!;
        Assert.Equal([20.0], sent[0].Select(p => Math.Round(p[1]!.Value, 6))); // only the new point
        Assert.Single(Charts.Invocations, i => i.Identifier == "createChart");
    }
}
