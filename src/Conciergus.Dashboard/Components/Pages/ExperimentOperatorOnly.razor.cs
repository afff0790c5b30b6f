using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Shows its content to Operators and Admins (AuthorizeView Roles="Operator,Admin"). Until sign-in is registered
/// (no authentication scheme provider: Blazor itself registers authorization and an anonymous authentication state),
/// the dashboard is open like the loopback-only API, so the content shows.
/// </summary>
public sealed partial class ExperimentOperatorOnly
{
    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>What Operators and Admins see.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    /// <summary>What everyone else sees (nothing by default).</summary>
    [Parameter]
    public RenderFragment? NotAuthorizedContent { get; set; }

    private bool SignInEnabled => IsSignInEnabled(Services);

    /// <summary>Whether sign-in is configured: authentication, authorization and an authentication state are all registered.</summary>
    internal static bool IsSignInEnabled(IServiceProvider services) =>
        services.GetService(typeof(Microsoft.AspNetCore.Authentication.IAuthenticationSchemeProvider)) is not null
        && services.GetService(typeof(Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider)) is not null
        && services.GetService(typeof(AuthenticationStateProvider)) is not null;
}
