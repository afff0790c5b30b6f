using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;
namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    /// <inheritdoc />
    public int FiringCount
    {
        get
        {
            lock (_sync)
            {
                return _open.Values.Count(s => s.Instance is { State: AlertState.Firing, Acknowledged: false, Silenced: false });
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<AlertInstance> Instances(AlertState? state = null)
    {
        lock (_sync)
        {
            var open = _open.Values.Select(s => s.Instance)
                .Where(i => state is null || i.State == state)
                .OrderBy(i => i.Severity)
                .ThenBy(i => i.State == AlertState.Firing ? 0 : 1)
                .ThenByDescending(i => i.ActiveAt)
                .ThenBy(i => i.Id, StringComparer.Ordinal);
            var resolved = state is null or AlertState.Resolved
                ? _instances.Values.Where(s => !s.IsOpen).Select(s => s.Instance).OrderByDescending(i => i.EndsAt).ThenBy(i => i.Id, StringComparer.Ordinal)
                : Enumerable.Empty<AlertInstance>();
            return [.. open, .. resolved];
        }
    }

    /// <inheritdoc />
    public AlertInstance? GetInstance(string id)
    {
        lock (_sync)
        {
            return _instances.GetValueOrDefault(id)?.Instance;
        }
    }

    /// <inheritdoc />
    public async Task<AlertInstance> AcknowledgeAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        AlertInstance result;
        lock (_sync)
        {
            var state = _instances.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No alert '{id}'.");
            if (!state.IsOpen)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Alert '{id}' is resolved; only pending or firing alerts can be acknowledged.");
            }

            if (state.Instance.Acknowledged)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Alert '{id}' was already acknowledged by {state.Instance.AcknowledgedBy}.");
            }

            var now = _time.GetUtcNow();
            state.Instance = AddHistory(
                state.Instance with { Acknowledged = true, AcknowledgedBy = actor.Name, AcknowledgedAt = now },
                new AlertHistoryEntry(now, "acknowledged", state.Instance.Value, actor.Name, comment));
            _store.SaveInstance(state);
            result = state.Instance;
        }

        Bump([result]);
        await AuditAsync("alert.acknowledge", id, actor, InstanceDetails(result, comment), cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public async Task<AlertInstance> ResolveAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        AlertInstance result;
        lock (_sync)
        {
            var state = _instances.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No alert '{id}'.");
            if (!state.IsOpen)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Alert '{id}' is already resolved.");
            }

            var now = _time.GetUtcNow();
            Resolve(state, now, new AlertHistoryEntry(now, "resolved_by_hand", state.Instance.Value, actor.Name, comment), actor.Name);
            _store.SaveInstance(state);
            result = state.Instance;
        }

        Bump([result]);
        await AuditAsync("alert.resolve", id, actor, InstanceDetails(result, comment), cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static Dictionary<string, string> InstanceDetails(AlertInstance instance, string? comment)
    {
        var details = new Dictionary<string, string>
        {
            ["rule"] = instance.RuleId,
            ["alertname"] = instance.RuleName,
            ["fingerprint"] = instance.Fingerprint,
        };
        if (!string.IsNullOrEmpty(comment))
        {
            details["comment"] = comment;
        }

        return details;
    }
}
