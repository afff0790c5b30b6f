using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// Writes the security feature's audit entries (auth.*, user.*, apikey.*) through <see cref="IAuditLog"/>.
/// The log is resolved when first needed, so the security feature does not depend on the order features register in.
/// </summary>
public sealed partial class SecurityAudit(IServiceProvider services, ILogger<SecurityAudit> logger)
{
    /// <summary>Actor used for failed sign-ins with a name that is no account (never echo what was typed).</summary>
    public const string UnknownActor = "unknown";

    /// <summary>Appends one entry; the sign-in and admin flows wait for it to be durable.</summary>
    public async ValueTask AppendAsync(
        string actor,
        string role,
        string action,
        string? target = null,
        IReadOnlyDictionary<string, string>? details = null,
        HttpContext? http = null,
        CancellationToken cancellationToken = default)
    {
        var log = services.GetService<IAuditLog>();
        if (log is null)
        {
            // Only while the audit feature is not registered (a build without it): keep the event in the log at least.
            LogUnaudited(logger, action, actor, target);
            return;
        }

        await log.AppendAsync(
            new AuditEvent
            {
                Actor = actor,
                Role = role,
                Action = action,
                Target = target,
                Details = details,
                SourceIp = http?.Connection.RemoteIpAddress?.ToString(),
            },
            cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No audit log registered: {Action} by {Actor} on {Target} is not in the audit trail.")]
    private static partial void LogUnaudited(ILogger logger, string action, string actor, string? target);
}
