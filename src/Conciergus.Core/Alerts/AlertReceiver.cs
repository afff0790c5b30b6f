namespace Conciergus.Core.Alerts;

/// <summary>Where notifications go. Kind "webhook" (Alertmanager v4 payload) is built in; other kinds plug in through <see cref="IAlertChannel"/>.</summary>
public sealed record AlertReceiver
{
    /// <summary>Unique name referenced by rules.</summary>
    public required string Name { get; init; }

    /// <summary>Target URL (webhook, Slack, Teams) or channel specific address.</summary>
    public required string Url { get; init; }

    /// <summary>Channel kind: "webhook" by default.</summary>
    public string Kind { get; init; } = "webhook";

    /// <summary>Channel settings (e-mail host, ...); never secrets in the API output.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Defined in configuration (Conciergus:Alerts:Receivers): read-only in the API.</summary>
    public bool FromConfiguration { get; init; }
}

/// <summary>One delivery attempt series of one notification to one receiver.</summary>
public sealed record AlertDelivery
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Receiver name.</summary>
    public required string Receiver { get; init; }

    /// <summary>Alertmanager group key.</summary>
    public required string GroupKey { get; init; }

    /// <summary>"firing" or "resolved".</summary>
    public required string Status { get; init; }

    /// <summary>Fingerprints of the alerts in the notification.</summary>
    public required IReadOnlyList<string> Fingerprints { get; init; }

    /// <summary>When the first attempt started.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Attempts made.</summary>
    public int Attempts { get; init; }

    /// <summary>Delivered (2xx) or not.</summary>
    public bool Succeeded { get; init; }

    /// <summary>Last HTTP status, if any.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Last error, if any.</summary>
    public string? Error { get; init; }

    /// <summary>Not sent because the receiver's kind cannot act on the rule (recorded once; <see cref="Error"/> says why).</summary>
    public bool Skipped { get; init; }
}

/// <summary>A notification channel (webhook here; Slack, Teams, e-mail, log, open-circuit elsewhere).</summary>
public interface IAlertChannel
{
    /// <summary>Receiver kind this channel handles ("webhook", "slack", ...).</summary>
    string Kind { get; }

    /// <summary>Delivers one grouped notification; throws or returns a failed result; retries are the caller's.</summary>
    Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken);

    /// <summary>
    /// True for an action (open_circuit) rather than a notification: it serves only the rules that name its receiver,
    /// never the rules without receivers (those go to every notification receiver).
    /// </summary>
    bool IsAction => false;

    /// <summary>Why this channel cannot act on the alerts of <paramref name="rule"/> (its labels), or null when it can; such a rule skips the receiver.</summary>
    string? CannotServe(AlertRule rule) => null;
}

/// <summary>One receiver a rule's notifications go to.</summary>
/// <param name="Receiver">Receiver name.</param>
/// <param name="Kind">Its channel kind.</param>
/// <param name="Implicit">True when the rule names no receivers and this one serves it as a notification receiver for all such rules.</param>
/// <param name="SkipReason">Why the receiver's kind cannot act on the rule (it is skipped), or null.</param>
public sealed record ReceiverRoute(string Receiver, string Kind, bool Implicit, string? SkipReason);

/// <summary>Outcome of one channel send.</summary>
public sealed record AlertChannelResult(bool Succeeded, int? HttpStatus = null, string? Error = null);

/// <summary>One grouped notification, shaped like the Alertmanager v4 webhook payload.</summary>
public sealed record AlertNotification
{
    /// <summary>"4".</summary>
    public string Version { get; init; } = "4";

    /// <summary>Group key.</summary>
    public required string GroupKey { get; init; }

    /// <summary>"firing" when any alert fires, else "resolved".</summary>
    public required string Status { get; init; }

    /// <summary>Receiver name.</summary>
    public required string Receiver { get; init; }

    /// <summary>Labels the group is keyed by.</summary>
    public required IReadOnlyDictionary<string, string> GroupLabels { get; init; }

    /// <summary>Labels all alerts share.</summary>
    public required IReadOnlyDictionary<string, string> CommonLabels { get; init; }

    /// <summary>Annotations all alerts share.</summary>
    public required IReadOnlyDictionary<string, string> CommonAnnotations { get; init; }

    /// <summary>Dashboard base URL.</summary>
    public required string ExternalUrl { get; init; }

    /// <summary>The alerts.</summary>
    public required IReadOnlyList<AlertNotificationItem> Alerts { get; init; }

    /// <summary>Highest severity among the alerts.</summary>
    public AlertSeverity Severity { get; init; }
}

/// <summary>One alert in a notification.</summary>
public sealed record AlertNotificationItem(
    string Status,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    DateTimeOffset StartsAt,
    DateTimeOffset? EndsAt,
    string GeneratorUrl,
    string Fingerprint);
