using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion;

/// <summary>Registers ingestion options and keys.</summary>
public static class IngestionServiceCollectionExtensions
{
    /// <summary>Binds "Conciergus:Ingestion" (validated at start) and adds <see cref="IngestionKeys"/> and the back-pressure <see cref="IngestionGate"/>. Needs storage.</summary>
    public static IServiceCollection AddConciergusIngestion(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IngestionOptions>().Bind(configuration.GetSection(IngestionOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestionOptions>, IngestionOptionsValidator>());
        services.TryAddSingleton<IngestionKeys>();
        services.TryAddSingleton<IngestionGate>();
        return services;
    }
}
