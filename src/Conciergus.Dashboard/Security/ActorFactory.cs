using System.Security.Claims;
using Conciergus.Core.Audit;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// "Who did it", worked out in one place for every endpoint, page and audit entry: the principal's name (a user, or
/// "api-key:&lt;id&gt;" for an API key) with its HIGHEST role (Admin &gt; Operator &gt; Viewer, whatever the order of its
/// role claims) and, for a request, its source IP. The rule itself is Core's <see cref="Actor.Of"/>.
/// </summary>
public static class ActorFactory
{
    /// <summary>The actor of <paramref name="principal"/> (anonymous when nobody is signed in).</summary>
    public static Actor Of(ClaimsPrincipal? principal, string? sourceIp = null) => Actor.Of(principal, sourceIp);

    /// <summary>The actor of a request: its user or API key, and the client address.</summary>
    public static Actor Of(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return Actor.Of(http.User, http.Connection.RemoteIpAddress?.ToString());
    }

    /// <summary>
    /// The actor of a page action, from the circuit's authentication state. <see cref="Actor.System"/> when sign-in is
    /// not registered (component tests) or nobody is signed in, as the pages recorded before.
    /// </summary>
    public static async Task<Actor> OfAsync(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.GetService<AuthenticationStateProvider>() is { } auth
            ? OfPage((await auth.GetAuthenticationStateAsync().ConfigureAwait(false)).User)
            : Actor.System;
    }

    /// <summary>The actor of a page action by <paramref name="user"/>; <see cref="Actor.System"/> when nobody is signed in.</summary>
    public static Actor OfPage(ClaimsPrincipal? user) =>
        user?.Identity is { IsAuthenticated: true } ? Actor.Of(user) : Actor.System;
}
