using System.Globalization;

using Conciergus.Core.Audit;

using Microsoft.Extensions.Logging;

using Polly;
using Polly.Retry;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Notification delivery, apart from the evaluator: the channels by kind (webhook, Slack, Teams, e-mail, log, actions),
/// retries with exponential backoff on the app's clock, the delivery log and the failed-delivery count. Stateless
/// apart from the counter: what to send and when is the <see cref="AlertService"/>'s (groups under its lock).
/// </summary>
public sealed partial class AlertNotifier
{
    /// <summary>
    /// The only error an HTTP delivery that could not reach its receiver reports (refused address, DNS failure,
    /// connection refused, timeout alike), so a test delivery cannot tell an open port from a closed one.
    /// </summary>
    public const string CouldNotConnect = "could not connect";

    private readonly Dictionary<string, IAlertChannel> _channels = new(StringComparer.Ordinal);
    private readonly ResiliencePipeline<AlertChannelResult> _retry;
    private readonly AlertStore _store;
    private readonly AlertsOptions _options;
    private readonly ILogger _logger;
    private long _failedDeliveries;

    internal AlertNotifier(AlertStore store, TimeProvider time, AlertsOptions options, IEnumerable<IAlertChannel> channels, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        foreach (var channel in channels)
        {
            _channels[channel.Kind] = channel;
        }

        _retry = BuildRetry(time, options);
    }

    /// <summary>The only error an HTTP delivery that got an answer reports: the status, never the URL or the body.</summary>
    public static string DeliveryFailed(int status) => "delivery failed (status " + status.ToString(CultureInfo.InvariantCulture) + ")";

    /// <summary>Channel kinds available for receivers.</summary>
    public IReadOnlyCollection<string> ChannelKinds => _channels.Keys;

    /// <summary>Deliveries that failed after all retries since start.</summary>
    public long FailedDeliveries => Interlocked.Read(ref _failedDeliveries);

    /// <summary>Recent deliveries, newest first.</summary>
    public IReadOnlyList<AlertDelivery> Deliveries(int limit = 100) => _store.Deliveries(Math.Clamp(limit, 1, 10_000));

    /// <summary>The channel of a receiver kind, or null.</summary>
    internal IAlertChannel? ChannelOf(string kind) => _channels.GetValueOrDefault(kind);

    /// <summary>Logs a receiver skipped for a rule (once per rule and receiver; the caller remembers which).</summary>
    internal void RecordSkipped(string receiver, string kind, AlertRule rule, string reason, DateTimeOffset at)
    {
        LogReceiverSkipped(_logger, receiver, kind, rule.Id, reason);
        _store.AddDelivery(
            new AlertDelivery
            {
                Id = Guid.NewGuid().ToString("N"),
                Receiver = receiver,
                GroupKey = "{}/{rule=\"" + Escape(rule.Id) + "\"}:{alertname=\"" + Escape(rule.Name) + "\"}",
                Status = "skipped",
                Fingerprints = [],
                At = at,
                Skipped = true,
                Error = "skipped for this rule: " + reason,
            },
            _options.MaxDeliveries);
    }

