using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Tests.Resilience;

using Microsoft.Extensions.Logging;

namespace Conciergus.Dashboard.Tests.Alerts.Channels;

public sealed class LogAndOpenCircuitChannelTests
{
    [Fact]
    public async Task Log_FiringCritical_WritesOneStructuredErrorLinePerAlert()
    {
        using var provider = new CollectingLoggerProvider();
        using var factory = LoggerFactory.Create(b => b.AddProvider(provider).SetMinimumLevel(LogLevel.Trace));
        var channel = new LogAlertChannel(factory);

        var result = await channel.SendAsync(
            new AlertReceiver { Name = "log", Kind = "log", Url = "log:" },
            Notifications.Of(Notifications.Alert(), Notifications.Alert(model: "o4-mini", fingerprint: "fp-2")),
            CancellationToken.None);

        Assert.True(result.Succeeded);
        var entries = provider.Entries.Where(e => e.Category == LogAlertChannel.Category).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e => Assert.Equal(LogLevel.Error, e.Level));
        var state = entries[0].State;
        Assert.Equal("HighErrorRate", state["AlertName"]);
        Assert.Equal("firing", state["Status"]);
        Assert.Equal("alertname=HighErrorRate,model=gpt-4o,provider=openai,severity=critical", state["Labels"]);
        Assert.Equal("fp-1", state["Fingerprint"]);
        Assert.Equal("o4-mini", ((string)entries[1].State["Labels"]!).Split(',')[1].Split('=')[1]);
    }

    [Fact]
    public async Task OpenCircuit_FiringThenResolved_HoldsTheCircuitOpenThenReleasesIt()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"];
        });
        var channel = new OpenCircuitAlertChannel(host.Registry);
        var receiver = new AlertReceiver { Name = "reroute", Kind = AlertChannelKinds.OpenCircuit, Url = "circuit:" };

        var firing = await channel.SendAsync(receiver, Notifications.Of(Notifications.Alert(fingerprint: "fp-9")), CancellationToken.None);

        Assert.True(firing.Succeeded, firing.Error);
        var held = host.Registry.Find("openai", "gpt-4o")!;
        Assert.Equal((CircuitStatus.Open, CircuitForce.None), (held.State, held.Forced));
        Assert.Equal(["alert:fp-9"], held.HeldByAlerts);
        Assert.Equal("ok from gpt-4o-mini", (await host.AskAsync()).Text);
        Assert.DoesNotContain(host.Provider.Calls, c => c.Model == "gpt-4o");

        var resolved = await channel.SendAsync(receiver, Notifications.Of(Notifications.Alert(status: "resolved", fingerprint: "fp-9")), CancellationToken.None);

        Assert.True(resolved.Succeeded);
        var released = host.Registry.Find("openai", "gpt-4o")!;
        Assert.Equal(CircuitStatus.Closed, released.State);
        Assert.Empty(released.HeldByAlerts);
        Assert.Equal("ok from gpt-4o", (await host.AskAsync()).Text);
    }

    [Fact]
    public async Task OpenCircuit_OperatorForcedClosed_WinsOverTheAlert()
    {
        var host = new ResilienceTestHost();
        await host.Registry.ForceCloseAsync("openai", "gpt-4o", "alice");
        var channel = new OpenCircuitAlertChannel(host.Registry);

        await channel.SendAsync(new AlertReceiver { Name = "r", Kind = "open_circuit", Url = "x" }, Notifications.Of(Notifications.Alert()), CancellationToken.None);

        var snapshot = host.Registry.Find("openai", "gpt-4o")!;
        Assert.Equal(CircuitStatus.Closed, snapshot.State);
        Assert.Equal(["alert:fp-1"], snapshot.HeldByAlerts); // applies once the operator resets
        Assert.Equal(CircuitStatus.Open, (await host.Registry.ResetAsync("openai", "gpt-4o", "alice")).State);
    }

    [Fact]
    public async Task OpenCircuit_BelowMinimumSeverity_IsIgnored()
    {
        var host = new ResilienceTestHost();
        var channel = new OpenCircuitAlertChannel(host.Registry);

        var result = await channel.SendAsync(
            new AlertReceiver { Name = "r", Kind = "open_circuit", Url = "x" },
            Notifications.Of(AlertSeverity.Medium, Notifications.Alert(severity: "medium")),
            CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Null(host.Registry.Find("openai", "gpt-4o"));
    }

    [Fact]
    public async Task OpenCircuit_TestDelivery_HoldsNothing()
    {
        var host = new ResilienceTestHost();
        var channel = new OpenCircuitAlertChannel(host.Registry);
        var alert = Notifications.Alert();
        alert = alert with { Labels = new Dictionary<string, string>(alert.Labels) { ["test"] = "true" } };

        var result = await channel.SendAsync(new AlertReceiver { Name = "r", Kind = "open_circuit", Url = "x" }, Notifications.Of(alert), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Null(host.Registry.Find("openai", "gpt-4o"));
    }

    [Fact]
    public async Task OpenCircuit_ProviderInTheModelLabel_HoldsThatCircuit()
    {
        var host = new ResilienceTestHost();
        var channel = new OpenCircuitAlertChannel(host.Registry);

        await channel.SendAsync(new AlertReceiver { Name = "r", Kind = "open_circuit", Url = "x" }, Notifications.Of(Notifications.Alert(model: "anthropic/claude-sonnet-4-5", provider: null)), CancellationToken.None);

        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(new ModelTarget("anthropic", "claude-sonnet-4-5")));
    }

    [Fact]
    public async Task OpenCircuit_NoModelLabel_FailsWithAReason()
    {
        var host = new ResilienceTestHost();
        var channel = new OpenCircuitAlertChannel(host.Registry);
        var alert = Notifications.Alert() with { Labels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["severity"] = "critical" } };

        var result = await channel.SendAsync(new AlertReceiver { Name = "r", Kind = "open_circuit", Url = "x" }, Notifications.Of(alert), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("no \"model\" label", result.Error, StringComparison.Ordinal);
    }
}
