using Conciergus.Core.Alerts;
using Conciergus.Core.Changes;

namespace Conciergus.Dashboard.Demo;

/// <summary>
/// The demo's receiver (issue 22 item 5): an in-process sink that keeps the newest notifications it was sent, so a
/// newcomer sees alerts reach someone (page /demo/inbox) without a webhook server. Bounded; in memory only.
/// </summary>
public sealed class DemoInbox
{
    /// <summary>Notifications kept (the oldest go first).</summary>
    public const int Capacity = 200;

    private readonly Lock _gate = new();
    private readonly LinkedList<DemoInboxItem> _items = new();
    private long _received;

    /// <summary>Notified after a notification arrived.</summary>
    public ChangeFeed Changes { get; } = new();

    /// <summary>Notifications received since start (including those no longer kept).</summary>
    public long ReceivedCount => Interlocked.Read(ref _received);

    /// <summary>The kept notifications, newest first.</summary>
    public IReadOnlyList<DemoInboxItem> Items()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    /// <summary>Keeps one notification.</summary>
    public void Add(DemoInboxItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            _items.AddFirst(item);
            while (_items.Count > Capacity)
            {
                _items.RemoveLast();
            }
        }

        Interlocked.Increment(ref _received);
        Changes.Notify();
    }
}

/// <summary>One notification as the demo inbox shows it.</summary>
/// <param name="At">When it arrived.</param>
/// <param name="Receiver">Receiver name.</param>
/// <param name="Status">firing or resolved.</param>
/// <param name="Severity">Highest severity in the group.</param>
/// <param name="GroupKey">Alertmanager group key.</param>
/// <param name="Alerts">The alerts: name, status, summary, link.</param>
public sealed record DemoInboxItem(
    DateTimeOffset At,
    string Receiver,
    string Status,
    AlertSeverity Severity,
    string GroupKey,
    IReadOnlyList<DemoInboxAlert> Alerts);

/// <summary>One alert of a notification in the demo inbox.</summary>
/// <param name="Name">alertname label.</param>
/// <param name="Status">firing or resolved.</param>
/// <param name="Summary">summary annotation (or description).</param>
/// <param name="Labels">Labels, sorted, as "name=value".</param>
/// <param name="GeneratorUrl">Link to the alert in the dashboard.</param>
public sealed record DemoInboxAlert(string Name, string Status, string Summary, string Labels, string GeneratorUrl);

/// <summary>Receiver kind <see cref="Kind"/>: delivers into the <see cref="DemoInbox"/> (no network, so no receiver guard).</summary>
public sealed class DemoInboxAlertChannel(DemoInbox inbox, TimeProvider timeProvider) : IAlertChannel
{
    /// <summary>The receiver kind.</summary>
    public const string KindName = "demo_inbox";

    /// <inheritdoc />
    public string Kind => KindName;

    /// <inheritdoc />
    public Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var alerts = notification.Alerts.Select(a => new DemoInboxAlert(
            a.Labels.GetValueOrDefault("alertname") ?? "alert",
            a.Status,
            a.Annotations.GetValueOrDefault("summary") ?? a.Annotations.GetValueOrDefault("description") ?? "",
            string.Join(", ", a.Labels.Where(l => l.Key != "alertname").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)),
            a.GeneratorUrl)).ToList();
        inbox.Add(new DemoInboxItem(timeProvider.GetUtcNow(), receiver.Name, notification.Status, notification.Severity, notification.GroupKey, alerts));
        return Task.FromResult(new AlertChannelResult(true));
    }
}
