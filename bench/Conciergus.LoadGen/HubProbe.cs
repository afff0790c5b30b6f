using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Conciergus.LoadGen;

/// <summary>
/// Live-path latency under load. N SignalR clients listen to "summary" on /hubs/telemetry. While the load runs
/// (with no failing spans), a marker batch with one failing chat span is sent every interval; marker k is seen by a
/// client when a summary's <c>errors</c> reaches baseline + k (the summary window is 5 minutes, longer than a run).
/// For each client and marker: receipt time minus the moment the marker request was sent (upper bound: includes the
/// export round trip) and minus the moment its 200 reply arrived (lower bound: Record happened before the reply).
/// </summary>
internal sealed class HubProbe : IAsyncDisposable
{
    private const int MaxMarkers = 4096;
    private readonly LoadGenOptions _options;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<HubConnection> _connections = [];
    private readonly Client[] _clients;
    private readonly double[] _sentAt = new double[MaxMarkers];
    private readonly double[] _ackAt = new double[MaxMarkers];
    private int _markers;
    private long _messages;

    public HubProbe(LoadGenOptions options)
    {
        _options = options;
        _clients = new Client[options.HubClients];
        Array.Fill(_sentAt, double.NaN);
        Array.Fill(_ackAt, double.NaN);
    }

    /// <summary>Connects every client and waits until each has a baseline (its first summary).</summary>
    public async Task ConnectAsync()
    {
        for (var i = 0; i < _clients.Length; i++)
        {
            var client = _clients[i] = new Client();
            var connection = new HubConnectionBuilder()
                .WithUrl(new Uri(_options.Url, "/hubs/telemetry"), o =>
                {
                    if (_options.HubKey is { } key)
                    {
                        o.Headers.Add("X-Api-Key", key);
                    }
                })
                .Build();
            connection.On<JsonElement>("summary", message => OnSummary(client, message));
            _connections.Add(connection);
        }

        await Task.WhenAll(_connections.Select(c => c.StartAsync()));
        var deadline = _clock.Elapsed + TimeSpan.FromSeconds(15);
        while (_clients.Any(c => c.Baseline < 0) && _clock.Elapsed < deadline)
        {
            await Task.Delay(50);
        }

        if (_clients.Any(c => c.Baseline < 0))
        {
            throw new InvalidOperationException("Not every hub client received a first summary within 15 s.");
        }
    }

    private void OnSummary(Client client, JsonElement message)
    {
        var now = _clock.Elapsed.TotalMilliseconds;
        Interlocked.Increment(ref _messages);
        var errors = message.GetProperty("summary").GetProperty("errors").GetInt64();
        lock (client)
        {
            if (client.Baseline < 0)
            {
                client.Baseline = errors;
                return;
            }

            var seen = (int)Math.Min(errors - client.Baseline, Volatile.Read(ref _markers));
            for (var k = client.Seen; k < seen && k < MaxMarkers; k++)
            {
                client.ReceivedAt[k] = now;
            }

            client.Seen = Math.Max(client.Seen, seen);
        }
    }

    /// <summary>Sends markers until <paramref name="stop"/> fires.</summary>
    public async Task SendMarkersAsync(LoadRunner runner, PayloadFactory markers, CancellationToken stop)
    {
        long sequence = 1L << 40;
        while (!stop.IsCancellationRequested && _markers < MaxMarkers)
        {
            var k = _markers;
            _sentAt[k] = _clock.Elapsed.TotalMilliseconds;
            Volatile.Write(ref _markers, k + 1);
            var outcome = await runner.SendAsync(markers.Marker(sequence++));
            _ackAt[k] = outcome.Ok && outcome.RejectedSpans == 0 ? _clock.Elapsed.TotalMilliseconds : double.NaN;
            try
            {
                await Task.Delay(_options.MarkerInterval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Waits for late receipts, then computes the percentiles.</summary>
    public async Task<HubResult> ResultAsync()
    {
        await Task.Delay(TimeSpan.FromSeconds(3));
        var fromSend = new List<double>();
        var fromAck = new List<double>();
        long missing = 0;
        var markers = Volatile.Read(ref _markers);
        foreach (var client in _clients)
        {
            lock (client)
            {
                for (var k = 0; k < markers; k++)
                {
                    if (double.IsNaN(_ackAt[k]))
                    {
                        continue;
                    }

                    if (k >= client.Seen)
                    {
                        missing++;
                        continue;
                    }

                    fromSend.Add(client.ReceivedAt[k] - _sentAt[k]);
                    fromAck.Add(Math.Max(0, client.ReceivedAt[k] - _ackAt[k]));
                }
            }
        }

        var send = fromSend.Order().ToArray();
        var ack = fromAck.Order().ToArray();
        return new HubResult(
            _clients.Length,
            markers,
            markers - _ackAt.Take(markers).Count(double.IsNaN),
            send.Length,
            missing,
            Interlocked.Read(ref _messages),
            LoadResult.Percentile(send, 0.50),
            LoadResult.Percentile(send, 0.95),
            LoadResult.Percentile(ack, 0.50),
            LoadResult.Percentile(ack, 0.95),
            send.Length == 0 ? 0 : Math.Round(send[^1], 2));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    private sealed class Client
    {
        public long Baseline { get; set; } = -1;
        public int Seen { get; set; }
        public double[] ReceivedAt { get; } = new double[MaxMarkers];
    }
}

/// <summary>Live-path latency: markers sent/accepted, receipts over all clients, percentiles in ms.</summary>
internal sealed record HubResult(
    int Clients,
    int MarkersSent,
    int MarkersAccepted,
    long Receipts,
    long MissingReceipts,
    long SummaryMessages,
    double P50FromSendMs,
    double P95FromSendMs,
    double P50FromAckMs,
    double P95FromAckMs,
    double MaxFromSendMs);
