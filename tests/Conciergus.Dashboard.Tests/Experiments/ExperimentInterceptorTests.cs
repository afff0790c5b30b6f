using Conciergus.Core.Experiments;
using Conciergus.Core.Telemetry;
using Conciergus.Dashboard.Tests.Telemetry;
using Microsoft.Extensions.AI;
using Conciergus.Core.Audit;
using Conciergus.Core.Model;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentInterceptorTests : IDisposable
{
    private readonly ExperimentTestHost _host = new();
    private readonly CapturingRecorder _recorder = new();

    [Fact]
    public async Task GetResponseAsync_RunningPromptExperiment_RoutesEachUserByVariant()
    {
        // Arrange: the prompt experiment, control and a friendlier system prompt on a smaller model.
        await StartAsync(ExperimentTestHost.Definition());
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");
        var experiment = _host.Service.Get("prompt-tone")!;
        var seen = new HashSet<string>();

        for (var i = 0; i < 40; i++)
        {
            var user = $"user-{i}";
            var expected = ExperimentHashing.Assign(experiment, user).Variant!;

            // Act
            await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, "You are a support bot."), new ChatMessage(ChatRole.User, "Where is my order?")],
                new ChatOptions { ModelId = "gpt-4o", AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = user } });

            // Assert: the request the provider saw, and the operation's tags
            var op = _recorder.Operations[^1];
            Assert.Equal(("prompt-tone", expected), (op.ExperimentKey, op.ExperimentVariant));
            var system = inner.LastMessages!.Single(m => m.Role == ChatRole.System).Text;
            if (expected == "friendly")
            {
                Assert.Equal("gpt-4o-mini", inner.LastOptions!.ModelId);
                Assert.Equal("gpt-4o-mini", op.RequestModel);
                Assert.Equal("You are warm and concise.", system);
            }
            else
            {
                Assert.Equal("gpt-4o", inner.LastOptions!.ModelId);
                Assert.Equal("You are a support bot.", system);
            }

            Assert.Equal(2, inner.LastMessages!.Count());
            seen.Add(expected);
        }

        Assert.Equal(2, seen.Count);
    }

    [Fact]
    public async Task GetResponseAsync_NoSystemMessage_InsertsSystemPromptFirst()
    {
        await StartAsync(ExperimentTestHost.Definition(weights: [0, 1]) with { Variants = [new() { Key = "control", Weight = 0 }, new() { Key = "friendly", Weight = 1, Overrides = new() { SystemPrompt = "Be kind." } }] });
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], UserOptions("u1"));

        Assert.Equal([ChatRole.System, ChatRole.User], inner.LastMessages!.Select(m => m.Role));
        Assert.Equal("Be kind.", inner.LastMessages!.First().Text);
    }

    [Fact]
    public async Task GetResponseAsync_ParametersAndTemplate_AreApplied()
    {
        var overrides = new VariantOverrides
        {
            Temperature = 0.2f,
            MaxTokens = 256,
            PromptTemplate = "{{tone}} answer for {{customer}}: {{input}}",
            Variables = new Dictionary<string, string> { ["tone"] = "Short" },
            Options = new Dictionary<string, string> { ["top_p"] = "0.9", ["reasoning_effort"] = "low" },
        };
        await StartAsync(ExperimentTestHost.Definition() with { Variants = [new() { Key = "control", Weight = 0 }, new() { Key = "tuned", Weight = 1, Overrides = overrides }] });
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");
        var options = UserOptions("u1");
        options.AdditionalProperties!["customer"] = "ACME";

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is my order?")], options);

        var sent = inner.LastOptions!;
        Assert.Equal((0.2f, 256, 0.9f), (sent.Temperature, sent.MaxOutputTokens, sent.TopP));
        Assert.Equal("low", sent.AdditionalProperties!["reasoning_effort"]);
        Assert.Equal("Short answer for ACME: Where is my order?", inner.LastMessages!.Single().Text);
        Assert.Null(options.Temperature); // the caller's options are not mutated
    }

    [Fact]
    public async Task GetResponseAsync_NoUserId_SendsRequestUnchangedAndUntagged()
    {
        await StartAsync(ExperimentTestHost.Definition());
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");
        var options = new ChatOptions { ModelId = "gpt-4o" };

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], options);

        Assert.Same(options, inner.LastOptions);
        Assert.Null(_recorder.Operations.Single().ExperimentKey);
    }

    [Fact]
    public async Task GetResponseAsync_OtherApplication_IsNotTargeted()
    {
        await StartAsync(ExperimentTestHost.Definition());
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "billing-bot");

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], UserOptions("u1"));

        Assert.Null(_recorder.Operations.Single().ExperimentKey);
    }

    [Fact]
    public async Task GetResponseAsync_PausedExperiment_SendsRequestUnchanged()
    {
        await StartAsync(ExperimentTestHost.Definition(weights: [0, 1]) with { Variants = [new() { Key = "control", Weight = 0 }, new() { Key = "friendly", Weight = 1, Overrides = new() { ModelId = "gpt-4o-mini" } }] });
        await _host.Service.PauseAsync("prompt-tone", Actor.System);
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");

        await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], UserOptions("u1"));

        Assert.Equal("gpt-4o", inner.LastOptions!.ModelId);
        Assert.Null(_recorder.Operations.Single().ExperimentKey);
    }

    [Fact]
    public async Task GetResponseAsync_AttributeTargetingAndAmbientUser_AreHonoured()
    {
        await StartAsync(ExperimentTestHost.Definition() with
        {
            Targeting = new ExperimentTargeting { Attributes = new Dictionary<string, string> { ["function_id"] = "summarize", ["tier"] = "pro" } },
        });
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "any-app");

        using (ConciergusContext.Begin(new ConciergusScope { UserId = "u7", FunctionId = "summarize" }))
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { AdditionalProperties = new() { ["tier"] = "pro" } });
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], new ChatOptions { AdditionalProperties = new() { ["tier"] = "free" } });
        }

        Assert.Equal("prompt-tone", _recorder.Operations[0].ExperimentKey);
        Assert.Null(_recorder.Operations[1].ExperimentKey);
    }

    [Fact]
    public async Task Outcomes_FromMiddlewareOperations_ReachResults()
    {
        await StartAsync(ExperimentTestHost.Definition());
        var inner = new ScriptedChatClient(_host.Time);
        using var client = Pipeline(inner, "support-bot");

        for (var i = 0; i < 30; i++)
        {
            await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Hi")], UserOptions($"u{i}"));
        }

        foreach (var op in _recorder.Operations)
        {
            _host.Outcomes.Accept(op);
        }

        var results = _host.Service.GetResults("prompt-tone");
        Assert.Equal(30, results.Variants.Sum(v => v.Operations));
        Assert.Equal(30, results.Variants.Sum(v => v.Users));
        Assert.All(results.Variants.Where(v => v.Operations > 0), v => Assert.Equal(1500, v.Metrics[ExperimentMetrics.Latency].Mean!.Value, 6));
    }

    private async Task StartAsync(ExperimentDefinition definition)
    {
        await _host.Service.CreateAsync(definition, Actor.System);
        await _host.Service.StartAsync(definition.Key!, Actor.System);
    }

    private IChatClient Pipeline(ScriptedChatClient inner, string application) =>
        Pipelines.Chat(inner, _recorder, _host.Time, interceptor: new ExperimentInterceptor(_host.Service), configure: o => o.Application = application);

    private static ChatOptions UserOptions(string user) =>
        new() { ModelId = "gpt-4o", AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = user } };

    public void Dispose() => _host.Dispose();
}
