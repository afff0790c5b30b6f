using System.Threading.Channels;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Hubs;

/// <summary>
/// Forwards every live snapshot of this instance to /hubs/telemetry through <see cref="IHubContext{THub}"/>.
/// The publisher's callback only enqueues (it must stay short); a background loop sends, so a slow client or
/// a slow backplane never delays the panels. With the Redis backplane the send reaches the clients of every instance.
/// </summary>
public sealed partial class TelemetryHubPublisher : BackgroundService
{
    private readonly LivePublisher _publisher;
    private readonly IHubContext<TelemetryHub> _hub;
    private readonly TelemetryHubOptions _options;
    private readonly ILogger<TelemetryHubPublisher> _logger;
    private readonly Channel<LiveSnapshot> _queue;
    private long _sequence;
    private long _sent;
    private long _failures;
    private long _dropped;

    /// <summary>Creates the forwarder; it subscribes when the host starts it.</summary>
    public TelemetryHubPublisher(LivePublisher publisher, IHubContext<TelemetryHub> hub, IOptions<TelemetryHubOptions> options, ILogger<TelemetryHubPublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _publisher = publisher;
        _hub = hub;
        _options = options.Value;
        _logger = logger;
        _queue = Channel.CreateBounded<LiveSnapshot>(
            new BoundedChannelOptions(Math.Max(1, _options.QueueCapacity)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
    }

    /// <summary>This instance's id, carried by every message.</summary>
    public string InstanceId => _options.InstanceId;

    /// <summary>Messages sent, failed sends and snapshots dropped because sends fell behind.</summary>
    public (long Sent, long Failures, long Dropped) Counters => (Interlocked.Read(ref _sent), Interlocked.Read(ref _failures), Interlocked.Read(ref _dropped));

    /// <summary>The message a snapshot becomes.</summary>
    internal TelemetrySummaryMessage ToMessage(LiveSnapshot snapshot, long sequence) => new(
        _options.InstanceId,
        sequence,
        snapshot.At,
        snapshot.Version,
        _publisher.Options.SummaryWindow.TotalSeconds,
        snapshot.Summary,
        snapshot.NewPoints.Select(p => new[] { p.Start.ToUnixTimeMilliseconds(), p.Requests, p.Errors }).ToArray());

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var subscription = _publisher.Subscribe(snapshot => _queue.Writer.TryWrite(snapshot));
        try
        {
            await foreach (var snapshot in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = ToMessage(snapshot, Interlocked.Increment(ref _sequence));
                try
                {
                    await _hub.Clients.All.SendAsync(TelemetryHubMethods.Summary, message, stoppingToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // A failed send (backplane down) is counted and logged once; the stream goes on.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (Interlocked.Increment(ref _failures) == 1)
                    {
                        LogSendFailed(_logger, ex);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send a live summary to /hubs/telemetry; later sends are tried as usual")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);
}
