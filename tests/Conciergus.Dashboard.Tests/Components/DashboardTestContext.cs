using Bunit;
using Bunit.TestDoubles;
using Conciergus.Dashboard.Security;
using MudBlazor.Services;

namespace Conciergus.Dashboard.Tests.Components;

/// <summary>bUnit context for dashboard components: MudBlazor services, loose JS interop, a signed-in Admin.</summary>
/// <remarks>
/// Some MudBlazor services are only <see cref="IAsyncDisposable"/>, so the container must be disposed
/// asynchronously; xUnit v2 does that through <see cref="IAsyncLifetime"/> (its later synchronous Dispose is then a no-op).
/// </remarks>
public abstract class DashboardTestContext : BunitContext, IAsyncLifetime
{
    protected DashboardTestContext()
    {
        Services.AddMudServices();
        JSInterop.Mode = JSRuntimeMode.Loose;
        Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddScoped<Conciergus.Dashboard.Components.BrowserTime>(Services); // pages show times on the app bar's clock

        // Pages carry [Authorize] and the layout shows the user: sign in as an Admin unless a test says otherwise.
        Authorization = AddAuthorization();
        Authorization.SetAuthorized("test-admin");
        Authorization.SetRoles(nameof(ConciergusRole.Admin));
        Authorization.SetPolicies(ConciergusPolicies.Viewer, ConciergusPolicies.Operator, ConciergusPolicies.Admin);
    }

    /// <summary>The signed-in user; tests change it with SetAuthorized / SetRoles / SetNotAuthorized.</summary>
    protected BunitAuthorizationContext Authorization { get; }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
