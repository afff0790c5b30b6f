using System.Diagnostics;
using System.Net;

using Conciergus.Core.Model;
using Conciergus.Core.Resilience;
using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

using Polly.CircuitBreaker;

namespace Conciergus.Dashboard.Tests.Resilience;

public sealed class ResilientChatClientTests
{
    private static readonly HttpRequestException Unavailable = FlakyChatClient.Status(HttpStatusCode.ServiceUnavailable);

    [Fact]
    public async Task GetResponse_TwoServerErrors_BacksOffOneThenTwoSecondsAndRecordsEachAttemptExactly()
    {
        var host = new ResilienceTestHost();
        host.Provider.Script("gpt-4o", Unavailable, FlakyChatClient.Status(HttpStatusCode.InternalServerError), null);
        var spans = new List<Activity>();
        using var listener = Listen(spans);
        using var parent = new Activity("test request").SetIdFormat(ActivityIdFormat.W3C).Start();

        var call = host.AskAsync();
        Assert.Equal(TimeSpan.FromSeconds(1), await host.Time.FireNextTimerAsync());
        Assert.Equal(TimeSpan.FromSeconds(2), await host.Time.FireNextTimerAsync());
        var response = await call;

        Assert.Equal("ok from gpt-4o", response.Text);
        Assert.Equal(
            [ResilienceTestHost.Start, ResilienceTestHost.Start.AddSeconds(1), ResilienceTestHost.Start.AddSeconds(3)],
            host.Provider.Calls.Select(c => c.At));

        // One operation per attempt, through the real collector: retry index, original model, no fallback.
        var operations = host.Sink.Operations;
        Assert.Equal([0, 1, 2], operations.Select(o => o.RetryCount));
        Assert.Equal([AiOperationStatus.Error, AiOperationStatus.Error, AiOperationStatus.Ok], operations.Select(o => o.Status));
        Assert.All(operations, o => Assert.Equal("gpt-4o", o.OriginalModel));
        Assert.All(operations, o => Assert.False(o.FallbackUsed));
        Assert.Equal(3, host.Collector.Stats.Recorded);
        var total = host.Cache.Aggregate(SeriesKey.Total, ResilienceTestHost.Start.AddMinutes(-1), host.Time.GetUtcNow().AddSeconds(1));
        Assert.Equal(3, total.Requests);
        Assert.Equal(2, total.Errors);

        // Each attempt is its own span under the caller's span, tagged with its retry index.
        var attempts = spans.Where(s => s.TraceId == parent.TraceId).ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, s => Assert.Equal(parent.SpanId, s.ParentSpanId));
        Assert.Equal([0, 1, 2], attempts.Select(s => (int)s.GetTagItem(ConciergusPropertyNames.RetryCount)!));
    }

    [Theory]
    [InlineData(0.0, 800)] // factor 1 - 0.2
    [InlineData(0.5, 1000)] // factor 1
    [InlineData(0.75, 1100)] // factor 1 + 0.1
    public async Task GetResponse_Jitter_ScalesTheBackoffWithinTheFraction(double draw, double expectedMs)
    {
        var host = new ResilienceTestHost(jitter: draw);
        host.Provider.Script("gpt-4o", Unavailable, null);

        var call = host.AskAsync();
        var due = await host.Time.FireNextTimerAsync();
        await call;

        Assert.Equal(expectedMs, due.TotalMilliseconds, precision: 6);
    }

    [Fact]
    public async Task GetResponse_BackoffReachesMaxDelay_IsCapped()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 4;
            o.Retry.MaxDelay = TimeSpan.FromSeconds(3);
        });
        host.Provider.Script("gpt-4o", Unavailable, Unavailable, Unavailable, Unavailable, null);

        var call = host.AskAsync();
        var delays = new List<double>();
        for (var i = 0; i < 4; i++)
        {
            delays.Add((await host.Time.FireNextTimerAsync()).TotalSeconds);
        }

        await call;
        Assert.Equal([1, 2, 3, 3], delays);
    }

    [Fact]
    public async Task GetResponse_RateLimitWithRetryAfter_WaitsWhatTheProviderAsked()
    {
        var host = new ResilienceTestHost();
        host.Provider.Script("gpt-4o", FlakyChatClient.Status(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromSeconds(7)), null);

        var call = host.AskAsync();
        Assert.Equal(TimeSpan.FromSeconds(7), await host.Time.FireNextTimerAsync());
        await call;

        Assert.Equal(ResilienceTestHost.Start.AddSeconds(7), host.Provider.Calls[^1].At);
    }

    [Fact]
    public async Task GetResponse_RetryAfterLongerThanAllowed_FallsBackAtOnce()
    {
        var host = new ResilienceTestHost(o => o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"]);
        host.Provider.Script("gpt-4o", FlakyChatClient.Status(HttpStatusCode.TooManyRequests, retryAfter: TimeSpan.FromMinutes(2)));

        var call = host.AskAsync();

        Assert.True(call.IsCompletedSuccessfully); // no timer: nothing waited
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], host.Provider.Calls.Select(c => c.Model));
        Assert.Equal("ok from gpt-4o-mini", (await call).Text);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotFound)]
    public async Task GetResponse_NonRetryableError_FailsAtOnceWithoutRetryOrFallback(HttpStatusCode status)
    {
        var host = new ResilienceTestHost(o => o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"]);
        host.Provider.Script("gpt-4o", FlakyChatClient.Status(status));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(["gpt-4o"], host.Provider.Calls.Select(c => c.Model));
        Assert.Equal(0, host.Sink.Operations.Single().RetryCount);
    }

    [Fact]
    public async Task GetResponse_HttpClientTimeout_IsRetried()
    {
        var host = new ResilienceTestHost();
        host.Provider.Script("gpt-4o", new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()), null);

        var call = host.AskAsync();
        await host.Time.FireNextTimerAsync();

        Assert.Equal("ok from gpt-4o", (await call).Text);
        Assert.Equal(2, host.Provider.Calls.Count);
    }

    [Fact]
    public async Task GetResponse_RetriesExhausted_WalksTheFallbackChainInOrder()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 1;
            o.Fallbacks["gpt-4o"] = ["anthropic/claude-sonnet-4-5", "gpt-4o-mini"];
        });
        host.Provider.Down["gpt-4o"] = Unavailable;
        host.Provider.Down["claude-sonnet-4-5"] = Unavailable;

        var call = host.AskAsync();
        await host.Time.FireNextTimerAsync(); // gpt-4o retry
        await host.Time.FireNextTimerAsync(); // claude retry
        var response = await call;

        Assert.Equal("ok from gpt-4o-mini", response.Text);
        Assert.Equal(["gpt-4o", "gpt-4o", "claude-sonnet-4-5", "claude-sonnet-4-5", "gpt-4o-mini"], host.Provider.Calls.Select(c => c.Model));
        var operations = host.Sink.Operations;
        Assert.Equal([0, 1, 2, 3, 4], operations.Select(o => o.RetryCount));
        Assert.Equal([false, false, true, true, true], operations.Select(o => o.FallbackUsed));
        Assert.All(operations, o => Assert.Equal("gpt-4o", o.OriginalModel));
        var final = operations[^1];
        Assert.Equal(("gpt-4o-mini", AiOperationStatus.Ok), (final.RequestModel, final.Status));
        Assert.Equal(5, host.Collector.Stats.Recorded);
    }

    [Fact]
    public async Task GetResponse_AllModelsDown_ThrowsTheLastProviderError()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"];
        });
        host.Provider.Down["gpt-4o"] = Unavailable;
        var last = FlakyChatClient.Status(HttpStatusCode.BadGateway);
        host.Provider.Down["gpt-4o-mini"] = last;

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());

        Assert.Same(last, error);
    }

    [Fact]
    public async Task Breaker_FailureRatioReached_OpensThenHalfOpensAfterBreakAndClosesOnSuccessfulProbe()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.CircuitBreaker.BreakDuration = TimeSpan.FromSeconds(30);
        });
        var changes = 0;
        using var changed = host.Registry.Changes.Subscribe(() =>
        {
            Interlocked.Increment(ref changes);
            return Task.CompletedTask;
        }, TimeSpan.Zero);
        host.Provider.Down["gpt-4o"] = Unavailable;
        var target = new ModelTarget("openai", "gpt-4o");

        await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());
        Assert.Equal(CircuitStatus.Closed, host.Registry.StateOf(target));
        await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());
        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(target));
        Assert.Equal(1, host.Registry.Find("openai", "gpt-4o")!.Opened);

        // Open: refused without reaching the provider.
        await Assert.ThrowsAnyAsync<BrokenCircuitException>(() => host.AskAsync());
        Assert.Equal(2, host.Provider.Calls.Count);

        host.Time.Fake.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(target));
        host.Time.Fake.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(CircuitStatus.HalfOpen, host.Registry.StateOf(target));

        // The probe succeeds: closed again.
        host.Provider.Down.Clear();
        await host.AskAsync();
        Assert.Equal(CircuitStatus.Closed, host.Registry.StateOf(target));
        Assert.Equal(3, host.Provider.Calls.Count);
        Assert.True(changes >= 3, $"opened, half-opened and closed should each raise Changed (saw {changes})");
    }

    [Fact]
    public async Task Breaker_FailedProbe_OpensAgain()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
        });
        host.Provider.Down["gpt-4o"] = Unavailable;
        await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());
        await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());
        host.Time.Fake.Advance(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());

        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(new ModelTarget("openai", "gpt-4o")));
        Assert.Equal(3, host.Provider.Calls.Count);
    }

    [Fact]
    public async Task GetResponse_CircuitOpen_GoesStraightToTheFallbackWithNoUserVisibleError()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
            o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"];
        });
        host.Provider.Down["gpt-4o"] = Unavailable;
        await host.AskAsync();
        await host.AskAsync();
        var before = host.Provider.Calls.Count;

        var response = await host.AskAsync();

        Assert.Equal("ok from gpt-4o-mini", response.Text);
        Assert.Equal(["gpt-4o-mini"], host.Provider.Calls.Skip(before).Select(c => c.Model));
        var last = host.Sink.Operations[^1];
        Assert.Equal((0, true, "gpt-4o", "gpt-4o-mini"), (last.RetryCount, last.FallbackUsed, last.OriginalModel, last.RequestModel));
    }

    [Fact]
    public async Task Registry_ForcedOpen_RefusesUntilReset_AndForcedClosedIgnoresFailures()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.MinimumThroughput = 2;
        });
        var forced = await host.Registry.ForceOpenAsync("openai", "gpt-4o", "alice");
        Assert.Equal((CircuitStatus.Open, CircuitForce.Open), (forced.State, forced.Forced));
        await Assert.ThrowsAnyAsync<BrokenCircuitException>(() => host.AskAsync());
        host.Time.Fake.Advance(TimeSpan.FromMinutes(5)); // a pinned circuit does not half-open
        Assert.Equal(CircuitStatus.Open, host.Registry.StateOf(new ModelTarget("openai", "gpt-4o")));

        var closed = await host.Registry.ForceCloseAsync("openai", "gpt-4o", "alice");
        Assert.Equal((CircuitStatus.Closed, "forced closed by alice"), (closed.State, closed.Reason));
        host.Provider.Down["gpt-4o"] = Unavailable;
        for (var i = 0; i < 4; i++)
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => host.AskAsync());
        }

        Assert.Equal(CircuitStatus.Closed, host.Registry.StateOf(new ModelTarget("openai", "gpt-4o")));
        var reset = await host.Registry.ResetAsync("openai", "gpt-4o", "alice");
        Assert.Equal(CircuitForce.None, reset.Forced);
    }

    [Fact]
    public async Task Stream_FailsBeforeFirstUpdate_RetriesAndStreamsTheRetry()
    {
        var host = new ResilienceTestHost();
        host.Provider.Script("gpt-4o", Unavailable, null);

        var read = ReadAllAsync(host.Client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        await host.Time.FireNextTimerAsync();
        var text = await read;

        Assert.Equal("ok from gpt-4o", text);
        Assert.Equal([0, 1], host.Sink.Operations.Select(o => o.RetryCount));
        Assert.Equal([AiOperationStatus.Error, AiOperationStatus.Ok], host.Sink.Operations.Select(o => o.Status));
    }

    [Fact]
    public async Task GetResponse_ApplicationChain_ReplacesTheGlobalChain()
    {
        var host = new ResilienceTestHost(o =>
        {
            o.Retry.MaxRetries = 0;
            o.Fallbacks["gpt-4o"] = ["gpt-4o-mini"];
            o.Applications["shop"] = new ApplicationResilienceSettings { Fallbacks = { ["gpt-4o"] = ["o4-mini"] } };
        });
        host.Provider.Down["gpt-4o"] = Unavailable;

        var response = await host.AskAsync();

        Assert.Equal("ok from o4-mini", response.Text);
    }

    [Fact]
    public async Task GetResponse_NoModelId_LeavesTheDefaultModelToTheProviderAndStampsTheAttempt()
    {
        var host = new ResilienceTestHost();
        ChatOptions? seen = null;
        var client = new ChatClientBuilder(new CapturingClient(o => seen = o)).UseConciergusResilience().Build(
            new ServiceCollection().AddSingleton(host.Registry).BuildServiceProvider());

        var callerOptions = new ChatOptions { AdditionalProperties = new() { ["conciergus.user_id"] = "u-1" } };

        await client.GetResponseAsync("hi", callerOptions);

        Assert.Equal(["conciergus.user_id"], callerOptions.AdditionalProperties.Keys); // the caller's options are not stamped
        Assert.Equal("u-1", seen!.AdditionalProperties!["conciergus.user_id"]);
        Assert.Null(seen.ModelId);
        Assert.Equal((0, false, "gpt-4o"), ConciergusPropertyNames.ReadAttempt(seen.AdditionalProperties));
    }

    private sealed class CapturingClient(Action<ChatOptions?> capture) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            capture(options);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o") : null;

        public void Dispose()
        {
        }
    }

    private static async Task<string> ReadAllAsync(IAsyncEnumerable<ChatResponseUpdate> updates)
    {
        var text = "";
        await foreach (var update in updates)
        {
            text += update.Text;
        }

        return text;
    }

    private static ActivityListener Listen(List<Activity> spans)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == ConciergusDiagnostics.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
