using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Storage;

/// <summary>Registers the root options and the data directory.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>Binds "Conciergus" (validated at start) and "Conciergus:Storage", and adds <see cref="DataDirectory"/>, <see cref="StorageEncryption"/> and <see cref="ConciergusDatabase"/> relative to <paramref name="contentRoot"/>.</summary>
    public static IServiceCollection AddConciergusStorage(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<ConciergusOptions>().Bind(configuration.GetSection(ConciergusOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ConciergusOptions>, ConciergusOptionsValidator>());
        services.TryAddSingleton(sp => new DataDirectory(sp.GetRequiredService<IOptions<ConciergusOptions>>(), contentRoot));
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        // Resolved once; refuses (throws with the reason) a key file inside the data folder, so the app does not start.
        services.TryAddSingleton(sp => StorageEncryption.Resolve(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value, sp.GetRequiredService<DataDirectory>().FullPath, contentRoot));
        services.TryAddSingleton<ConciergusDatabase>();
        services.TryAddSingleton(sp => BackupFolder.Resolve(sp.GetRequiredService<IOptions<StorageOptions>>().Value.BackupDirectory, contentRoot));
        return services;
    }
}
