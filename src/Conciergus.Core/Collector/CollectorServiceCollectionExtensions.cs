using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Core.Collector;

/// <summary>Registers the collector.</summary>
public static class CollectorServiceCollectionExtensions
{
    /// <summary>Adds <see cref="AiOperationCollector"/> as the <see cref="IAiOperationRecorder"/>. Needs time series, pricing and errors.</summary>
    public static IServiceCollection AddConciergusCollector(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AiOperationCollector>();
        services.TryAddSingleton<IAiOperationRecorder>(sp => sp.GetRequiredService<AiOperationCollector>());
        return services;
    }
}
