using System.Threading.Channels;
using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Endpoints;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Dashboard.Hubs;

/// <summary>An "alert" message on /hubs/telemetry: the instances that changed, the firing count and the service version.</summary>
/// <param name="Version">Alert service version after the change.</param>
/// <param name="Firing">Firing, unacknowledged, unsilenced instances (the badge).</param>
/// <param name="Alerts">Changed instances, as GET /api/v1/alerts shows them.</param>
public sealed record AlertHubMessage(long Version, int Firing, IReadOnlyList<AlertInstanceJson> Alerts);

/// <summary>
/// Pushes alert instance changes to /hubs/telemetry (method <see cref="TelemetryHubMethods.Alert"/>). The service's event
/// only enqueues; a background loop sends, so a slow client never delays the evaluator.
/// </summary>
public sealed partial class AlertHubPublisher : BackgroundService
{
    private readonly AlertService _alerts;
    private readonly IHubContext<TelemetryHub> _hub;
    private readonly ILogger<AlertHubPublisher> _logger;
    private readonly Channel<IReadOnlyList<AlertInstance>> _queue =
        Channel.CreateBounded<IReadOnlyList<AlertInstance>>(new BoundedChannelOptions(1_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    private long _sent;
    private long _failures;

    /// <summary>Creates the publisher; it subscribes when the host starts it.</summary>
    public AlertHubPublisher(AlertService alerts, IHubContext<TelemetryHub> hub, ILogger<AlertHubPublisher> logger)
    {
        _alerts = alerts;
        _hub = hub;
        _logger = logger;
    }

    /// <summary>Messages sent and failed sends.</summary>
    public (long Sent, long Failures) Counters => (Interlocked.Read(ref _sent), Interlocked.Read(ref _failures));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        void OnChanged(IReadOnlyList<AlertInstance> changed) => _queue.Writer.TryWrite(changed);
        _alerts.InstancesChanged += OnChanged;
        try
        {
            await foreach (var changed in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                var message = new AlertHubMessage(_alerts.Version, _alerts.FiringCount, [.. changed.Select(i => AlertInstanceJson.From(i, withHistory: false))]);
                try
                {
                    await _hub.Clients.All.SendAsync(TelemetryHubMethods.Alert, message, stoppingToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // A failed send (backplane down) is counted and logged once; later changes are sent as usual.
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
        finally
        {
            _alerts.InstancesChanged -= OnChanged;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not send an alert change to /hubs/telemetry; later changes are sent as usual")]
    private static partial void LogSendFailed(ILogger logger, Exception exception);
}

/// <summary>Registers <see cref="AlertHubPublisher"/>.</summary>
public static class AlertHubServiceCollectionExtensions
{
    /// <summary>Adds the alert push to /hubs/telemetry (needs AddConciergusAlerts and AddConciergusTelemetryHub).</summary>
    public static IServiceCollection AddConciergusAlertHub(this IServiceCollection services)
    {
        services.TryAddSingleton<AlertHubPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AlertHubPublisher>(sp => sp.GetRequiredService<AlertHubPublisher>()));
        return services;
    }
}
