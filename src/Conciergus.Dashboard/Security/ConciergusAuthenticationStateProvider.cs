using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Server;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>
/// The authentication state of an interactive circuit, kept true to the user store. The circuit captures the
/// principal of the request that opened it; without this, a deleted or demoted user keeps their rights in every
/// page already open. Two checks against <see cref="UserStore.IsSessionCurrent"/>:
/// <list type="bullet">
/// <item>every <see cref="AuthenticationStateProvider.GetAuthenticationStateAsync"/> (what page actions call to learn
/// who acts) re-checks at once, and answers anonymous (and tells the page) when the account no longer matches;</item>
/// <item>every <see cref="AuthOptions.SessionRevalidationInterval"/> the base class re-checks by itself, so an idle page
/// also loses its authentication and the router shows the sign-in page.</item>
/// </list>
/// </summary>
public sealed class ConciergusAuthenticationStateProvider(ILoggerFactory loggerFactory, UserStore users, IOptions<AuthOptions> options)
    : RevalidatingServerAuthenticationStateProvider(loggerFactory)
{
    private static readonly AuthenticationState Anonymous = new(new ClaimsPrincipal(new ClaimsIdentity()));

    /// <inheritdoc />
    protected override TimeSpan RevalidationInterval => options.Value.SessionRevalidationInterval;

    /// <inheritdoc />
    public override async Task<AuthenticationState> GetAuthenticationStateAsync()
    {
        var state = await base.GetAuthenticationStateAsync().ConfigureAwait(false);
        if (users.IsSessionCurrent(state.User))
        {
            return state;
        }

        // Tells the cascading state (and so the router) at once; the next render shows the sign-in page.
        SetAuthenticationState(Task.FromResult(Anonymous));
        return Anonymous;
    }

    /// <inheritdoc />
    protected override Task<bool> ValidateAuthenticationStateAsync(AuthenticationState authenticationState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(authenticationState);
        return Task.FromResult(users.IsSessionCurrent(authenticationState.User));
    }
}
