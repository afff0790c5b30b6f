using System.Security.Claims;
using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The actor of a page action: the signed-in user's name and role claim, else "system".</summary>
internal static class ExperimentPageActor
{
    public static ExperimentActor Of(ClaimsPrincipal user) =>
        user.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name }
            ? new ExperimentActor(name, user.FindFirst(ClaimTypes.Role)?.Value ?? "Viewer")
            : ExperimentActor.System;
}
