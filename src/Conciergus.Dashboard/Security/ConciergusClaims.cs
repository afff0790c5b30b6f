using System.Security.Claims;

namespace Conciergus.Dashboard.Security;

/// <summary>Building and reading the principals the dashboard signs in (users and API keys).</summary>
public static class ConciergusClaims
{
    /// <summary>Claim with the local account's change stamp: a session from before a role or password change ends.</summary>
    public const string ChangedStamp = "conciergus:changed";

    /// <summary>A principal for <paramref name="name"/> with <paramref name="role"/>.</summary>
    public static ClaimsPrincipal Principal(string name, ConciergusRole role, string authenticationType, params Claim[] extra)
    {
        var identity = new ClaimsIdentity(authenticationType, ClaimTypes.Name, ClaimTypes.Role);
        identity.AddClaim(new Claim(ClaimTypes.Name, name));
        identity.AddClaim(new Claim(ClaimTypes.Role, role.ToString()));
        identity.AddClaims(extra);
        return new ClaimsPrincipal(identity);
    }

    /// <summary>The highest of our roles the principal holds, or null when it holds none (or is not signed in).</summary>
    public static ConciergusRole? GetConciergusRole(this ClaimsPrincipal? principal)
    {
        if (principal?.Identity?.IsAuthenticated != true)
        {
            return null;
        }

        ConciergusRole? best = null;
        foreach (var claim in principal.FindAll(ClaimTypes.Role))
        {
            if (TryParseRole(claim.Value, out var role) && (best is null || role > best))
            {
                best = role;
            }
        }

        return best;
    }

    /// <summary>Whether the principal holds <paramref name="role"/> or a higher one.</summary>
    public static bool HasConciergusRole(this ClaimsPrincipal? principal, ConciergusRole role) =>
        principal.GetConciergusRole() is { } held && held >= role;

    /// <summary>Parses "Viewer", "operator", "ADMIN" (names only, never numbers).</summary>
    public static bool TryParseRole(string? value, out ConciergusRole role)
    {
        role = default;
        return !string.IsNullOrWhiteSpace(value)
            && !char.IsDigit(value.Trim()[0])
            && Enum.TryParse(value.Trim(), ignoreCase: true, out role)
            && Enum.IsDefined(role);
    }
}
