using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Traces;

/// <summary>Registers the trace store.</summary>
public static class TracesServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="TraceStore"/> (one singleton) as <see cref="ITraceSink"/>, <see cref="IAiOperationSink"/> and
    /// <see cref="ISubjectDataStore"/>, binds and validates <see cref="TraceOptions"/> from <c>Conciergus:Traces</c>
    /// at start, and adds the default <see cref="ISpanContentRedactor"/>.
    /// </summary>
    public static IServiceCollection AddConciergusTraces(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<TraceOptions>()
            .Bind(configuration.GetSection(TraceOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TraceOptions>, TraceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TraceStore>();
        services.TryAddSingleton<ITraceSink>(sp => sp.GetRequiredService<TraceStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, TraceStore>(sp => sp.GetRequiredService<TraceStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, TraceStore>(sp => sp.GetRequiredService<TraceStore>()));
        services.TryAddSingleton<ISpanContentRedactor>(LengthOnlyContentRedactor.Instance);
        return services;
    }
}
