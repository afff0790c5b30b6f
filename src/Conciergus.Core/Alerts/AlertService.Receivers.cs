using Conciergus.Core.Audit;

namespace Conciergus.Core.Alerts;

// IAlertReceivers through the alert service, for IAlertService's callers: the receivers are AlertReceiverService'.
public sealed partial class AlertService
{
    /// <inheritdoc />
    public IReadOnlyList<AlertReceiver> Receivers() => _receivers.Receivers();

    /// <inheritdoc />
    public Task<AlertReceiver> SaveReceiverAsync(AlertReceiver receiver, Actor actor, CancellationToken cancellationToken = default) =>
        _receivers.SaveReceiverAsync(receiver, actor, cancellationToken);

    /// <inheritdoc />
    public Task DeleteReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        _receivers.DeleteReceiverAsync(name, actor, cancellationToken);

    /// <inheritdoc />
    public Task<AlertChannelResult> TestReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default) =>
        _receivers.TestReceiverAsync(name, actor, cancellationToken);

    /// <inheritdoc />
    public IReadOnlyList<AlertDelivery> Deliveries(int limit = 100) => _notifier.Deliveries(limit);
}
