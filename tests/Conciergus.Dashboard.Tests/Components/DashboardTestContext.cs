using Bunit;
using MudBlazor.Services;

namespace Conciergus.Dashboard.Tests.Components;

/// <summary>bUnit context for dashboard components: MudBlazor services and loose JS interop.</summary>
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
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}
