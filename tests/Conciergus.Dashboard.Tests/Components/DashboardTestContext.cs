using Bunit;
using MudBlazor.Services;

namespace Conciergus.Dashboard.Tests.Components;

/// <summary>bUnit context for dashboard components: MudBlazor services and loose JS interop.</summary>
public abstract class DashboardTestContext : BunitContext
{
    protected DashboardTestContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }
}
