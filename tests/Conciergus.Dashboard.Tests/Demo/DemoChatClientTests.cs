using System.Net;

using Conciergus.Core.Model;
using Conciergus.Dashboard.Demo;
using Conciergus.Dashboard.Tests.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Demo;

public class DemoChatClientTests
{
    private static readonly ChatMessage[] Prompt = [new(ChatRole.User, "Hello")];

    [Fact]
    public async Task GetResponseAsync_ManyCallsSeeded_FailsInSeveralCategoriesAtARealisticRate()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var categories = new Dictionary<string, int>();
        var calls = 0;
        var failures = 0;
        foreach (var profile in DemoModelProfile.Catalog)
        {
            using var client = new DemoChatClient(profile.Provider, profile.Model, time, new Random(1234));
            for (var i = 0; i < 600; i++, calls++)
            {
                var outcome = await RunAsync(time, client.GetResponseAsync(Prompt));
                if (outcome is not null)
                {
                    failures++;
                    categories[outcome] = categories.GetValueOrDefault(outcome) + 1;
                }
            }
        }

        Assert.True(categories.Count >= 6, "categories seen: " + string.Join(", ", categories.Keys));
        Assert.DoesNotContain("unexpected", categories.Keys);
        var rate = (double)failures / calls;
        Assert.InRange(rate, 0.01, 0.15);
        // As in production traffic, throttling and provider-side errors dominate; the rest are rarer.
        var commonest = categories.OrderByDescending(c => c.Value).Take(2).Select(c => c.Key).Order();
        Assert.Equal(["rate_limit", "server_error"], commonest);
    }

    [Fact]
    public async Task GetResponseAsync_SameSeed_SameOutcomes()
    {
        var first = await OutcomesAsync(seed: 99);
        var second = await OutcomesAsync(seed: 99);
        var other = await OutcomesAsync(seed: 100);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_ThroughMiddleware_RecordsTokensTimeToFirstTokenAndDatedModel()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        var recorder = new CapturingRecorder();
        using var client = Pipelines.Chat(new DemoChatClient("openai", "o4-mini", time, new Random(7)), recorder, time);

        AiOperation? success = null;
        for (var attempt = 0; attempt < 20 && success is null; attempt++)
        {
            await RunAsync(time, Consume(client.GetStreamingResponseAsync(Prompt)));
            success = recorder.Operations.FirstOrDefault(op => op.Status == AiOperationStatus.Ok);
        }

        Assert.NotNull(success);
        Assert.Equal(("openai", "o4-mini", "o4-mini-2025-04-16"), (success.Provider, success.RequestModel, success.ResponseModel));
        Assert.True(success.ReasoningTokens > 0);
        Assert.True(success.OutputTokens > success.ReasoningTokens, "output includes reasoning plus the visible answer");
        Assert.True(success.InputTokens >= success.CachedInputTokens + success.CacheCreationInputTokens);
        Assert.NotNull(success.TimeToFirstTokenMs);
        Assert.InRange(success.TimeToFirstTokenMs!.Value, 1, success.DurationMs);
        Assert.Equal(["stop"], success.FinishReasons ?? ["stop"]); // length is rare but allowed
    }

    [Fact]
    public async Task GenerateAsync_DemoEmbeddings_ReturnsVectorsWithUsage()
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        using var generator = new DemoEmbeddingGenerator("openai", "text-embedding-3-small", time, new Random(3));

        var task = generator.GenerateAsync(["first text", "second, longer text"]);
        time.Advance(TimeSpan.FromMinutes(1));
        var result = await task;

        Assert.Equal(2, result.Count);
        Assert.Equal("text-embedding-3-small", result[0].ModelId);
        Assert.True(result.Usage!.InputTokenCount > 0);
    }

    private static async Task<IReadOnlyList<string>> OutcomesAsync(int seed)
    {
        var time = new FakeTimeProvider(Pipelines.Start);
        using var client = new DemoChatClient("anthropic", "claude-sonnet-4-5", time, new Random(seed));
        var outcomes = new List<string>();
        for (var i = 0; i < 300; i++)
        {
            // Each call starts in its own ten-minute slot, so incidents (clock-based) see the same times in every run.
            var slot = Pipelines.Start + TimeSpan.FromMinutes(10 * i);
            if (slot > time.GetUtcNow())
            {
                time.SetUtcNow(slot);
            }

            var outcome = await RunAsync(time, client.GetResponseAsync(Prompt));
            outcomes.Add(outcome ?? "ok");
        }

        return outcomes;
    }

    private static async Task Consume(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        await foreach (var update in updates)
        {
        }
    }

    /// <summary>Moves the fake clock until the call ends; returns its failure category, or null on success.</summary>
    private static async Task<string?> RunAsync(FakeTimeProvider time, Task call)
    {
        while (!call.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Yield();
        }

        try
        {
            await call;
            return null;
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.TooManyRequests)
        {
            return "rate_limit";
        }
        catch (HttpRequestException e) when ((int?)e.StatusCode is 500 or 503 or 529)
        {
            return "server_error";
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
        {
            return "authentication";
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.BadRequest && e.Message.Contains("context length exceeded"))
        {
            return "context_length_exceeded";
        }
        catch (HttpRequestException e) when (e.StatusCode == HttpStatusCode.BadRequest && e.Message.Contains("content_filter"))
        {
            return "content_filter";
        }
        catch (TimeoutException)
        {
            return "timeout";
        }
        catch (Exception)
        {
            return "unexpected";
        }
    }
}
