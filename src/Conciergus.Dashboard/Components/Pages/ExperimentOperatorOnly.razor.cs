using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Shows its content to Operators and Admins (AuthorizeView Roles="Operator,Admin"). Until sign-in is registered
/// (no <see cref="AuthenticationStateProvider"/>), the dashboard is open like the loopback-only API, so the content shows.
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

    private bool SignInEnabled => Services.GetService(typeof(AuthenticationStateProvider)) is not null;
}
