using System.Net;

using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Resilience;
using Conciergus.Core.Telemetry;
using Conciergus.Dashboard.Demo;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Resilience;

/// <summary>The "done when", without the alert engine: the demo's failing model opens its circuit, traffic moves to the fallback with no error, and the circuit closes after recovery.</summary>
public sealed class DemoFailingProviderTests
{
    [Fact]
    public async Task FailingDemoModel_OutageThenRecovery_CircuitOpensFallsBackAndCloses()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
            o.Fallbacks["gpt-4o"] = ["anthropic/claude-sonnet-4-5"];
        });
        var failing = new DemoFailingProviderOptions { Enabled = true, Model = "gpt-4o", HealthyFor = TimeSpan.FromSeconds(60), FailingFor = TimeSpan.FromSeconds(60) };
        var services = new ServiceCollection()
            .AddSingleton<IAiOperationRecorder>(host.Collector)
            .AddSingleton<TimeProvider>(host.Time)
            .AddSingleton<IErrorCategorizer, ErrorCategorizer>()
            .AddSingleton(host.Registry)
            .BuildServiceProvider();
        var models = new Dictionary<string, IChatClient>(StringComparer.Ordinal)
        {
            ["gpt-4o"] = new ChatClientBuilder(new DemoFailingChatClient(new FlakyChatClient(host.Time, "openai", "gpt-4o"), failing, host.Time)).UseConciergus(Demo).Build(services),
            ["claude-sonnet-4-5"] = new ChatClientBuilder(new FlakyChatClient(host.Time, "anthropic", "claude-sonnet-4-5")).UseConciergus(Demo).Build(services),
        };
        using var client = new ChatClientBuilder(new DemoModelRouter("openai", "gpt-4o", models)).UseConciergusResilience(Demo).Build(services);
        var gpt4o = new ModelTarget("openai", "gpt-4o");

        Assert.Equal("ok from gpt-4o", (await client.GetResponseAsync("hi")).Text);

        // Outage: two failures (each after 200 ms) open the circuit; the user still gets answers from Claude.
        host.Time.Fake.Advance(TimeSpan.FromSeconds(60));
        for (var i = 0; i < 2; i++)
        {
            var call = client.GetResponseAsync("hi");
            Assert.Equal(TimeSpan.FromMilliseconds(200), await host.Time.FireNextTimerAsync());
            Assert.Equal("ok from claude-sonnet-4-5", (await call).Text);
        }

        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(gpt4o));
        var open = client.GetResponseAsync("hi");
        Assert.True(open.IsCompletedSuccessfully); // straight to the fallback: no 200 ms failure to wait for
        Assert.Equal("ok from claude-sonnet-4-5", (await open).Text);

        // Recovery: the break ends, the provider is healthy again, the probe closes the circuit.
        host.Time.Fake.Advance(TimeSpan.FromSeconds(60));
        Assert.Equal(CircuitStatus.HalfOpen, host.Registry.StateOf(gpt4o));
        Assert.Equal("ok from gpt-4o", (await client.GetResponseAsync("hi")).Text);
        Assert.Equal(CircuitStatus.Closed, host.Registry.StateOf(gpt4o));

        var operations = host.Sink.Operations;
        Assert.Equal(
            [("gpt-4o", "openai", AiOperationStatus.Ok, false), ("gpt-4o", "openai", AiOperationStatus.Error, false), ("claude-sonnet-4-5", "anthropic", AiOperationStatus.Ok, true),
             ("gpt-4o", "openai", AiOperationStatus.Error, false), ("claude-sonnet-4-5", "anthropic", AiOperationStatus.Ok, true),
             ("claude-sonnet-4-5", "anthropic", AiOperationStatus.Ok, true), ("gpt-4o", "openai", AiOperationStatus.Ok, false)],
            operations.Select(o => (o.RequestModel, o.Provider, o.Status, o.FallbackUsed)));
        Assert.Equal(ErrorCategory.ServerError, operations[1].ErrorCategory);
        Assert.All(operations, o => Assert.Equal(("gpt-4o", "demo"), (o.OriginalModel, o.Application)));
    }

    private static void Demo(ConciergusMiddlewareOptions options) => options.Application = "demo";
}
