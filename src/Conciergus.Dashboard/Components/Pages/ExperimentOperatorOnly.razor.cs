using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Shows its content to Operators and Admins only; the lifecycle endpoints and services check the role again.</summary>
public sealed partial class ExperimentOperatorOnly
{
    /// <summary>What Operators and Admins see.</summary>
    [Parameter]
    public RenderFragment? ChildContent { get; set; }

    /// <summary>What everyone else sees (nothing by default).</summary>
    [Parameter]
    public RenderFragment? NotAuthorizedContent { get; set; }
}
