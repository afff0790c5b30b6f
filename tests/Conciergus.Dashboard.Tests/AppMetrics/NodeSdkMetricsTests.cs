using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>
/// Issue 18, done-when: a Node application's metrics from the OpenTelemetry JS SDK (node-metrics/send.mjs: the
/// host-metrics and runtime-node packages from npm, the OTLP/HTTP protobuf metric exporter, 250 ms interval) reach the
/// timeseries API with the values the SDK exported. The exporter sends through a recording proxy on loopback, so the
/// test compares the API with exactly the bodies the SDK sent.
/// </summary>
public sealed class NodeSdkMetricsTests : IDisposable
{
    private const string Service = "node-metrics-app";

    private readonly ConciergusAppFactory _factory = new(realClock: true);

    public void Dispose() => _factory.Dispose();

    [NodeFact]
    public async Task OtlpMetricExporter_HostAndRuntimeMetrics_MemoryAndEventLoopDelayEqualWhatWasExported()
    {
        var baseAddress = _factory.StartKestrel();
        await using var proxy = new RecordingProxy(new Uri(baseAddress, "/v1/metrics"));

        await NodeScripts.RunSendAsync(NodeScripts.Directory("AppMetrics", "node-metrics"), proxy.Address.ToString(), ConciergusAppFactory.IngestionKey, Service, "3");
        await proxy.StopAsync(); // an export the SDK gave up waiting for is still forwarded before the API is read

        var exported = proxy.Requests();
        Assert.NotEmpty(exported);
        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);
        foreach (var name in new[] { "process.memory.usage", "nodejs.eventloop.delay.max" })
        {
            var expected = OtelExportExpectations.ExpectedPerSecond(exported, name);
            Assert.True(expected.Count > 0, $"the SDK exported no {name}");
            var line = await OtelExportExpectations.Line(client, Service, name);
            foreach (var (second, value) in expected)
            {
                Assert.True(line.TryGetValue(second, out var shown), $"{name}: no point at {second} in the API");
                Assert.Equal(value, shown);
            }
        }

        Assert.True(OtelExportExpectations.ExpectedPerSecond(exported, "process.memory.usage").Values.All(v => v > 1_000_000));

        // process.cpu.time is a monotonic sum: the API shows it as a rate (CPU seconds per second), positive while the app worked.
        Assert.Contains((await OtelExportExpectations.Line(client, Service, "process.cpu.time")).Values, v => v > 0);

        // Metrics never count as AI calls.
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(0, summary.GetProperty("requests").GetInt64());
    }

    /// <summary>An HTTP proxy on loopback that keeps every body it forwards to the dashboard's /v1/metrics, decoded.</summary>
    private sealed class RecordingProxy : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly HttpClient _forward = new();
        private readonly ConcurrentQueue<byte[]> _bodies = new();
        private readonly Uri _target;
        private readonly Task _loop;

        public RecordingProxy(Uri target)
        {
            _target = target;
            Address = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}/v1/metrics");
            _listener.Prefixes.Add(new Uri(Address, "/").ToString());
            _listener.Start();
            _loop = Task.Run(LoopAsync);
        }

        public Uri Address { get; }

        public IReadOnlyList<ExportMetricsServiceRequest> Requests() => [.. _bodies.Select(ExportMetricsServiceRequest.Parser.ParseFrom)];

        /// <summary>Stops listening once the request being forwarded (if any) has its answer.</summary>
        public async Task StopAsync()
        {
            if (_listener.IsListening)
            {
                _listener.Stop();
            }

            try
            {
                await _loop;
            }
            catch (HttpListenerException)
            {
                // stopped while waiting for the next request
            }
            catch (ObjectDisposedException)
            {
                // stopped while waiting for the next request
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
            _listener.Close();
            _forward.Dispose();
        }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                var context = await _listener.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _bodies.Enqueue(body.ToArray());

                using var forward = new HttpRequestMessage(HttpMethod.Post, _target) { Content = new ByteArrayContent(body.ToArray()) };
                forward.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(context.Request.ContentType ?? "application/x-protobuf");
                forward.Headers.Add("x-otlp-api-key", context.Request.Headers["x-otlp-api-key"]);
                using var answer = await _forward.SendAsync(forward);
                var bytes = await answer.Content.ReadAsByteArrayAsync();
                context.Response.StatusCode = (int)answer.StatusCode;
                context.Response.ContentType = answer.Content.Headers.ContentType?.ToString();
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }
    }
}