    /// <summary>One delivery: the channel of the receiver's kind, retried with exponential backoff; logged as a delivery.</summary>
    internal async Task<(AlertChannelResult Result, int Attempts)> SendAsync(AlertReceiver receiver, AlertNotification notification, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var attempts = 0;
        AlertChannelResult result;
        if (!_channels.TryGetValue(receiver.Kind, out var channel))
        {
            result = new AlertChannelResult(false, Error: $"No channel handles kind '{receiver.Kind}'.");
        }
        else
        {
            try
            {
                result = await _retry.ExecuteAsync(
                    async ct =>
                    {
                        Interlocked.Increment(ref attempts);
                        return await channel.SendAsync(receiver, notification, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A channel failure is a failed delivery (logged, counted), never an evaluator crash.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new AlertChannelResult(false, Error: IsHttpUrl(receiver.Url) && IsConnectFailure(e) ? CouldNotConnect : e.Message);
            }
        }

        // Receiver URLs are secrets (the credential is in the path or query) and error texts reach Viewers, the log
        // and the health page: an HTTP receiver's failure says only its status or "could not connect", anything else
        // has every URL cut to scheme and host.
        if (!result.Succeeded)
        {
            result = result with
            {
                Error = IsHttpUrl(receiver.Url) && result.HttpStatus is { } status ? DeliveryFailed(status) : ReceiverUrls.Scrub(result.Error, receiver.Url),
            };
            Interlocked.Increment(ref _failedDeliveries);
            LogDeliveryFailed(_logger, receiver.Name, ReceiverUrls.SchemeAndHost(receiver.Url), attempts, result.Error);
        }

        _store.AddDelivery(
            new AlertDelivery
            {
                Id = Guid.NewGuid().ToString("N"),
                Receiver = receiver.Name,
                GroupKey = notification.GroupKey,
                Status = notification.Status,
                Fingerprints = [.. notification.Alerts.Select(a => a.Fingerprint)],
                At = at,
                Attempts = attempts,
                Succeeded = result.Succeeded,
                HttpStatus = result.HttpStatus,
                Error = result.Error,
            },
            _options.MaxDeliveries);
        return (result, attempts);
    }

    /// <summary>Sends a synthetic notification to one receiver (the "test" button and API); audited by the caller.</summary>
    internal async Task<AlertChannelResult> TestAsync(AlertReceiver receiver, Actor actor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string> { ["alertname"] = "ConciergusTest", ["severity"] = "low", ["test"] = "true" };
        var annotations = new Dictionary<string, string> { ["summary"] = $"Test notification from Conciergus, sent by {actor.Name}" };
        var notification = new AlertNotification
        {
            GroupKey = "{}:{alertname=\"ConciergusTest\"}",
            Status = "firing",
            Receiver = receiver.Name,
            GroupLabels = new Dictionary<string, string> { ["alertname"] = "ConciergusTest" },
            CommonLabels = labels,
            CommonAnnotations = annotations,
            ExternalUrl = _options.ExternalUrl.TrimEnd('/'),
            Alerts = [new AlertNotificationItem("firing", labels, annotations, now, null, _options.ExternalUrl.TrimEnd('/') + "/alerts", AlertLabels.Fingerprint(labels))],
            Severity = AlertSeverity.Low,
        };
        var (result, _) = await SendAsync(receiver, notification, now, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Alertmanager-style group key: route, then the group labels ({}/{rule="id"}:{alertname="..."}).</summary>
    internal static string GroupKeyOf(NotifyGroup group, string alertName) =>
        "{}/{rule=\"" + Escape(group.RuleId) + "\"}:{alertname=\"" + Escape(alertName) + "\"}";

    internal static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    // Everything that means "the receiver was not reached": refused address, DNS, refused or reset connection, timeout.
    private static bool IsConnectFailure(Exception e) =>
        e is HttpRequestException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException
        || e.InnerException is { } inner && IsConnectFailure(inner);

    private static ResiliencePipeline<AlertChannelResult> BuildRetry(TimeProvider time, AlertsOptions options)
    {
        var builder = new ResiliencePipelineBuilder<AlertChannelResult> { TimeProvider = time };
        if (options.DeliveryRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<AlertChannelResult>
            {
                MaxRetryAttempts = options.DeliveryRetries,
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<AlertChannelResult>()
                    .Handle<Exception>(e => e is not OperationCanceledException)
                    .HandleResult(r => !r.Succeeded && r.HttpStatus is null or >= 500 or 408 or 429),
            });
        }

        return builder.Build();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification to receiver {Receiver} ({Target}) failed after {Attempts} attempts: {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, string receiver, string target, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiver {Receiver} ({Kind}) is skipped for rule {RuleId}: {Reason}")]
    private static partial void LogReceiverSkipped(ILogger logger, string receiver, string kind, string ruleId, string reason);
}
