using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>
/// The real OpenTelemetry .NET SDK: Microsoft.Extensions.AI's UseOpenTelemetry() over a fake chat client, exported
/// with the OTLP exporter (HTTP/protobuf) to the dashboard on a loopback port. Set CONCIERGUS_RECORD_PAYLOADS to a
/// folder to save the request body (that is how Payloads/dotnet-sdk-meai.pb was made).
/// </summary>
public sealed class DotNetSdkIngestionTests : IDisposable
{
    public const int Calls = 7;

    private readonly ConciergusAppFactory _factory = new(realClock: true);

    public static long InputTokens(int call) => 1000 + (call * 100);

    public static long OutputTokens(int call) => 50 + call;

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task UseOpenTelemetry_OtlpHttpProtobufExporter_CountsAndTokensArriveExactly()
    {
        var baseAddress = _factory.StartKestrel();
        var sourceName = "conciergus-tests-" + Guid.NewGuid().ToString("N");
        var recorder = new RecordingHandler(Environment.GetEnvironmentVariable("CONCIERGUS_RECORD_PAYLOADS"));
        using (var tracerProvider = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService("dotnet-sdk-app"))
            .AddSource(sourceName)
            .AddOtlpExporter(o =>
            {
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.Endpoint = new Uri(baseAddress, "/v1/traces");
                o.Headers = "x-otlp-api-key=" + ConciergusAppFactory.IngestionKey;
                o.ExportProcessorType = ExportProcessorType.Batch;
                o.HttpClientFactory = () => new HttpClient(recorder);
            })
            .Build())
        {
            using var chat = new ChatClientBuilder(new UsageChatClient()).UseOpenTelemetry(sourceName: sourceName).Build();
            for (var i = 0; i < Calls; i++)
            {
                await chat.GetResponseAsync("hello " + i, new ChatOptions { ModelId = "gpt-4o", AdditionalProperties = new() { ["call"] = i } });
            }

            Assert.True(tracerProvider.ForceFlush(30_000));
        }

        Assert.True(recorder.Requests > 0);
        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[Conciergus.Dashboard.Security.ConciergusRole.Viewer]);
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(Calls, summary.GetProperty("requests").GetInt64());
        Assert.Equal(Enumerable.Range(0, Calls).Sum(InputTokens), summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(Enumerable.Range(0, Calls).Sum(OutputTokens), summary.GetProperty("outputTokens").GetInt64());
        Assert.Equal(0, summary.GetProperty("errors").GetInt64());
        var models = await client.GetFromJsonAsync<JsonElement>("/api/v1/models?window=5m");
        Assert.Equal("gpt-4o", models.GetProperty("models")[0].GetProperty("model").GetString());
    }

    /// <summary>A model that answers at once with known usage: call i uses InputTokens(i) and OutputTokens(i).</summary>
    private sealed class UsageChatClient : IChatClient
    {
        private int _calls;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            var i = Interlocked.Increment(ref _calls) - 1;
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok"))
            {
                ModelId = "gpt-4o-2024-08-06",
                FinishReason = ChatFinishReason.Stop,
                Usage = new UsageDetails { InputTokenCount = InputTokens(i), OutputTokenCount = OutputTokens(i), TotalTokenCount = InputTokens(i) + OutputTokens(i) },
            });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", new Uri("https://api.openai.com/v1"), "gpt-4o") : null;

        public void Dispose()
        {
        }
    }

    /// <summary>Passes requests through; saves each body when a folder is given.</summary>
    private sealed class RecordingHandler(string? folder) : DelegatingHandler(new HttpClientHandler())
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Record(request);
            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Record(request);
            return base.SendAsync(request, cancellationToken);
        }

        private void Record(HttpRequestMessage request)
        {
            var n = Interlocked.Increment(ref _requests);
            if (folder is null || request.Content is null)
            {
                return;
            }

            using var buffer = new MemoryStream();
            request.Content.CopyTo(buffer, null, CancellationToken.None);
            var body = buffer.ToArray();
            File.WriteAllBytes(Path.Combine(folder, n == 1 ? "dotnet-sdk-meai.pb" : $"dotnet-sdk-meai-{n}.pb"), body);
            var replacement = new ByteArrayContent(body);
            foreach (var header in request.Content.Headers)
            {
                replacement.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }

            request.Content = replacement;
        }
    }
}
