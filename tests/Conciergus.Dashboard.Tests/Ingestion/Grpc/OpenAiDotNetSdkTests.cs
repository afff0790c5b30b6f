extern alias clientmodel;

using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ApiKeyCredential = clientmodel::System.ClientModel.ApiKeyCredential;
using ClientResultException = clientmodel::System.ClientModel.ClientResultException;
using ClientRetryPolicy = clientmodel::System.ClientModel.Primitives.ClientRetryPolicy;

#pragma warning disable CA1848, CA1873 // An app's ordinary logging calls are what this test sends.

namespace Conciergus.Dashboard.Tests.Ingestion.Grpc;

/// <summary>
/// The official OpenAI .NET SDK (through Microsoft.Extensions.AI) against <see cref="MockOpenAi"/>, exported by the
/// OpenTelemetry .NET SDK's OTLP exporter: with its default protocol (gRPC) to the gRPC receiver, and with
/// http/protobuf to /v1/traces. What the dashboard shows must equal what the mock answered.
/// Runs alone (<see cref="ProcessWideActivitySourceGroup"/>): its tracer listens to the middleware's process-wide
/// ActivitySource, and spans of other tests' middleware calls running at the same moment were counted (18 for 16).
/// </summary>
[Collection(ProcessWideActivitySourceGroup.Name)]
public sealed class OpenAiDotNetSdkTests
{
    private const int Calls = 24;

    [Theory]
    [InlineData("grpc")]
    [InlineData("http")]
    public async Task UseOpenTelemetry_OtlpExporter_DashboardShowsWhatTheProviderAnswered(string transport)
    {
        await using var mock = await MockOpenAi.StartAsync(rateLimitEvery: 5);
        using var app = new GrpcTestApp(realClock: true, kestrel: true);
        var source = "openai-sdk-" + Guid.NewGuid().ToString("N");
        using (var tracing = Tracing(app, transport, "openai-dotnet-" + transport, source))
        {
            using var chat = new ChatClientBuilder(OpenAiChat(mock)).UseOpenTelemetry(sourceName: source).Build();
            var refused = await CallAsync(chat, Calls);
            Assert.Equal(mock.RateLimited, refused);
            Assert.True(tracing.ForceFlush(30_000));
        }

        await AssertDashboardMatchesAsync(app, mock, "openai-dotnet-" + transport);
    }

    [Fact]
    public async Task UseConciergus_SpansExportedOverGrpc_DashboardShowsWhatTheProviderAnswered()
    {
        await using var mock = await MockOpenAi.StartAsync(rateLimitEvery: 4);
        using var app = new GrpcTestApp(realClock: true, kestrel: true);
        var local = new LocalRecorder();
        using var services = new ServiceCollection().AddSingleton<IAiOperationRecorder>(local).BuildServiceProvider();
        using (var tracing = Tracing(app, "grpc", "conciergus-middleware-app", ConciergusDiagnostics.ActivitySourceName))
        {
            using var chat = new ChatClientBuilder(OpenAiChat(mock)).UseConciergus(o => o.Application = "conciergus-middleware-app").Build(services);
            await CallAsync(chat, 16);
            Assert.True(tracing.ForceFlush(30_000));
        }

        Assert.Equal(16, local.Count);
        await AssertDashboardMatchesAsync(app, mock, "conciergus-middleware-app");
    }

