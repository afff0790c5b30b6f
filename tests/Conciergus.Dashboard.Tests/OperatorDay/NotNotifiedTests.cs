using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Alerts.Pages;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>Issue 22 item 4: rules and alerts that reach no receiver say "not notified".</summary>
public sealed class NotNotifiedTests : AlertPageTestContext
{
    [Fact]
    public void AlertRules_RuleWithoutReceiver_IsMarkedNotNotifiedAndThePageSaysWhereToFixIt()
    {
        // Arrange: the fake service routes a rule only to the receivers it names (none configured for "all")
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "quiet", name: "Nobody hears <b>this</b>"));
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "told", name: "Told") with { Receivers = ["ops-webhook"] });

        // Act
        var cut = Render<AlertRules>();

        // Assert
        Assert.Single(cut.FindAll("[data-testid=rule-not-notified-quiet]"));
        Assert.Empty(cut.FindAll("[data-testid=rule-not-notified-told]"));
        Assert.Contains("1 enabled rule(s) notify no one", cut.Find("[data-testid=rules-not-notified]").TextContent, StringComparison.Ordinal);
        Assert.Contains("Nobody hears &lt;b&gt;this&lt;/b&gt;", cut.Markup, StringComparison.Ordinal); // a name stays text
    }

    [Fact]
    public void AlertList_AlertOfARuleWithoutReceiver_IsMarkedNotNotified()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "high-errors"));
        Alerts.InstanceList.Add(FakeAlertService.Instance("a1", AlertState.Firing, AlertSeverity.High, Start));

        var cut = Render<AlertList>();

        Assert.Single(cut.FindAll("[data-testid=alert-not-notified-a1]"));
    }

    [Theory]
    [InlineData(ConciergusRole.Admin, "Add a receiver")]
    [InlineData(ConciergusRole.Viewer, "Ask an Admin")]
    public void AlertList_NoReceiverAtAll_AsksForOneUntilOneExists(ConciergusRole role, string prompt)
    {
        // Arrange
        SignIn("ada", role);
        var cut = Render<AlertList>();

        // Assert: first use, no receiver anywhere
        Assert.Contains(prompt, cut.Find("[data-testid=alerts-no-receiver]").TextContent, StringComparison.Ordinal);

        // Act: a receiver appears
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "ops", Url = "https://hooks.example.com/ops" });
        var again = Render<AlertSilences>();

        // Assert
        Assert.Empty(again.FindAll("[data-testid=alerts-no-receiver]"));
    }
}
