using Conciergus.Core.Audit;

namespace Conciergus.Core.Alerts;

/// <summary>Audit entries of alerting changes (rules, silences, instances, receivers), with or without an audit log.</summary>
internal static class AlertAudit
{
    /// <summary>Appends an entry after the change (no-op without an audit log).</summary>
    public static async Task AppendAsync(IAuditLog? audit, string action, string target, Actor actor, Dictionary<string, string>? details, CancellationToken cancellationToken)
    {
        if (audit is null)
        {
            return;
        }

        await audit.AppendAsync(
            new AuditEvent { Actor = actor.Name, Role = actor.Role, Action = action, Target = target, Details = details ?? [], SourceIp = actor.SourceIp },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a change and its audit entry so that both commit or neither (issue 15 item 11): through
    /// <see cref="IAuditLog.AppendWithAsync"/>, which puts the store write and the entry in one LiteDB transaction. The
    /// caller updates its in-memory state only after this returns, so a failed commit leaves memory, disk and trail as
    /// they were. Without an audit log the write runs alone.
    /// </summary>
    public static async Task WriteAsync(IAuditLog? audit, string action, string target, Actor actor, Dictionary<string, string>? details, Action write, CancellationToken cancellationToken)
    {
        if (audit is null)
        {
            write();
            return;
        }

        await audit.AppendWithAsync(
            new AuditEvent { Actor = actor.Name, Role = actor.Role, Action = action, Target = target, Details = details ?? [], SourceIp = actor.SourceIp },
            write,
            cancellationToken).ConfigureAwait(false);
    }
}
