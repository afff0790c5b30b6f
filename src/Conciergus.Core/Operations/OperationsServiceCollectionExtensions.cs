using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Pricing;
using Conciergus.Core.Storage;
using Conciergus.Core.Traces;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Operations;

/// <summary>Registers the operation store.</summary>
public static class OperationsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the DuckDB operation store (<see cref="IOperationStore"/>, options <c>Conciergus:Operations</c> validated at
    /// start), feeds it every recorded operation (<see cref="IAiOperationSink"/>) and the spans of AI traces (it
    /// decorates the registered <see cref="ITraceSink"/>, so call it after <c>AddConciergusTraces</c>), plugs it into
    /// data-subject export and erasure, and runs retention and the flush on stop (<see cref="OperationStoreHostedService"/>).
    /// Needs <c>AddConciergusStorage</c> (the data folder).
    /// </summary>
    public static IServiceCollection AddConciergusOperations(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<OperationStoreOptions>()
            .Bind(configuration.GetSection(OperationStoreOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)

            // One key for every database file (issue 19 item 4): the storage key encrypts the store too unless it has its own.
            .PostConfigure<StorageEncryption>((o, encryption) => o.EncryptionKey ??= encryption.Key)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OperationStoreOptions>, OperationStoreOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<OperationStoreOptions>>();
            var folder = sp.GetRequiredService<DataDirectory>();
            var fileName = options.Value.FileName;
            var path = Path.IsPathRooted(fileName) ? fileName : folder.FileIn(fileName);
            return new DuckDbOperationStore(
                options,
                path,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetService<ILogger<DuckDbOperationStore>>(),
                sp.GetService<PriceCatalog>());
        });
        services.TryAddSingleton<IOperationStore>(sp => sp.GetRequiredService<DuckDbOperationStore>());
        services.TryAddSingleton<OperationRetention>();
        services.TryAddSingleton<OperationRepricer>();
        services.AddHostedService<OperationStoreHostedService>();

        // Switched off: the store reports Disabled and is fed nothing (so nothing is counted as dropped).
        var enabled = configuration.GetSection(OperationStoreOptions.SectionName).GetValue(nameof(OperationStoreOptions.Enabled), defaultValue: true);
        if (!enabled)
        {
            return services;
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, DuckDbOperationStore>(sp => sp.GetRequiredService<DuckDbOperationStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, OperationSubjectStore>());
        DecorateTraceSink(services);
        return services;
    }

    private static void DecorateTraceSink(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(TraceSinkDecorated)))
        {
            return;
        }

        services.AddSingleton<TraceSinkDecorated>();

        var original = services.LastOrDefault(d => d.ServiceType == typeof(ITraceSink));
        if (original is null)
        {
            services.AddSingleton<ITraceSink>(sp => new OperationStoreTraceSink(null, sp.GetRequiredService<IOperationStore>()));
            return;
        }

        services.Remove(original);
        services.Add(ServiceDescriptor.Describe(
            typeof(ITraceSink),
            sp => new OperationStoreTraceSink(Create(sp, original), sp.GetRequiredService<IOperationStore>()),
            original.Lifetime));
    }

    private static ITraceSink Create(IServiceProvider services, ServiceDescriptor descriptor) =>
        (ITraceSink)(descriptor.ImplementationInstance
            ?? descriptor.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!));

    /// <summary>Marks the trace sink as decorated, so a second call does not wrap it twice.</summary>
    private sealed class TraceSinkDecorated;
}
