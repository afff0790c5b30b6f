using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>
/// The real OpenTelemetry .NET SDK in this process: runtime and ASP.NET Core instrumentation (the dashboard's own
/// Kestrel serves requests here) and a Meter, exported with the OTLP exporter (HTTP/protobuf, 250 ms interval) to the
/// dashboard on a loopback port. Every body the exporter sends is kept and decoded, so the test compares the API with
/// exactly what the SDK exported (an in-memory exporter on a second reader would collect at other instants and see
/// other memory figures).
/// </summary>
public sealed class DotNetSdkMetricsTests : IDisposable
{
    private const string Service = "dotnet-metrics-app";

    private readonly ConciergusAppFactory _factory = new(realClock: true);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task OtlpMetricsExporter_RuntimeAndAspNetCore_MemoryAndActiveRequestsEqualWhatWasExported()
    {
        var baseAddress = _factory.StartKestrel();
        var recorder = new RecordingHandler();
        using var meter = new Meter("conciergus-tests-app-" + Guid.NewGuid().ToString("N"));
        var queueLength = 7;
        meter.CreateObservableGauge("app.queue.length", () => Volatile.Read(ref queueLength), "{item}");
        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);

        using (var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateEmpty().AddService(Service))
            .AddRuntimeInstrumentation()
            .AddAspNetCoreInstrumentation()
            .AddMeter(meter.Name)
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = new Uri(baseAddress, "/v1/metrics");
                exporter.Headers = "x-otlp-api-key=" + ConciergusAppFactory.IngestionKey;
                exporter.HttpClientFactory = () => new HttpClient(recorder);
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 250;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build())
        {
            // Requests to the dashboard's Kestrel feed http.server.active_requests (ASP.NET Core's hosting meter).
            await client.GetAsync(new Uri("/healthz", UriKind.Relative));

            // Within the export interval the API shows both instruments for the app (waiting on the condition, no sleep).
            await OtelExportExpectations.WaitUntil(async () =>
                await OtelExportExpectations.Line(client, Service, "dotnet.process.memory.working_set") is { Count: > 0 }
                && await OtelExportExpectations.Line(client, Service, "http.server.active_requests") is { Count: > 0 }
                && await OtelExportExpectations.Line(client, Service, "app.queue.length") is { Count: > 0 });
            Volatile.Write(ref queueLength, 11);
            Assert.True(provider.ForceFlush(30_000));
        }

        var exported = recorder.Requests();
        Assert.NotEmpty(exported);
        foreach (var name in new[] { "dotnet.process.memory.working_set", "http.server.active_requests", "app.queue.length" })
        {
            var expected = OtelExportExpectations.ExpectedPerSecond(exported, name);
            Assert.NotEmpty(expected);
            var line = await OtelExportExpectations.Line(client, Service, name);
            foreach (var (second, value) in expected)
            {
                Assert.True(line.TryGetValue(second, out var shown), $"{name}: no point at {second} in the API");
                Assert.Equal(value, shown);
            }
        }

        Assert.Contains(OtelExportExpectations.ExpectedPerSecond(exported, "app.queue.length").Values, v => v == 11);
        Assert.True(OtelExportExpectations.ExpectedPerSecond(exported, "dotnet.process.memory.working_set").Values.All(v => v > 1_000_000));

        // Metrics never count as AI calls.
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(0, summary.GetProperty("requests").GetInt64());
    }

    /// <summary>Passes requests through and keeps each metrics export body, decoded.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private readonly ConcurrentQueue<byte[]> _bodies = new();

        public IReadOnlyList<ExportMetricsServiceRequest> Requests() => [.. _bodies.Select(ExportMetricsServiceRequest.Parser.ParseFrom)];

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keep(request);
            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Keep(request);
            return base.SendAsync(request, cancellationToken);
        }

        private void Keep(HttpRequestMessage request)
        {
            if (request.Content is null)
            {
                return;
            }

            // Buffer the body so it can be read here and still be sent.
            request.Content.LoadIntoBufferAsync().GetAwaiter().GetResult();
            _bodies.Enqueue(request.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult());
        }
    }
}
