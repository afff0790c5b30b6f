using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Dashboard.Components;

/// <summary>Registers what the panels need beyond the read models.</summary>
public static class PanelServiceCollectionExtensions
{
    /// <summary>Adds <see cref="BrowserTime"/> (one per circuit).</summary>
    public static IServiceCollection AddConciergusPanels(this IServiceCollection services)
    {
        services.TryAddScoped(sp => new BrowserTime(sp.GetService<TimeProvider>()));
        return services;
    }
}
