using System.Net;

using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Telemetry;

public class ConciergusChatClientTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    [Fact]
    public async Task GetResponseAsync_Success_RecordsOneOperationWithTokensModelProviderAndDuration()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time)
        {
            Latency = TimeSpan.FromMilliseconds(1500),
            Response = new ChatResponse(new ChatMessage(ChatRole.Assistant, "Hi!"))
            {
                ModelId = "gpt-4o-2024-08-06",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails
                {
                    InputTokenCount = 1200,
                    CachedInputTokenCount = 1000,
                    OutputTokenCount = 300,
                    ReasoningTokenCount = 200,
                    AdditionalCounts = new() { ["CacheCreationInputTokens"] = 100 },
                },
            },
        };
        using var client = Pipelines.Chat(inner, recorder, time);

        var response = await client.GetResponseAsync(Prompt);

        Assert.Equal("Hi!", response.Text);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Ok, op.Status);
        Assert.Equal(AiOperationKinds.Chat, op.Operation);
        Assert.Equal("openai", op.Provider);
        Assert.Equal("gpt-4o", op.RequestModel);
        Assert.Equal("gpt-4o-2024-08-06", op.ResponseModel);
        Assert.Equal(1200, op.InputTokens);
        Assert.Equal(1000, op.CachedInputTokens);
        Assert.Equal(100, op.CacheCreationInputTokens);
        Assert.Equal(300, op.OutputTokens);
        Assert.Equal(200, op.ReasoningTokens);
        Assert.Equal(Pipelines.Start, op.StartTime);
        Assert.Equal(1500, op.DurationMs);
        Assert.Null(op.TimeToFirstTokenMs);
        Assert.Equal(["stop"], op.FinishReasons);
        Assert.Equal("test-app", op.Application);
        Assert.Equal(ErrorCategory.None, op.ErrorCategory);
        Assert.Null(op.Error);
        Assert.Equal(16, op.OperationId.Length);
    }

    // Reference values: Anthropic's Messages API documents total input as
    // input_tokens + cache_creation_input_tokens + cache_read_input_tokens (2 + 52437 + 17207 = 69646);
    // Gemini reports candidatesTokenCount without thoughtsTokenCount (40 + 900 = 940).
    [Theory]
    [InlineData(1200L, 1000L, 0L, 300L, 200L, 1200L, 300L)] // contract respected: totals already include parts
    [InlineData(2L, 17207L, 52437L, 7L, 0L, 69646L, 7L)] // Anthropic raw input_tokens excludes cache reads and writes
    [InlineData(500L, 0L, 0L, 40L, 900L, 500L, 940L)] // Gemini-style output excludes thoughts
    [InlineData(0L, 0L, 0L, 0L, 0L, 0L, 0L)]
    public async Task GetResponseAsync_UsageVariants_TotalsIncludeTheirPartsOnce(
        long input, long cached, long creation, long output, long reasoning, long expectedInput, long expectedOutput)
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var usage = new UsageDetails { InputTokenCount = input, CachedInputTokenCount = cached, OutputTokenCount = output, ReasoningTokenCount = reasoning };
        if (creation > 0)
        {
            usage.AdditionalCounts = new() { ["cache_creation_input_tokens"] = creation };
        }

        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Response = new ChatResponse([]) { Usage = usage } }, recorder, time);

        await client.GetResponseAsync(Prompt);

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(expectedInput, op.InputTokens);
        Assert.Equal(expectedOutput, op.OutputTokens);
        Assert.Equal(cached, op.CachedInputTokens);
        Assert.Equal(creation, op.CacheCreationInputTokens);
        Assert.Equal(reasoning, op.ReasoningTokens);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Success_RecordsTimeToFirstTokenAndUsageFromFinalUpdate()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time)
        {
            Metadata = new ChatClientMetadata("Anthropic", null, "claude-sonnet-4-5"),
            Updates =
            [
                (TimeSpan.FromMilliseconds(100), new ChatResponseUpdate(ChatRole.Assistant, string.Empty)), // role only: not a token
                (TimeSpan.FromMilliseconds(250), new ChatResponseUpdate(ChatRole.Assistant, "Hel") { ModelId = "claude-sonnet-4-5-20250929" }),
                (TimeSpan.FromMilliseconds(500), new ChatResponseUpdate(ChatRole.Assistant, "lo") { FinishReason = ChatFinishReason.Stop }),
                (TimeSpan.FromMilliseconds(50), new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = 900, CachedInputTokenCount = 600, OutputTokenCount = 42 })] }),
            ],
        };
        using var client = Pipelines.Chat(inner, recorder, time);

        var text = string.Empty;
        await foreach (var update in client.GetStreamingResponseAsync(Prompt))
        {
            text += update.Text;
        }

        Assert.Equal("Hello", text);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Ok, op.Status);
        Assert.Equal("anthropic", op.Provider);
        Assert.Equal("claude-sonnet-4-5", op.RequestModel);
        Assert.Equal("claude-sonnet-4-5-20250929", op.ResponseModel);
        Assert.Equal(350, op.TimeToFirstTokenMs);
        Assert.Equal(900, op.DurationMs);
        Assert.Equal(900, op.InputTokens);
        Assert.Equal(600, op.CachedInputTokens);
        Assert.Equal(42, op.OutputTokens);
        Assert.Equal(["stop"], op.FinishReasons);
        Assert.Equal("true", op.Metadata!["conciergus.streaming"]);
        Assert.False(op.Metadata.ContainsKey("conciergus.stream_abandoned"));
        Assert.True(inner.StreamDisposed);
    }

    [Fact]
    public async Task GetResponseAsync_InnerThrows_RethrowsSameExceptionAndRecordsOneErrorOperation()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var categorizer = new TableErrorCategorizer();
        var failure = new HttpRequestException("Too Many Requests", null, HttpStatusCode.TooManyRequests);
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Latency = TimeSpan.FromMilliseconds(120), Exception = failure }, recorder, time, categorizer);

        var thrown = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetResponseAsync(Prompt));

        Assert.Same(failure, thrown);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(ErrorCategory.RateLimit, op.ErrorCategory);
        Assert.Equal("System.Net.Http.HttpRequestException", op.Error!.Type);
        Assert.Equal(429, op.Error.HttpStatus);
        Assert.Equal("Too Many Requests", op.Error.Message);
        Assert.Equal(120, op.DurationMs);
        var call = Assert.Single(categorizer.Calls);
        Assert.Same(failure, call.Exception);
        Assert.Equal("openai", call.Provider);
    }

    [Fact]
    public async Task GetResponseAsync_ClientResultExceptionByTypeName_ReadsStatusProperty()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var failure = new InvalidOperationException("wrapper", new System.ClientModel.ClientResultException("Service Unavailable", 503));
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Exception = failure }, recorder, time, new TableErrorCategorizer());

        await Assert.ThrowsAsync<InvalidOperationException>(() => client.GetResponseAsync(Prompt));

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(503, op.Error!.HttpStatus);
        Assert.Equal("System.InvalidOperationException", op.Error.Type);
        Assert.Equal(ErrorCategory.ServerError, op.ErrorCategory);
    }

    [Fact]
    public async Task GetResponseAsync_InnerAnswersLater_RecordsWhenTheAnswerArrives()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new PendingChatClient();
        using var client = Pipelines.Chat(inner, recorder, time);

        var call = client.GetResponseAsync(Prompt);
        Assert.False(call.IsCompleted);
        Assert.Equal(0, recorder.Count);
        time.Advance(TimeSpan.FromMilliseconds(700));
        inner.Answer(new ChatResponse(new ChatMessage(ChatRole.Assistant, "later"))
        {
            ModelId = "gpt-4o-2024-08-06",
            Usage = new UsageDetails { InputTokenCount = 100, OutputTokenCount = 10 },
        });
        var response = await call;

        Assert.Equal("later", response.Text);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Ok, op.Status);
        Assert.Equal("gpt-4o-2024-08-06", op.ResponseModel);
        Assert.Equal((100, 10), (op.InputTokens, op.OutputTokens));
        Assert.Equal(Pipelines.Start, op.StartTime);
        Assert.Equal(700, op.DurationMs);
    }

    [Fact]
    public async Task GetResponseAsync_InnerFailsLater_RethrowsAndRecordsTheError()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new PendingChatClient();
        using var client = Pipelines.Chat(inner, recorder, time);
        var failure = new HttpRequestException("busy", null, HttpStatusCode.TooManyRequests);

        var call = client.GetResponseAsync(Prompt);
        Assert.Equal(0, recorder.Count);
        inner.Fail(failure);

        Assert.Same(failure, await Assert.ThrowsAsync<HttpRequestException>(() => call));
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(429, op.Error!.HttpStatus);
    }

    [Fact]
    public async Task GetResponseAsync_InnerThrowsBeforeReturningATask_FaultsTheTaskAndRecordsTheError()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var failure = new TimeoutException("no connection");
        using var client = Pipelines.Chat(new PendingChatClient { ThrowAtOnce = failure }, recorder, time);

        // As from an async method: the exception travels in the task, not out of the call.
        var call = client.GetResponseAsync(Prompt);

        Assert.Same(failure, await Assert.ThrowsAsync<TimeoutException>(() => call));
        Assert.True(call.IsFaulted);
        Assert.Equal("System.TimeoutException", Assert.Single(recorder.Operations).Error!.Type);
    }

    [Fact]
    public async Task GetResponseAsync_InnerThrowsCancellationBeforeReturningATask_CancelsTheTask()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        using var client = Pipelines.Chat(new PendingChatClient { ThrowAtOnce = new OperationCanceledException(cts.Token) }, recorder, time);

        var call = client.GetResponseAsync(Prompt, cancellationToken: cts.Token);

        await Assert.ThrowsAsync<OperationCanceledException>(() => call);
        Assert.True(call.IsCanceled);
        Assert.Equal(AiOperationStatus.Error, Assert.Single(recorder.Operations).Status);
    }

    [Fact]
    public async Task GetResponseAsync_Cancelled_CategorizerDecidesCancelled()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var failure = new OperationCanceledException(cts.Token);
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Exception = failure }, recorder, time, new TableErrorCategorizer());

        var thrown = await Assert.ThrowsAsync<OperationCanceledException>(() => client.GetResponseAsync(Prompt, cancellationToken: cts.Token));

        Assert.Same(failure, thrown);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(ErrorCategory.Cancelled, op.ErrorCategory);
        Assert.Equal("System.OperationCanceledException", op.Error!.Type);
    }

    [Fact]
    public async Task GetResponseAsync_NoCategorizerRegistered_LeavesCategoryForTheCollector()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Exception = new TimeoutException("slow") }, recorder, time);

        await Assert.ThrowsAsync<TimeoutException>(() => client.GetResponseAsync(Prompt));

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(ErrorCategory.None, op.ErrorCategory);
        Assert.Equal("System.TimeoutException", op.Error!.Type);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_InnerThrowsMidStream_RethrowsAndRecordsErrorWithTimeToFirstToken()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var failure = new HttpRequestException("overloaded", null, HttpStatusCode.ServiceUnavailable);
        var inner = new ScriptedChatClient(time)
        {
            Updates = [(TimeSpan.FromMilliseconds(200), new ChatResponseUpdate(ChatRole.Assistant, "partial"))],
            StreamException = failure,
        };
        using var client = Pipelines.Chat(inner, recorder, time, new TableErrorCategorizer());

        var seen = 0;
        var thrown = await Assert.ThrowsAsync<HttpRequestException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Prompt))
            {
                seen++;
            }
        });

        Assert.Same(failure, thrown);
        Assert.Equal(1, seen);
        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal(ErrorCategory.ServerError, op.ErrorCategory);
        Assert.Equal(503, op.Error!.HttpStatus);
        Assert.Equal(200, op.TimeToFirstTokenMs);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ConsumerStopsEarly_RecordsOneAbandonedOperationAndDisposesInner()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        var inner = new ScriptedChatClient(time)
        {
            Updates =
            [
                (TimeSpan.FromMilliseconds(300), new ChatResponseUpdate(ChatRole.Assistant, "one")),
                (TimeSpan.FromMilliseconds(300), new ChatResponseUpdate(ChatRole.Assistant, "two")),
                (TimeSpan.FromMilliseconds(300), new ChatResponseUpdate(ChatRole.Assistant, "three")),
            ],
        };
        using var client = Pipelines.Chat(inner, recorder, time);

        await foreach (var update in client.GetStreamingResponseAsync(Prompt))
        {
            time.Advance(TimeSpan.FromMilliseconds(50)); // the consumer's own work counts: the call was still open
            break;
        }

        var op = Assert.Single(recorder.Operations);
        Assert.Equal(AiOperationStatus.Ok, op.Status);
        Assert.Equal(300, op.TimeToFirstTokenMs);
        Assert.Equal(350, op.DurationMs);
        Assert.Equal("true", op.Metadata!["conciergus.stream_abandoned"]);
        Assert.True(inner.StreamDisposed);
    }

    [Fact]
    public async Task GetResponseAsync_AmbientScope_TagsDimensionsAndNestedScopeOverrides()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time), recorder, time);

        using (ConciergusContext.Begin(new ConciergusScope { UserId = "user-7", SessionId = "s-1", Application = "shop", FunctionId = "support-chat", Environment = "staging" }))
        {
            await client.GetResponseAsync(Prompt);
            using (ConciergusContext.Begin(new ConciergusScope { FunctionId = "summarize" }))
            {
                await client.GetResponseAsync(Prompt);
            }
        }

        await client.GetResponseAsync(Prompt);

        var ops = recorder.Operations;
        Assert.Equal(3, ops.Count);
        Assert.Equal(("user-7", "s-1", "shop", "support-chat", "staging"), (ops[0].UserId, ops[0].SessionId, ops[0].Application, ops[0].FunctionId, ops[0].Environment));
        Assert.Equal(("user-7", "shop", "summarize"), (ops[1].UserId, ops[1].Application, ops[1].FunctionId));
        Assert.Equal(("test-app", null, null), (ops[2].Application, ops[2].UserId, ops[2].FunctionId));
        Assert.Null(ConciergusContext.Current);
    }

    [Fact]
    public async Task GetResponseAsync_AdditionalProperties_OverrideAmbientAndAcceptAliases()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time), recorder, time);
        var explicitKeys = new ChatOptions
        {
            AdditionalProperties = new()
            {
                [ConciergusPropertyNames.UserId] = "user-1",
                [ConciergusPropertyNames.SessionId] = "sess-1",
                [ConciergusPropertyNames.Application] = "billing",
                [ConciergusPropertyNames.FunctionId] = "classify",
                [ConciergusPropertyNames.Environment] = "production",
                ["conversationId"] = "conv-alias",
            },
            ConversationId = "conv-native",
        };
        var aliases = new ChatOptions { AdditionalProperties = new() { ["userId"] = 42, ["sessionId"] = "sess-2", ["conversationId"] = "conv-2" } };

        using (ConciergusContext.Begin(new ConciergusScope { UserId = "ambient-user", Application = "ambient-app" }))
        {
            await client.GetResponseAsync(Prompt, explicitKeys);
            await client.GetResponseAsync(Prompt, aliases);
        }

        var first = recorder.Operations[0];
        Assert.Equal(("user-1", "sess-1", "billing", "classify", "production", "conv-native"), (first.UserId, first.SessionId, first.Application, first.FunctionId, first.Environment, first.ConversationId));
        var second = recorder.Operations[1];
        Assert.Equal(("42", "sess-2", "conv-2", "ambient-app"), (second.UserId, second.SessionId, second.ConversationId, second.Application));
    }

    [Fact]
    public async Task GetResponseAsync_NoApplicationAnywhere_UsesEntryAssemblyNameAndOptionsModel()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time) { Metadata = new ChatClientMetadata(null, null, null) }, recorder, time, configure: _ => { });

        await client.GetResponseAsync(Prompt, new ChatOptions { ModelId = "o4-mini" });
        await client.GetResponseAsync(Prompt);

        var expected = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "unknown";
        Assert.All(recorder.Operations, op => Assert.Equal(expected, op.Application));
        Assert.All(recorder.Operations, op => Assert.Equal("unknown", op.Provider));
        Assert.Equal("o4-mini", recorder.Operations[0].RequestModel);
        Assert.Equal("unknown", recorder.Operations[1].RequestModel);
    }

    [Fact]
    public void UseConciergus_NoRecorderRegistered_ThrowsWithGuidance()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var builder = new ChatClientBuilder(new ScriptedChatClient(time)).UseConciergus();

        var error = Assert.Throws<InvalidOperationException>(() => builder.Build(new ServiceCollection().BuildServiceProvider()));

        Assert.Contains("IAiOperationRecorder", error.Message);
        Assert.Contains("services.AddConciergus", error.Message);
    }

    [Fact]
    public async Task UseConciergus_ResolvesTimeProviderFromServices()
    {
        var time = new FakeTimeProvider(Pipelines.Start.AddDays(3));
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new ScriptedChatClient(time), recorder, time);

        await client.GetResponseAsync(Prompt);

        Assert.Equal(Pipelines.Start.AddDays(3), Assert.Single(recorder.Operations).StartTime);
        Assert.NotNull(client.GetService<ConciergusChatClient>());
    }
}
