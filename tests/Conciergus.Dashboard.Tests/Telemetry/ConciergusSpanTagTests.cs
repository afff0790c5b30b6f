using System.Diagnostics;

using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

/// <summary>
/// Pins the whole tag set of the middleware's span (every key, its value and the value's type, and no key twice), so a
/// change to how the span is filled cannot change what an exporter sees. Keys follow the OpenTelemetry GenAI conventions.
/// </summary>
public sealed class ConciergusSpanTagTests : IDisposable
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    private readonly ModelSpanListener _spans = new("span-tags-");

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task GetResponseAsync_PlainCall_SpanHasExactlyTheGenAiTags()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model),
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = _spans.Model + "-2025",
                ConversationId = "conv-from-response",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = 1_200, OutputTokenCount = 350, CachedInputTokenCount = 800 },
            },
        };
        using var client = Pipelines.Chat(inner, new CapturingRecorder(), time);

        await client.GetResponseAsync(Prompt);

        var span = Assert.Single(_spans.Stopped);
        Assert.Equal("chat " + _spans.Model, span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        AssertTags(
            span,
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", _spans.Model),
            ("gen_ai.response.model", _spans.Model + "-2025"),
            ("gen_ai.usage.input_tokens", 1_200L),
            ("gen_ai.usage.output_tokens", 350L),
            ("gen_ai.usage.cache_read.input_tokens", 800L),
            ("gen_ai.response.finish_reasons", new[] { "stop" }),
            ("gen_ai.conversation.id", "conv-from-response"));
    }

    [Fact]
    public async Task GetResponseAsync_EveryDimension_SpanHasExactlyTheGenAiAndConciergusTags()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("Anthropic", null, "claude-x"),
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = _spans.Model,
                ConversationId = "ignored-the-caller-named-one",
                FinishReason = ChatFinishReason.Length,
                Usage = new UsageDetails
                {
                    InputTokenCount = 100,
                    OutputTokenCount = 50,
                    CachedInputTokenCount = 10,
                    ReasoningTokenCount = 20,
                    AdditionalCounts = new() { ["cache_creation_input_tokens"] = 30 },
                },
            },
        };
        using var client = Pipelines.Chat(inner, new CapturingRecorder(), time, interceptor: new ExperimentInterceptor());
        var options = new ChatOptions
        {
            ModelId = _spans.Model,
            ConversationId = "conv-1",
            AdditionalProperties = new()
            {
                [ConciergusPropertyNames.FunctionId] = "summarize",
                [ConciergusPropertyNames.RetryCount] = 2,
                [ConciergusPropertyNames.FallbackUsed] = true,
                [ConciergusPropertyNames.OriginalModel] = "claude-big",
            },
        };

        await client.GetResponseAsync(Prompt, options);

        var span = Assert.Single(_spans.Stopped);
        Assert.Equal("chat " + _spans.Model, span.DisplayName);
        AssertTags(
            span,
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "anthropic"),
            ("gen_ai.request.model", _spans.Model),
            ("gen_ai.conversation.id", "conv-1"),
            ("conciergus.function_id", "summarize"),
            ("conciergus.experiment.key", "exp-1"),
            ("conciergus.experiment.variant", "b"),
            ("conciergus.retry_count", 2),
            ("conciergus.fallback_used", true),
            ("conciergus.original_model", "claude-big"),
            ("gen_ai.response.model", _spans.Model),
            ("gen_ai.usage.input_tokens", 100L),
            ("gen_ai.usage.output_tokens", 50L),
            ("gen_ai.usage.cache_read.input_tokens", 10L),
            ("gen_ai.usage.cache_creation.input_tokens", 30L),
            ("gen_ai.usage.reasoning.output_tokens", 20L),
            ("gen_ai.response.finish_reasons", new[] { "length" }));
    }

    [Fact]
    public async Task GetResponseAsync_InnerThrows_SpanHasStartTagsErrorTypeAndErrorStatus()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model),
            Exception = new TimeoutException("too slow"),
        };
        using var client = Pipelines.Chat(inner, new CapturingRecorder(), time);

        await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync(Prompt));

        var span = Assert.Single(_spans.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("too slow", span.StatusDescription);
        AssertTags(
            span,
            ("gen_ai.operation.name", "chat"),
            ("gen_ai.provider.name", "openai"),
            ("gen_ai.request.model", _spans.Model),
            ("error.type", "System.TimeoutException"));
    }

    [Fact]
    public async Task GetResponseAsync_TwoModelsInTurn_EachSpanNamesAndTagsItsOwnModel()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var other = _spans.Model + "-other";
        using var first = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model) }, new CapturingRecorder(), time);
        using var second = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("Mistral", null, other) }, new CapturingRecorder(), time);

        await first.GetResponseAsync(Prompt);
        await second.GetResponseAsync(Prompt);
        await first.GetResponseAsync(Prompt);

        Assert.Equal(
            [("chat " + _spans.Model, "openai", _spans.Model), ("chat " + other, "mistral", other), ("chat " + _spans.Model, "openai", _spans.Model)],
            _spans.Stopped.Select(s => (s.DisplayName, (string?)s.GetTagItem("gen_ai.provider.name"), (string?)s.GetTagItem("gen_ai.request.model"))));
    }

    [Fact]
    public async Task GetResponseAsync_WithListener_SamplerSeesOperationProviderAndModel()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model) }, new CapturingRecorder(), time);

        await client.GetResponseAsync(Prompt);

        // The GenAI conventions name these as the attributes a sampler may use, so they are given at span creation.
        Assert.Equal(["gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model"], Assert.Single(_spans.SampledTagKeys));
    }

    /// <summary>The span's tags are exactly <paramref name="expected"/>: same keys (each once), equal values of the same type.</summary>
    private static void AssertTags(Activity span, params (string Key, object Value)[] expected)
    {
        var actual = span.TagObjects.ToList();
        Assert.Equal(expected.Select(e => e.Key).Order(StringComparer.Ordinal), actual.Select(t => t.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in expected)
        {
            var tag = Assert.IsType<object>(span.GetTagItem(key), exactMatch: false);
            Assert.Equal(value.GetType(), tag.GetType());
            Assert.Equal(value, tag);
        }
    }

    private sealed class ExperimentInterceptor : IChatRequestInterceptor
    {
        public ValueTask<ChatRequestInterception?> InterceptAsync(ChatRequestContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<ChatRequestInterception?>(new ChatRequestInterception
            {
                Messages = context.Messages,
                Options = context.Options,
                ExperimentKey = "exp-1",
                ExperimentVariant = "b",
            });
    }
}
