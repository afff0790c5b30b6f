using Bunit;
using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;
using Conciergus.Core.Errors;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Alerts.Pages;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>
/// Issue 16 item 6: a rule without receivers goes to every notification receiver (and the pages say "all receivers");
/// an action receiver (open_circuit) acts only for rules that name it, and a rule whose labels it cannot act on skips it
/// with one recorded explanation instead of a failed delivery every flush.
/// </summary>
public sealed class RulesWithoutReceiversTests : IDisposable
{
    private readonly AlertTestHost _host;

    public RulesWithoutReceiversTests()
    {
        var registry = new CircuitRegistry(Options.Create(new ResilienceOptions()), new ErrorCategorizer(), TimeProvider.System);
        _host = new AlertTestHost(
            o =>
            {
                o.GroupWait = TimeSpan.Zero;
                o.GroupInterval = TimeSpan.FromSeconds(10);
                o.Receivers.Add(new AlertReceiverOptions { Name = "reroute", Kind = AlertChannelKinds.OpenCircuit, Url = "circuit:" });
            },
            extraChannels: [new OpenCircuitAlertChannel(registry)]);
    }

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task RuleWithoutReceivers_Fires_EveryNotificationReceiverButNoAction()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule() with { Threshold = 0.5 });
        _host.Values["exp-a"] = 0.9;

        await _host.StepAsync(TimeSpan.FromSeconds(10));
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        var routes = _host.Service.RoutesOf(_host.Service.GetRule("r1")!);
        Assert.Equal([new ReceiverRoute("ops", AlertService.WebhookKind, Implicit: true, SkipReason: null)], routes);
        Assert.Single(_host.Channel.Sent);
        Assert.DoesNotContain(_host.Service.Deliveries(), d => d.Receiver == "reroute");
    }

    [Fact]
    public async Task RuleNamingOpenCircuit_WithoutModelLabel_SkippedOnceNotRetried()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule() with { Threshold = 0.5, Receivers = ["reroute"] });
        _host.Values["exp-a"] = 0.9;

        for (var i = 0; i < 12; i++)
        {
            await _host.StepAsync(TimeSpan.FromSeconds(10)); // two minutes of group_interval flushes
        }

        var skipped = Assert.Single(_host.Service.Deliveries(), d => d.Receiver == "reroute");
        Assert.True(skipped.Skipped);
        Assert.False(skipped.Succeeded);
        Assert.Contains("model", skipped.Error, StringComparison.Ordinal);
        Assert.Equal(0, _host.Service.Status.FailedDeliveries);
        Assert.NotNull(Assert.Single(_host.Service.RoutesOf(_host.Service.GetRule("r1")!)).SkipReason);
    }

    [Fact]
    public void RoutesOf_OpenCircuitOnRuleGroupedByModel_NotSkipped()
    {
        var rule = AlertTestHost.Rule() with { Metric = AlertMetric.ErrorRate, GroupBy = ["model"], Receivers = ["reroute"] };

        var route = Assert.Single(_host.Service.RoutesOf(rule));

        Assert.Equal(new ReceiverRoute("reroute", AlertChannelKinds.OpenCircuit, Implicit: false, SkipReason: null), route);
    }
}

/// <summary>The pages say what the engine does with a rule without receivers.</summary>
public sealed class RulesWithoutReceiversPageTests : AlertPageTestContext
{
    [Fact]
    public void AlertRules_RuleWithoutReceivers_SaysAllReceivers()
    {
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "quiet", name: "Quiet"));
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "named", name: "Named") with { Receivers = ["ops"] });

        var cut = Render<AlertRules>();

        // No receiver is configured in this fake, so "all receivers" reaches nobody: the rule also says "not notified".
        Assert.StartsWith("all receivers", Text(cut, "rule-receivers-quiet"), StringComparison.Ordinal);
        Assert.Equal("not notified", Text(cut, "rule-not-notified-quiet"));
        Assert.StartsWith("ops", Text(cut, "rule-receivers-named"), StringComparison.Ordinal);
    }

    [Fact]
    public void AlertReceivers_UsedBy_ListsImplicitAndSkippedRules()
    {
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "ops", Url = "https://hooks.example/ops" });
        Alerts.ReceiverList.Add(new AlertReceiver { Name = "reroute", Url = "circuit:", Kind = AlertChannelKinds.OpenCircuit });
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "quiet", name: "Quiet"));
        Alerts.RuleList.Add(FakeAlertService.Rule(id: "budget", name: "Budget") with { Receivers = ["reroute"] });
        Alerts.Routes["quiet"] = [new ReceiverRoute("ops", "webhook", true, null)];
        Alerts.Routes["budget"] = [new ReceiverRoute("reroute", AlertChannelKinds.OpenCircuit, false, "no model label")];

        var cut = Render<AlertReceivers>();

        var rows = cut.FindAll("[data-testid=receivers-table] tbody tr").Select(r => r.TextContent).ToList();
        Assert.Contains(rows, r => r.Contains("ops", StringComparison.Ordinal) && r.Contains("Quiet (all receivers)", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("reroute", StringComparison.Ordinal) && r.Contains("Budget (skipped: no model label)", StringComparison.Ordinal));
    }
}