    [Fact]
    public async Task ILoggerWithOpenTelemetry_LogsOverGrpc_LinkedToTheFailedCallsAndItsErrors()
    {
        await using var mock = await MockOpenAi.StartAsync(rateLimitEvery: 3);
        using var app = new GrpcTestApp(realClock: true, kestrel: true);
        var source = "openai-logs-" + Guid.NewGuid().ToString("N");
        using var appSource = new ActivitySource("shop-" + source);
        var logging = LoggerFactory.Create(b => b.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("shop"));
            o.IncludeFormattedMessage = true;
            o.AddOtlpExporter(e =>
            {
                e.Endpoint = app.GrpcAddress; // default protocol: gRPC
                e.Headers = "x-otlp-api-key=" + ConciergusAppFactory.IngestionKey;
            });
        }));
        var logger = logging.CreateLogger("Shop.Checkout");
        var failedTraces = new List<string>();
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("shop"))
            .AddSource(source, appSource.Name)
            .AddOtlpExporter(e =>
            {
                e.Endpoint = app.GrpcAddress;
                e.Headers = "x-otlp-api-key=" + ConciergusAppFactory.IngestionKey;
            })
            .Build())
        {
            // The prompt is logged inside the AI span (by a client below UseOpenTelemetry): content of an AI span.
            using var chat = new ChatClientBuilder(OpenAiChat(mock)).UseOpenTelemetry(sourceName: source).Use(inner => new PromptLoggingClient(inner, logger)).Build();
            for (var i = 0; i < 9; i++)
            {
                using var checkout = appSource.StartActivity("checkout " + i);
                logger.LogInformation("Checkout {Order} asks the model", i);
                try
                {
                    await chat.GetResponseAsync("Summarise order " + i + " for ops@example.com");
                }
                catch (ClientResultException e)
                {
                    logger.LogError(e, "Model call failed for order {Order}", i);
                    failedTraces.Add(checkout!.TraceId.ToHexString());
                }
            }

            // Logs first (disposing the factory exports what is batched): the spans then find their records.
            logging.Dispose();

            Assert.True(tracing.ForceFlush(30_000));
        }

        Assert.Equal(3, mock.RateLimited);
        Assert.Equal(3, failedTraces.Count);
        using var read = app.CreateReadClient();
        var errors = await read.GetFromJsonAsync<JsonElement>("/api/v1/logs?application=shop&severity=error");
        var records = errors.GetProperty("records").EnumerateArray().ToList();
        Assert.Equal(failedTraces.Order(), records.Select(r => r.GetProperty("traceId").GetString()!).Order());
        Assert.All(records, r =>
        {
            Assert.Equal("ClientResultException", r.GetProperty("attributes").GetProperty("exception.type").GetString());
            Assert.Equal("rate_limit", r.GetProperty("errorCategory").GetString());
        });

        // The prompts logged inside AI spans are kept only as their length (content capture is off by default).
        var prompts = await read.GetFromJsonAsync<JsonElement>("/api/v1/logs?application=shop&q=Shop.Checkout&limit=1000");
        var inside = prompts.GetProperty("records").EnumerateArray().Where(r => r.GetProperty("bodyWithheld").GetBoolean()).ToList();
        Assert.Equal(9, inside.Count);
        Assert.All(inside, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("body").ValueKind));
        var all = await read.GetStringAsync("/api/v1/logs?limit=1000");
        Assert.DoesNotContain("ops@example.com", all, StringComparison.Ordinal);

        // The failed calls are rate limits, and the Errors sample links to a trace whose logs hold the exception.
        var summary = await read.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(9, summary.GetProperty("requests").GetInt64());
        Assert.Equal(3, summary.GetProperty("errors").GetInt64());
        var report = await read.GetFromJsonAsync<JsonElement>("/api/v1/errors?window=5m");
        var rateLimit = report.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "rate_limit");
        Assert.Equal(3, rateLimit.GetProperty("count").GetInt64());
        var sampleTrace = rateLimit.GetProperty("sample").GetProperty("traceId").GetString()!;
        Assert.Contains(sampleTrace, failedTraces);
        var traceLogs = await read.GetFromJsonAsync<JsonElement>($"/api/v1/logs?traceId={sampleTrace}");
        Assert.Contains(traceLogs.GetProperty("records").EnumerateArray(), r => r.GetProperty("severity").GetString() == "error");
    }

    internal static IChatClient OpenAiChat(MockOpenAi mock) =>
        new OpenAIClient(new ApiKeyCredential("sk-test"), new OpenAIClientOptions { Endpoint = mock.BaseAddress, RetryPolicy = new ClientRetryPolicy(maxRetries: 0) })
            .GetChatClient("gpt-4o-mini")
            .AsIChatClient();

    /// <summary>Every third call streams; returns how many calls the provider refused.</summary>
    private static async Task<int> CallAsync(IChatClient chat, int calls)
    {
        var refused = 0;
        for (var i = 0; i < calls; i++)
        {
            try
            {
                if (i % 3 == 2)
                {
                    await foreach (var update in chat.GetStreamingResponseAsync("Stream answer " + i))
                    {
                        Assert.NotNull(update);
                    }
                }
                else
                {
                    await chat.GetResponseAsync("Answer " + i);
                }
            }
            catch (ClientResultException e) when (e.Status == 429)
            {
                refused++;
            }
        }

        return refused;
    }

    private static TracerProvider Tracing(GrpcTestApp app, string transport, string service, string source) =>
        Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(service))
            .AddSource(source)
            .AddOtlpExporter(o =>
            {
                if (transport == "grpc")
                {
                    o.Endpoint = app.GrpcAddress; // the exporter's default protocol
                }
                else
                {
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                    o.Endpoint = new Uri(app.HttpAddress!, "/v1/traces");
                }

                o.Headers = "x-otlp-api-key=" + ConciergusAppFactory.IngestionKey;
            })
            .Build()!;

    private static async Task AssertDashboardMatchesAsync(GrpcTestApp app, MockOpenAi mock, string application)
    {
        Assert.True(mock.Streamed > 0 && mock.RateLimited > 0 && mock.CachedTokens > 0);
        var calls = mock.Answered + mock.RateLimited;
        using var read = app.CreateReadClient();
        var summary = await read.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(calls, summary.GetProperty("requests").GetInt64());
        Assert.Equal(mock.RateLimited, summary.GetProperty("errors").GetInt64());
        Assert.Equal(mock.PromptTokens, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(mock.CompletionTokens, summary.GetProperty("outputTokens").GetInt64());
        Assert.Equal(mock.CachedTokens, summary.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal(0, summary.GetProperty("reasoningTokens").GetInt64());

        var models = await read.GetFromJsonAsync<JsonElement>("/api/v1/models?window=5m");
        var row = Assert.Single(models.GetProperty("models").EnumerateArray());
        Assert.Equal("openai", row.GetProperty("provider").GetString());
        Assert.Equal("gpt-4o-mini", row.GetProperty("model").GetString());
        var stats = row.GetProperty("stats");
        Assert.Equal(calls, stats.GetProperty("requests").GetInt64());
        Assert.Equal(mock.RateLimited, stats.GetProperty("errors").GetInt64());
        Assert.Equal(mock.PromptTokens, stats.GetProperty("inputTokens").GetInt64());
        Assert.Equal(mock.CompletionTokens, stats.GetProperty("outputTokens").GetInt64());
        Assert.Equal(mock.CachedTokens, stats.GetProperty("cachedInputTokens").GetInt64());

        var errors = await read.GetFromJsonAsync<JsonElement>("/api/v1/errors?window=5m");
        var rateLimit = errors.GetProperty("categories").EnumerateArray().Single(c => c.GetProperty("category").GetString() == "rate_limit");
        Assert.Equal(mock.RateLimited, rateLimit.GetProperty("count").GetInt64());

        var traces = await read.GetFromJsonAsync<JsonElement>("/api/v1/traces?limit=500&application=" + application);
        var list = traces.GetProperty("traces").EnumerateArray().ToList();
        Assert.Equal(calls, list.Sum(t => t.GetProperty("aiSpanCount").GetInt32()));
        Assert.Equal(mock.RateLimited, list.Count(t => t.GetProperty("hasError").GetBoolean()));
        Assert.Equal(mock.PromptTokens, list.Sum(t => t.GetProperty("inputTokens").GetInt64()));
    }

    /// <summary>Counts the operations the middleware recorded in the app's own process.</summary>
    private sealed class LocalRecorder : IAiOperationRecorder
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Record(AiOperation operation) => Interlocked.Increment(ref _count);
    }

    /// <summary>Logs the prompt inside the AI span (as an app's own diagnostics might).</summary>
    private sealed class PromptLoggingClient(IChatClient inner, ILogger logger) : DelegatingChatClient(inner)
    {
        public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            logger.LogInformation("Prompt: {Prompt}", string.Join(" ", messages.Select(m => m.Text)));
            return base.GetResponseAsync(messages, options, cancellationToken);
        }
    }
}

/// <summary>Tests that listen to an ActivitySource every test in the process shares: run after the parallel ones, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideActivitySourceGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "process-wide activity source";
}
