using System.Security.Claims;
using Conciergus.Core.Experiments;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The actor of a page action: the signed-in user's name and role claim, else "system".</summary>
internal static class ExperimentPageActor
{
    public static Actor Of(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? new Actor(name, user.FindFirst(ClaimTypes.Role)?.Value ?? "Viewer")
            : Actor.System;
}
