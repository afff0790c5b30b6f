using System.Security.Claims;

namespace Conciergus.Core.Audit;

/// <summary>
/// Who did an action, as every audit entry, alert and experiment history records it. Built from a signed-in user in
/// one place (<see cref="Of"/>, always the user's highest role; the dashboard's <c>ActorFactory</c> adds the request's
/// source IP); <see cref="System"/> for automatic actions.
/// </summary>
/// <param name="Name">User name, "api-key:&lt;id&gt;" or "system".</param>
/// <param name="Role">Viewer, Operator, Admin or System.</param>
/// <param name="SourceIp">Source IP of the request, when there was one.</param>
public sealed record Actor(string Name, string Role = "System", string? SourceIp = null)
{
    /// <summary>Name recorded when nobody is signed in.</summary>
    public const string AnonymousName = "anonymous";

    /// <summary>Role recorded when the principal holds none of ours (or nobody is signed in).</summary>
    public const string NoRole = "None";

    private static readonly string[] RolesHighestFirst = ["Admin", "Operator", "Viewer"];

    /// <summary>The evaluator, schedulers and other automatic actions.</summary>
    public static Actor System { get; } = new("system");

    /// <summary>
    /// The actor of <paramref name="principal"/>: its name and its HIGHEST role (Admin &gt; Operator &gt; Viewer, whatever
    /// the order of its role claims); "anonymous" with role "None" when nobody is signed in.
    /// </summary>
    public static Actor Of(ClaimsPrincipal? principal, string? sourceIp = null) =>
        principal?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? new Actor(name, RoleOf(principal), sourceIp)
            : new Actor(AnonymousName, NoRole, sourceIp);

    /// <summary>The highest of Admin, Operator, Viewer the principal holds (ClaimTypes.Role or the identity's role claim type); "None" otherwise.</summary>
    public static string RoleOf(ClaimsPrincipal? principal)
    {
        if (principal?.Identity is not { IsAuthenticated: true })
        {
            return NoRole;
        }

        foreach (var role in RolesHighestFirst)
        {
            if (principal.IsInRole(role) || principal.HasClaim(ClaimTypes.Role, role))
            {
                return role;
            }
        }

        return principal.FindFirst(ClaimTypes.Role)?.Value ?? NoRole;
    }
}
