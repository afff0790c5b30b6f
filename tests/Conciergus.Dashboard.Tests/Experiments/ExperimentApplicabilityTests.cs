using Conciergus.Core.Experiments;
using Conciergus.Core.Pricing;
using Conciergus.Dashboard.Demo;
using Conciergus.Dashboard.Tests.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;
using Conciergus.Core.Audit;
using Conciergus.Core.Model;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentApplicabilityTests : IDisposable
{
    private static readonly PriceCatalog Catalog = PriceCatalog.CreateBuiltIn();
    private readonly ExperimentTestHost _host = new();

    [Theory]
    [InlineData(null, null, "anthropic", true)]                         // prompt or parameter variants apply everywhere
    [InlineData("gpt-4o-mini", null, "openai", true)]                  // the catalog says OpenAI serves it
    [InlineData("gpt-4o-mini", null, "azure.ai.openai", true)]         // same family (Azure resells OpenAI models)
    [InlineData("gpt-4o-mini", null, "anthropic", false)]              // the issue: anthropic/gpt-4o-mini is made up
    [InlineData("gpt-4o-mini", null, "gcp.gemini", false)]
    [InlineData("claude-haiku-4-5", "anthropic", "anthropic", true)]
    [InlineData("claude-haiku-4-5", "anthropic", "openai", false)]     // a named provider must be the call's provider
    [InlineData("my-finetune", null, "openai", false)]                 // unknown model: the variant must name the provider
    [InlineData("my-finetune", "openai", "OpenAI", true)]
    [InlineData("gpt-4o-mini", null, "aws.bedrock", false)]            // multi-vendor host: cannot tell from the catalog
    public void Applies_Table(string? model, string? provider, string callProvider, bool expected)
    {
        var overrides = new VariantOverrides { ModelId = model, Provider = provider, Temperature = 0.2f };

        Assert.Equal(expected, ExperimentInterceptor.Applies(overrides, callProvider, Catalog));
    }

    [Theory]
    [InlineData("gpt-4o", null, "claude-haiku-4-5", null, true)]          // openai vs anthropic by the catalog
    [InlineData("my-model", "openai", "other-model", "anthropic", true)]  // named providers
    [InlineData("gpt-4o", null, "gpt-4o-mini", null, false)]              // one provider: fine
    [InlineData("gpt-4o", "azure.ai.openai", "gpt-4o-mini", null, false)] // Azure is the OpenAI family
    [InlineData("gpt-4o", null, "my-model", null, false)]                 // unknown model: decided per call
    public void Validate_VariantsModelsOfDifferentProviders_Refused(string model0, string? provider0, string model1, string? provider1, bool refused)
    {
        var definition = new ExperimentDefinition
        {
            Key = "cross",
            Variants =
            [
                new ExperimentVariantDefinition { Key = "a", Weight = 0.5, Overrides = new VariantOverrides { ModelId = model0, Provider = provider0 } },
                new ExperimentVariantDefinition { Key = "b", Weight = 0.5, Overrides = new VariantOverrides { ModelId = model1, Provider = provider1 } },
            ],
        };

        var errors = ExperimentValidator.Validate(definition);

        Assert.Equal(refused, errors.TryGetValue("variants", out var messages) && messages.Any(m => m.Contains("different providers", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DemoPipelines_ModelOverrideOnGpt4oMini_RecordsNoMadeUpPair_AndCountsNotApplicable()
    {
        // Arrange: the experiment (control vs gpt-4o-mini, no provider named) running while every demo model's
        // pipeline (openai, anthropic, gcp.gemini, mistral_ai) serves the same users.
        await _host.Service.CreateAsync(new ExperimentDefinition
        {
            Key = "mini",
            Variants =
            [
                new ExperimentVariantDefinition { Key = "control", Weight = 0.5 },
                new ExperimentVariantDefinition { Key = "mini", Weight = 0.5, Overrides = new VariantOverrides { ModelId = "gpt-4o-mini" } },
            ],
            Sequential = false,
        }, Actor.System);
        await _host.Service.StartAsync("mini", Actor.System);
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var services = Pipelines.Services(recorder, time, interceptor: new ExperimentInterceptor(_host.Service, Catalog));
        var clients = DemoClients.Build(services, time, new Random(7), new DemoFailingProviderOptions(), o => o.Application = "demo");

        // Act: 20 users on each pipeline; the simulated models wait on the fake clock, so step it until all answered.
        var calls = new List<Task>();
        foreach (var client in clients.Values)
        {
            for (var u = 0; u < 20; u++)
            {
                calls.Add(CallAsync(client, $"user-{u:000}"));
            }
        }

        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // only stops a broken loop
        while (!calls.All(c => c.IsCompleted) && !guard.IsCancellationRequested)
        {
            time.Advance(TimeSpan.FromMilliseconds(200));
            await Task.Delay(1);
        }

        // Assert: every recorded pair is a real demo pair; only OpenAI calls are in the experiment.
        var real = DemoModelProfile.Catalog.Select(p => (p.Provider, p.Model)).ToHashSet();
        var ops = recorder.Operations;
        Assert.Equal(clients.Count * 20, ops.Count);
        Assert.All(ops, op => Assert.Contains((op.Provider, op.RequestModel), real));
        Assert.All(ops.Where(op => op.Provider != "openai"), op => Assert.Null(op.ExperimentKey));
        Assert.Contains(ops, op => op is { Provider: "openai", RequestModel: "gpt-4o-mini", ExperimentVariant: "mini" });
        var results = _host.Service.GetResults("mini");
        Assert.Equal(4 * 20, results.Variants.Sum(v => v.NotApplicable)); // anthropic x2, gemini, mistral pipelines
    }

    private static async Task CallAsync(IChatClient client, string user)
    {
        try
        {
            await client.GetResponseAsync(
                [new ChatMessage(ChatRole.User, "hello")],
                new ChatOptions { AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = user } });
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The demo models fail now and then on purpose; the failed call is recorded all the same.
        }
    }

    public void Dispose() => _host.Dispose();
}
