using System.Diagnostics;
using System.Net;

using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

public sealed class ConciergusActivityTests : IDisposable
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    private readonly ModelSpanListener _spans = new("activity-test-");

    public void Dispose() => _spans.Dispose();

    [Fact]
    public async Task GetResponseAsync_WithListener_EmitsGenAiClientSpanAndOperationSharesItsIds()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model),
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = _spans.Model + "-2025",
                FinishReason = ChatFinishReason.Length,
                Usage = new UsageDetails { InputTokenCount = 10, OutputTokenCount = 20, CachedInputTokenCount = 4, ReasoningTokenCount = 5 },
            },
        };
        Activity? seenByInner = null;
        using var client = Pipelines.Chat(new SpyChatClient(inner, () => seenByInner = Activity.Current), recorder, time);
        using var parent = new Activity("request").Start();

        await client.GetResponseAsync(Prompt);

        var span = Assert.Single(_spans.Stopped);
        Assert.Same(span, seenByInner);
        Assert.Same(parent, Activity.Current);
        Assert.Equal("chat " + _spans.Model, span.DisplayName);
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("chat", span.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("openai", span.GetTagItem("gen_ai.provider.name"));
        Assert.Equal(_spans.Model, span.GetTagItem("gen_ai.request.model"));
        Assert.Equal(_spans.Model + "-2025", span.GetTagItem("gen_ai.response.model"));
        Assert.Equal(10L, span.GetTagItem("gen_ai.usage.input_tokens"));
        Assert.Equal(20L, span.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal(4L, span.GetTagItem("gen_ai.usage.cache_read.input_tokens"));
        Assert.Equal(5L, span.GetTagItem("gen_ai.usage.reasoning.output_tokens"));
        Assert.Equal(new[] { "length" }, span.GetTagItem("gen_ai.response.finish_reasons"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(span.TraceId.ToHexString(), op.TraceId);
        Assert.Equal(span.SpanId.ToHexString(), op.SpanId);
        Assert.Equal(span.SpanId.ToHexString(), op.OperationId);
        Assert.Equal(parent.SpanId.ToHexString(), op.ParentSpanId);
        Assert.Equal(parent.TraceId, span.TraceId);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_InnerFails_SpanHasErrorStatusAndErrorType()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        Activity? seenByInner = null;
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("Mistral_AI", null, _spans.Model),
            Updates = [(TimeSpan.FromMilliseconds(10), new ChatResponseUpdate(ChatRole.Assistant, "x"))],
            StreamException = new HttpRequestException("boom", null, HttpStatusCode.InternalServerError),
        };
        using var client = Pipelines.Chat(new SpyChatClient(inner, () => seenByInner = Activity.Current), recorder, time);

        await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Prompt))
            {
            }
        });

        var span = Assert.Single(_spans.Stopped);
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Equal("System.Net.Http.HttpRequestException", span.GetTagItem("error.type"));
        Assert.Equal("mistral_ai", span.GetTagItem("gen_ai.provider.name"));
        Assert.Same(span, seenByInner);
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(recorder.Operations).SpanId);
    }

    [Fact]
    public async Task GetResponseAsync_InnerAnswersLater_CallerKeepsItsSpanWhileTheInnerSeesOurs()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        Activity? seenByInner = null;
        var inner = new PendingChatClient { Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model), OnCall = () => seenByInner = Activity.Current };
        using var client = Pipelines.Chat(inner, recorder, time);
        using var parent = new Activity("request").Start();

        var call = client.GetResponseAsync(Prompt);

        // The middleware is not an async method: it must put the caller's span back itself before returning.
        Assert.Same(parent, Activity.Current);
        Assert.NotNull(seenByInner);
        Assert.Same(parent, seenByInner.Parent);
        Assert.Empty(_spans.Stopped);

        inner.Answer(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ModelId = _spans.Model });
        await call;

        var span = Assert.Single(_spans.Stopped);
        Assert.Same(span, seenByInner);
        Assert.Equal(span.SpanId.ToHexString(), Assert.Single(recorder.Operations).SpanId);
        Assert.Same(parent, Activity.Current);
    }

    [Fact]
    public async Task GetResponseAsync_NoCallerSpan_LeavesNoCurrentSpanBehind()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model) };
        var pending = new PendingChatClient { Metadata = new ChatClientMetadata("OpenAI", null, _spans.Model) };
        using var client = Pipelines.Chat(inner, recorder, time);
        using var pendingClient = Pipelines.Chat(pending, recorder, time);
        Activity.Current = null;

        await client.GetResponseAsync(Prompt);
        Assert.Null(Activity.Current);
        var call = pendingClient.GetResponseAsync(Prompt);
        Assert.Null(Activity.Current);
        pending.Answer(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        await call;

        Assert.Equal(2, _spans.Stopped.Count);
        Assert.Null(Activity.Current);
    }

    /// <summary>Notes what Activity.Current is when the inner client is called or its stream first pulled.</summary>
    private sealed class SpyChatClient(IChatClient inner, Action onPull) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            onPull();
            return base.GetResponseAsync(messages, options, cancellationToken);
        }

        public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            onPull();
            await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken))
            {
                yield return update;
            }
        }
    }
}

public class ConciergusAmbientSpanTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    [Fact]
    public async Task GetResponseAsync_NoListenerAndAmbientGenAiSpan_TakesItsIds()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("openai", null, "ambient-" + Guid.NewGuid()) }, recorder, time);
        using var request = new Activity("request").Start();
        using var otelChat = new Activity("chat gpt-4o").SetTag("gen_ai.operation.name", "chat").Start();

        await client.GetResponseAsync(Prompt);

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(otelChat.TraceId.ToHexString(), op.TraceId);
        Assert.Equal(otelChat.SpanId.ToHexString(), op.SpanId);
        Assert.Equal(request.SpanId.ToHexString(), op.ParentSpanId);
    }

    [Fact]
    public async Task GetResponseAsync_NoListenerAndPlainAmbientSpan_IsItsChild()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata("openai", null, "ambient-" + Guid.NewGuid()) }, recorder, time);
        using var request = new Activity("request").Start();

        await client.GetResponseAsync(Prompt);
        await client.GetResponseAsync(Prompt);

        var ops = recorder.Operations;
        Assert.All(ops, op => Assert.Equal(request.TraceId.ToHexString(), op.TraceId));
        Assert.All(ops, op => Assert.Equal(request.SpanId.ToHexString(), op.ParentSpanId));
        Assert.NotEqual(ops[0].SpanId, ops[1].SpanId);
        Assert.Equal(ops[0].OperationId, ops[0].SpanId);
    }
}
