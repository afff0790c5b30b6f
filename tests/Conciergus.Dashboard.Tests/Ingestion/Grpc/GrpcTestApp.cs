using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Dashboard.Endpoints;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Ingestion.Grpc;

/// <summary>The app with its OTLP/gRPC receiver on a free loopback port (port 0), and clients for both transports.</summary>
internal sealed class GrpcTestApp : IDisposable
{
    private readonly GrpcChannel _channel;

    /// <param name="settings">Configuration overrides.</param>
    /// <param name="realClock">The system clock (SDK tests: spans are "now").</param>
    /// <param name="kestrel">Serve HTTP on a real loopback socket too (<see cref="HttpAddress"/>), for out-of-process senders.</param>
    public GrpcTestApp(Dictionary<string, string?>? settings = null, bool realClock = false, bool kestrel = false)
    {
        var all = new Dictionary<string, string?> { ["Conciergus:Ingestion:Otlp:GrpcEndpoint"] = "http://127.0.0.1:0" };
        foreach (var (key, value) in settings ?? [])
        {
            all[key] = value;
        }

        Factory = new ConciergusAppFactory(all, realClock);
        HttpAddress = kestrel ? Factory.StartKestrel() : null;
        var server = Factory.Services.GetRequiredService<OtlpGrpcServer>();
        GrpcAddress = server.Address ?? throw new InvalidOperationException("The OTLP/gRPC receiver did not start: " + server.Failure);
        _channel = GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { MaxSendMessageSize = null });
        Traces = new TraceService.TraceServiceClient(_channel);
        Metrics = new MetricsService.MetricsServiceClient(_channel);
        Logs = new LogsService.LogsServiceClient(_channel);
    }

    public ConciergusAppFactory Factory { get; }

    public Uri GrpcAddress { get; }

    /// <summary>The HTTP address when started with Kestrel.</summary>
    public Uri? HttpAddress { get; }

    public TraceService.TraceServiceClient Traces { get; }

    public MetricsService.MetricsServiceClient Metrics { get; }

    public LogsService.LogsServiceClient Logs { get; }

    /// <summary>Metadata with the ingestion key as x-otlp-api-key.</summary>
    public static Metadata Key(string key = ConciergusAppFactory.IngestionKey) => new() { { "x-otlp-api-key", key } };

    public HttpClient CreateReadClient()
    {
        if (HttpAddress is null)
        {
            return Factory.CreateApiClient(ConciergusRole.Viewer);
        }

        var client = new HttpClient { BaseAddress = HttpAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConciergusAppFactory.ApiKeys[ConciergusRole.Viewer]);
        return client;
    }

    public void Dispose()
    {
        _channel.Dispose();
        Factory.Dispose();
    }
}
