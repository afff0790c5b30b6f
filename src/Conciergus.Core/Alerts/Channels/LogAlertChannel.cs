using Microsoft.Extensions.Logging;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>Writes one structured log line per alert (category Conciergus.Alerts.Notifications): for log pipelines that page.</summary>
public sealed partial class LogAlertChannel(ILoggerFactory loggerFactory) : IAlertChannel
{
    /// <summary>Log category of the lines.</summary>
    public const string Category = "Conciergus.Alerts.Notifications";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    /// <inheritdoc />
    public string Kind => AlertChannelKinds.Log;

    /// <inheritdoc />
    public Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var level = AlertText.IsResolved(notification) ? LogLevel.Information
            : notification.Severity is AlertSeverity.Critical or AlertSeverity.High ? LogLevel.Error
            : LogLevel.Warning;
        if (!_logger.IsEnabled(level))
        {
            return Task.FromResult(new AlertChannelResult(true));
        }

        foreach (var alert in notification.Alerts)
        {
            var labels = string.Join(',', alert.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
#pragma warning disable CA1873 // Guarded by IsEnabled above.
            LogAlert(
                _logger,
                level,
                alert.Status,
                alert.Labels.GetValueOrDefault("alertname") ?? "alert",
                alert.Labels.GetValueOrDefault("severity") ?? AlertText.SeverityName(notification.Severity),
                AlertText.Summary(alert),
                labels,
                alert.Fingerprint,
                alert.StartsAt,
                receiver.Name,
                notification.GroupKey,
                alert.GeneratorUrl);
#pragma warning restore CA1873
        }

        return Task.FromResult(new AlertChannelResult(true));
    }

    [LoggerMessage(Message = "Alert {Status}: {AlertName} ({Severity}) {Summary} labels {Labels} fingerprint {Fingerprint} since {StartsAt:o} receiver {Receiver} group {GroupKey} url {GeneratorUrl}")]
    private static partial void LogAlert(
        ILogger logger,
        LogLevel level,
        string status,
        string alertName,
        string severity,
        string summary,
        string labels,
        string fingerprint,
        DateTimeOffset startsAt,
        string receiver,
        string groupKey,
        string generatorUrl);
}
