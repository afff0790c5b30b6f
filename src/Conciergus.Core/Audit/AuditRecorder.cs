using System.Security.Claims;

namespace Conciergus.Core.Audit;

/// <summary>
/// The one call features use to audit an operator action: builds the <see cref="AuditEvent"/> from the signed-in
/// principal (name and highest role, "anonymous" without one) and the source IP, and appends it durably.
/// </summary>
public sealed class AuditRecorder(IAuditLog log)
{
    /// <summary>Actor recorded when nobody is signed in.</summary>
    public const string Anonymous = "anonymous";

    private static readonly string[] RolesHighestFirst = ["Admin", "Operator", "Viewer"];

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
        log.AppendAsync(
            new AuditEvent
            {
                Actor = ActorOf(principal),
                Role = RoleOf(principal),
                Action = action,
                Target = target,
                Details = details,
                SourceIp = sourceIp,
            },
            cancellationToken);

    /// <summary>The principal's name when signed in, else "anonymous".</summary>
    public static string ActorOf(ClaimsPrincipal? principal) =>
        principal?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : Anonymous;

    /// <summary>The highest of Admin, Operator, Viewer the principal holds (ClaimTypes.Role or the identity's role claim type); "None" otherwise.</summary>
    public static string RoleOf(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true })
        {
            return "None";
        }

        foreach (var role in RolesHighestFirst)
        {
            if (principal.IsInRole(role) || principal.HasClaim(ClaimTypes.Role, role))
            {
                return role;
            }
        }

        return principal.FindFirst(ClaimTypes.Role)?.Value ?? "None";
    }
}
