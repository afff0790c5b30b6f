using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Telemetry;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Traces;

/// <summary>
/// W3C trace context: a chat call made through UseConciergus() while an incoming ASP.NET Core request is handled
/// belongs to the request's trace (taken from its traceparent header) as a child of the request's span.
/// </summary>
public sealed class TracePropagationTests : IDisposable
{
    private const string ChatPath = "/test/chat-in-request";

    // A fresh trace per test: the process-wide listener below samples only this trace, so parallel tests are unaffected.
    private readonly ActivityTraceId _traceId = ActivityTraceId.CreateRandom();
    private readonly ActivitySpanId _callerSpanId = ActivitySpanId.CreateRandom();
    private readonly ConciergusAppFactory _factory = new();
    private ActivityListener? _listener;

    public void Dispose()
    {
        _listener?.Dispose();
        _factory.Dispose();
    }

    [Theory]
    [InlineData(true)] // someone (an OpenTelemetry SDK) listens to Conciergus.AI: the middleware's own span is the request's child
    [InlineData(false)] // nobody does: the operation still names the request span as its parent
    public async Task ChatCallInsideRequest_JoinsTheRequestTraceAsChildOfTheRequestSpan(bool listenToConciergusSpans)
    {
        // Arrange
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore"
                || (listenToConciergusSpans && source.Name == ConciergusDiagnostics.ActivitySourceName),
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.TraceId == _traceId ? ActivitySamplingResult.AllDataAndRecorded : ActivitySamplingResult.None,
        };
        ActivitySource.AddActivityListener(_listener);
        using var app = _factory.WithWebHostBuilder(builder =>
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ChatInRequestStartupFilter>()));
        var client = app.CreateApiKeyClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, ChatPath);
        request.Headers.Add("traceparent", $"00-{_traceId.ToHexString()}-{_callerSpanId.ToHexString()}-01");

        // Act
        var response = await client.SendAsync(request);
        var seen = await response.Content.ReadFromJsonAsync<JsonElement>();

        // Assert: the request span continued the caller's trace
        response.EnsureSuccessStatusCode();
        var requestTraceId = seen.GetProperty("traceId").GetString();
        var requestSpanId = seen.GetProperty("spanId").GetString();
        Assert.Equal(_traceId.ToHexString(), requestTraceId);
        Assert.Equal(_callerSpanId.ToHexString(), seen.GetProperty("parentSpanId").GetString());

        // ... and the chat call's operation is a child of the request span in the same trace
        var store = app.Services.GetRequiredService<TraceStore>();
        var detail = store.Get(requestTraceId!);
        Assert.NotNull(detail);
        var ai = Assert.Single(detail.Spans, n => n.IsAi);
        Assert.Equal(requestSpanId, ai.Span.ParentSpanId);
        Assert.Equal(requestTraceId, ai.Span.Operation!.TraceId);
        Assert.Equal(requestSpanId, ai.Span.Operation.ParentSpanId);
        Assert.NotEqual(requestSpanId, ai.Span.SpanId);
        Assert.Equal("chat gpt-4o-mini", ai.Span.Name);
        Assert.Equal("propagation-test", ai.Span.Application);
        Assert.Equal(42, ai.Span.Operation.InputTokens);

        // The API shows it the same way
        var json = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{requestTraceId}");
        var span = json.GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("isAi").GetBoolean());
        Assert.Equal(requestSpanId, span.GetProperty("parentSpanId").GetString());
    }

    /// <summary>Serves <see cref="ChatPath"/>: makes one chat call through UseConciergus() and echoes the request span's ids.</summary>
    private sealed class ChatInRequestStartupFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path != ChatPath)
                {
                    await nextMiddleware(context);
                    return;
                }

                var requestActivity = Activity.Current;
                using var chat = new ChatClientBuilder(new FixedChatClient())
                    .UseConciergus(o => o.Application = "propagation-test")
                    .Build(context.RequestServices);
                await chat.GetResponseAsync("hello");
                await context.Response.WriteAsJsonAsync(new
                {
                    traceId = requestActivity?.TraceId.ToHexString(),
                    spanId = requestActivity?.SpanId.ToHexString(),
                    parentSpanId = requestActivity?.ParentSpanId.ToHexString(),
                });
            });
            next(app);
        };
    }

    private sealed class FixedChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "hi"))
            {
                ModelId = "gpt-4o-mini-2024-07-18",
                Usage = new UsageDetails { InputTokenCount = 42, OutputTokenCount = 7 },
            });

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o-mini") : null;

        public void Dispose()
        {
        }
    }
}
