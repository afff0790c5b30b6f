using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Storage;

/// <summary>Registers the root options and the data directory.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Binds "Conciergus" (validated at start) and adds <see cref="DataDirectory"/> and <see cref="ConciergusDatabase"/> relative to <paramref name="contentRoot"/>.</summary>
    public static IServiceCollection AddConciergusStorage(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<ConciergusOptions>().Bind(configuration.GetSection(ConciergusOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConciergusOptions>, ConciergusOptionsValidator>());
        services.TryAddSingleton(sp => new DataDirectory(sp.GetRequiredService<IOptions<ConciergusOptions>>(), contentRoot));
        services.TryAddSingleton<ConciergusDatabase>();
        return services;
    }
}
