using System.Globalization;
using System.Net;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.LoadGen;
using Grpc.Net.Client;

LoadGenOptions options;
try
{
    options = LoadGenOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(LoadGenOptions.Usage);
    return 2;
}

using var handler = new SocketsHttpHandler
{
    MaxConnectionsPerServer = options.Connections + 1,
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    AutomaticDecompression = DecompressionMethods.None,
    UseProxy = false,
};
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
// gRPC: one channel (one HTTP/2 connection) per sender, as the HTTP senders each hold one HTTP/1.1 connection.
var channels = options.Protocol == "grpc"
    ? Enumerable.Range(0, options.Connections).Select(_ => GrpcChannel.ForAddress(options.Url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false, EnableMultipleHttp2Connections = false },
        MaxSendMessageSize = null,
        MaxReceiveMessageSize = null,
    })).ToArray()
    : [];
var runner = new LoadRunner(options, http, channels.Length == 0 ? null : channels.Select(c => new TraceService.TraceServiceClient(c)).ToArray());

await using var probe = options.HubClients > 0 ? new HubProbe(options) : null;
if (probe is not null)
{
    await probe.ConnectAsync();
}

using var stopMarkers = new CancellationTokenSource();
Task? markerTask = null;
var result = await runner.RunAsync(measuring: probe is null ? null : () =>
    markerTask = Task.Run(() => probe.SendMarkersAsync(runner, new PayloadFactory(options.Seed + 1, 0), stopMarkers.Token)));
if (probe is not null)
{
    await stopMarkers.CancelAsync();
    if (markerTask is not null)
    {
        await markerTask;
    }

    result.Hub = await probe.ResultAsync();
}

var inv = CultureInfo.InvariantCulture;
foreach (var channel in channels)
{
    channel.Dispose();
}

Console.WriteLine(string.Create(inv, $"[{result.Label}] {options.Protocol}, {result.Seconds} s, {result.Connections} connections, {result.BatchSpans} spans/request, target rate {(result.TargetRate == 0 ? "max" : result.TargetRate.ToString(inv))}"));
Console.WriteLine(string.Create(inv, $"  accepted spans/s : {result.AcceptedSpansPerSecond:F1}  (accepted {result.AcceptedSpans} of {result.SentSpans} sent, rejected {result.RejectedSpans})"));
Console.WriteLine(string.Create(inv, $"  requests         : {result.Requests}, failed {result.FailedRequests}; statuses {string.Join(", ", result.Statuses.Select(s => $"{s.Key}={s.Value}"))}"));
Console.WriteLine(string.Create(inv, $"  latency ms       : p50 {result.P50Ms}  p95 {result.P95Ms}  p99 {result.P99Ms}  max {result.MaxMs}"));
Console.WriteLine(string.Create(inv, $"  whole run        : {result.TotalAcceptedSpans} of {result.TotalSentSpans} spans accepted, warm-up included (markers not included)"));
foreach (var (error, count) in result.Errors)
{
    Console.WriteLine($"  error            : {count} x {error}");
}

if (result.Hub is { } hub)
{
    Console.WriteLine(string.Create(inv, $"  hub              : {hub.Clients} clients, {hub.MarkersAccepted}/{hub.MarkersSent} markers accepted, {hub.Receipts} receipts, {hub.MissingReceipts} missing, {hub.SummaryMessages} summaries"));
    Console.WriteLine(string.Create(inv, $"  record->client ms: from send p50 {hub.P50FromSendMs} p95 {hub.P95FromSendMs} max {hub.MaxFromSendMs}; from ack p50 {hub.P50FromAckMs} p95 {hub.P95FromAckMs}"));
}

Console.WriteLine(JsonSerializer.Serialize(result, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
return result.FailedRequests == 0 && result.RejectedSpans == 0 ? 0 : 1;
