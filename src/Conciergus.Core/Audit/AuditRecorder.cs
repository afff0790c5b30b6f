using System.Security.Claims;

namespace Conciergus.Core.Audit;

/// <summary>
/// The one call features use to audit an operator action: builds the <see cref="AuditEvent"/> from the signed-in
/// principal (name and highest role, "anonymous" without one) and the source IP, and appends it durably.
/// </summary>
public sealed class AuditRecorder(IAuditLog log)
{
    /// <summary>Actor recorded when nobody is signed in.</summary>
    public const string Anonymous = Actor.AnonymousName;

    /// <summary>Appends one entry for <paramref name="principal"/> doing <paramref name="action"/> to <paramref name="target"/>; completes once it is on disk.</summary>
    /// <param name="principal">Who did it (HttpContext.User or the Blazor authentication state); null or unauthenticated is "anonymous".</param>
    /// <param name="action">Dotted lower case: "alert.acknowledge", "experiment.start", ...</param>
    /// <param name="target">What it was done to (alert instance id, experiment key, ...).</param>
    /// <param name="details">Small details; no personal data.</param>
    /// <param name="sourceIp">Remote address of the request, when there was one.</param>
    /// <param name="cancellationToken">Cancels before the entry is queued only.</param>
    public ValueTask<AuditEntry> RecordAsync(
        ClaimsPrincipal? principal,
        string action,
        string? target = null,
        IReadOnlyDictionary<string, string>? details = null,
        string? sourceIp = null,
        CancellationToken cancellationToken = default) =>
        RecordByAsync(Actor.Of(principal, sourceIp), action, target, details, cancellationToken);

    /// <summary>Appends one entry for <paramref name="actor"/> (name, role and source IP) doing <paramref name="action"/>; completes once it is on disk.</summary>
    public ValueTask<AuditEntry> RecordByAsync(
        Actor actor,
        string action,
        string? target = null,
        IReadOnlyDictionary<string, string>? details = null,
        CancellationToken cancellationToken = default) =>
        log.AppendAsync(
            new AuditEvent
            {
                Actor = actor?.Name ?? throw new ArgumentNullException(nameof(actor)),
                Role = actor.Role,
                Action = action,
                Target = target,
                Details = details,
                SourceIp = actor.SourceIp,
            },
            cancellationToken);
}
