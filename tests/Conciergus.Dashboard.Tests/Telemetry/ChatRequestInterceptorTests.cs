using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

public class ChatRequestInterceptorTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    [Fact]
    public async Task GetResponseAsync_InterceptorAssignsVariant_RewrittenRequestSentAndOperationTagged()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time);
        var interceptor = new VariantInterceptor();
        using var client = Pipelines.Chat(inner, recorder, time, interceptor: interceptor);
        var options = new ChatOptions { ModelId = "gpt-4o", AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = "user-003" } };

        await client.GetResponseAsync(Prompt, options);

        Assert.Equal("gpt-4o-mini", inner.LastOptions!.ModelId);
        Assert.Equal("You are terse.", inner.LastMessages!.First().Text);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(("model-swap", "mini"), (op.ExperimentKey, op.ExperimentVariant));
        Assert.Equal("gpt-4o-mini", op.RequestModel);
        var seen = Assert.Single(interceptor.Seen);
        Assert.Equal(("user-003", "gpt-4o", "openai", "test-app"), (seen.UserId, seen.RequestModel, seen.Provider, seen.Application));
    }

    [Fact]
    public async Task GetResponseAsync_InterceptorThrows_OriginalRequestSentUntagged()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time);
        using var client = Pipelines.Chat(inner, recorder, time, interceptor: new ThrowingInterceptor());
        var options = new ChatOptions { ModelId = "gpt-4o" };

        await client.GetResponseAsync(Prompt, options);

        Assert.Same(options, inner.LastOptions);
        var op = Assert.Single(recorder.Operations);
        Assert.Null(op.ExperimentKey);
        Assert.Equal("gpt-4o", op.RequestModel);
    }

    private sealed class VariantInterceptor : IChatRequestInterceptor
    {
        public List<ChatRequestContext> Seen { get; } = [];

        public ValueTask<ChatRequestInterception?> InterceptAsync(ChatRequestContext context, CancellationToken cancellationToken)
        {
            Seen.Add(context);
            var options = context.Options?.Clone() ?? new ChatOptions();
            options.ModelId = "gpt-4o-mini";
            return ValueTask.FromResult<ChatRequestInterception?>(new ChatRequestInterception
            {
                Messages = [new ChatMessage(ChatRole.System, "You are terse."), .. context.Messages],
                Options = options,
                ExperimentKey = "model-swap",
                ExperimentVariant = "mini",
            });
        }
    }

    private sealed class ThrowingInterceptor : IChatRequestInterceptor
    {
        public ValueTask<ChatRequestInterception?> InterceptAsync(ChatRequestContext context, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("experiment store down");
    }
}
