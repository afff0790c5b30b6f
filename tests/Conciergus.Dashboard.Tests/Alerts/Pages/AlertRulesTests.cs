using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertRulesTests : AlertPageTestContext
{
    public AlertRulesTests()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "builtin-error-rate", name: "Error rate", builtIn: true));
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "slow", name: "Slow", metric: AlertMetric.LatencyP95, threshold: 10_000) with { For = TimeSpan.FromMinutes(5) });
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start, ruleId: "slow"));
        Alerts.StatusValue = Alerts.StatusValue with { RuleErrors = new Dictionary<string, string> { ["slow"] = "no such series" } };
    }

    [Fact]
    public void Render_Rules_ShowsConditionOpenAlertsAndEvaluationErrors()
    {
        var cut = Render<AlertRules>();

        Assert.Contains("latency_p95 > 10000 over 1m by model for 5m", cut.Find("[data-testid=rule-row-slow]").ParentElement!.TextContent, StringComparison.Ordinal);
        Assert.Equal("1 firing", Text(cut, "rule-open-slow"));
        Assert.Contains("no such series", Text(cut, "rule-error-slow"), StringComparison.Ordinal);
    }

    [Fact]
    public void Render_Viewer_NoEditControls()
    {
        SignIn("victor", ConciergusRole.Viewer);

        var cut = Render<AlertRules>();

        Assert.Empty(cut.FindAll("[data-testid=rule-new]"));
        Assert.Empty(cut.FindAll("[data-testid^=rule-enabled-]"));
        Assert.Empty(cut.FindAll("[data-testid^=rule-delete-]"));
        Assert.Empty(cut.FindAll("a[href='/alerts/rules/slow']"));
    }

    [Fact]
    public void Render_Admin_BuiltInRulesCannotBeDeleted()
    {
        var cut = Render<AlertRules>();

        Assert.NotNull(cut.Find("[data-testid=rule-delete-slow]"));
        Assert.Empty(cut.FindAll("[data-testid=rule-delete-builtin-error-rate]"));
        Assert.NotNull(cut.Find("a[href='/alerts/rules/slow']"));
    }

    [Fact]
    public void Toggle_Enabled_UpdatesTheRule()
    {
        var cut = Render<AlertRules>();

        cut.Find("[data-testid=rule-enabled-builtin-error-rate]").Change(false);

        Assert.False(Alerts.GetRule("builtin-error-rate")!.Enabled);
        Assert.Equal("alert_rule.update", Alerts.Calls.Single().Action);
    }

    [Fact]
    public void Delete_Confirmed_DeletesTheRule()
    {
        var cut = Render<AlertRules>();

        cut.Find("[data-testid=rule-delete-slow]").Click();
        Assert.Empty(Alerts.Calls);
        cut.Find("[data-testid=rule-delete-yes]").Click();

        Assert.Null(Alerts.GetRule("slow"));
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("[data-testid=rule-row-slow]")));
    }
}
