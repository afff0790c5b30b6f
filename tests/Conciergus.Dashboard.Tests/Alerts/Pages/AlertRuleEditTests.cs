using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

public sealed class AlertRuleEditTests : AlertPageTestContext
{
    [Fact]
    public void Render_NewRule_PreviewsOnceWithoutGreetingWithErrors()
    {
        var cut = Render<AlertRuleEdit>();

        cut.WaitForAssertion(() => Assert.Single(Alerts.Previewed));
        Assert.Empty(cut.FindAll("[data-testid=rule-other-errors]"));
        Assert.DoesNotContain("A rule needs a name.", cut.Markup, StringComparison.Ordinal);
        Assert.Single(cut.FindAll("[data-testid=preview-row]"));
    }

    [Fact]
    public void Edit_NegativeThreshold_ShowsTheServiceMessageAtTheField()
    {
        var cut = Render<AlertRuleEdit>();

        Set(cut, "field-threshold", "-1");

        cut.WaitForAssertion(() => Assert.Contains("The threshold must not be negative.", FieldText(cut, "field-threshold"), StringComparison.Ordinal));
        Assert.Contains("A rule needs a name.", cut.Markup, StringComparison.Ordinal); // once touched, every field is checked
        Assert.Equal(-1, Alerts.Validated[^1].Threshold);
    }

    [Fact]
    public void Edit_BadWindow_ShowsTheFormsOwnMessage()
    {
        var cut = Render<AlertRuleEdit>();

        Set(cut, "field-window", "5 minutes");

        Assert.Contains("expected", FieldText(cut, "field-window"), StringComparison.Ordinal);
    }

    [Fact]
    public void Edit_ThresholdChanged_PreviewRunsAgainOnlyAfterTheDebounce()
    {
        // The fake's preview: one series at 0.1 for model=gpt-4o, breaching when the threshold is below 0.1.
        var cut = Render<AlertRuleEdit>();
        cut.WaitForAssertion(() => Assert.Single(Alerts.Previewed));
        Assert.Contains("model=gpt-4o", Text(cut, "preview-breaches"), StringComparison.Ordinal); // default 0.05

        Set(cut, "field-threshold", "0.01");
        Set(cut, "field-threshold", "0.2");
        Assert.Single(Alerts.Previewed); // still typing

        Time.Advance(AlertRuleEdit.PreviewDelay);

        cut.WaitForAssertion(() => Assert.Equal(2, Alerts.Previewed.Count)); // one preview for the two changes
        Assert.Equal(0.2, Alerts.Previewed[^1].Threshold);
        cut.WaitForAssertion(() => Assert.NotNull(cut.Find("[data-testid=preview-quiet]")));
        Assert.Equal("false", cut.Find("[data-testid=preview-row]").GetAttribute("data-breaching"));
        Assert.Equal("20", cut.Find("[data-testid=preview-chart]").GetAttribute("data-thresholds")); // 0.2 in percent
    }

    [Fact]
    public void Save_ValidRule_CreatesItAndReturnsToTheList()
    {
        var cut = Render<AlertRuleEdit>();

        Set(cut, "field-name", "Slow answers");
        Set(cut, "field-for", "2m");
        Set(cut, "field-labels", "team=ai");
        cut.Find("[data-testid=rule-save]").Click();

        var rule = Assert.Single(Alerts.RuleList);
        Assert.Equal(("Slow answers", TimeSpan.FromMinutes(2), "ai"), (rule.Name, rule.For, rule.Labels["team"]));
        Assert.Equal(["model"], rule.GroupBy);
        var call = Assert.Single(Alerts.Calls);
        Assert.Equal(("alert_rule.create", "test-admin", "Admin"), (call.Action, call.Actor.Name, call.Actor.Role));
        Assert.EndsWith("/alerts/rules", Services.GetRequiredService<NavigationManager>().Uri, StringComparison.Ordinal);
    }

    [Fact]
    public void Save_InvalidRule_SavesNothing()
    {
        var cut = Render<AlertRuleEdit>();

        cut.Find("[data-testid=rule-save]").Click();

        Assert.Equal("Fix the highlighted fields.", Text(cut, "rule-form-error"));
        Assert.Empty(Alerts.RuleList);
    }

    [Fact]
    public void Save_ServiceRejects_ShowsItsFieldErrors()
    {
        Alerts.FailNext = new RefusalException(RefusalKind.Invalid, "The rule is invalid.", new Dictionary<string, string[]> { ["receivers"] = ["Unknown receiver 'ops'."] });
        var cut = Render<AlertRuleEdit>();

        Set(cut, "field-name", "Errors");
        cut.Find("[data-testid=rule-save]").Click();

        Assert.Equal("The rule is invalid.", Text(cut, "rule-form-error"));
        Assert.Equal("Unknown receiver 'ops'.", Text(cut, "error-receivers"));
    }

    [Fact]
    public void Render_ExistingRule_FillsTheFormAndUpdates()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(builtIn: true) with { For = TimeSpan.FromMinutes(2) });
        var cut = Render<AlertRuleEdit>(p => p.Add(x => x.Id, "high-errors"));

        Assert.Equal("High error rate", Input(cut, "field-name").GetAttribute("value"));
        Assert.Equal("2m", Input(cut, "field-for").GetAttribute("value"));
        Assert.NotNull(cut.Find("[data-testid=rule-builtin]"));
        Set(cut, "field-threshold", "0.1");
        cut.Find("[data-testid=rule-save]").Click();

        Assert.Equal(("alert_rule.update", 0.1, true), (Alerts.Calls.Single().Action, Alerts.RuleList.Single().Threshold, Alerts.RuleList.Single().BuiltIn));
    }
}
