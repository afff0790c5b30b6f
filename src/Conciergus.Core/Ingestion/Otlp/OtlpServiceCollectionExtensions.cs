using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Registers the OTLP receiver's core.</summary>
public static class OtlpServiceCollectionExtensions
{
    /// <summary>
    /// Binds "Conciergus:Ingestion:Otlp" (validated at start) and adds <see cref="OtlpIngestionStats"/> and
    /// <see cref="OtlpTraceIngestor"/> behind <see cref="OtlpReceiver"/> (the one path of OTLP/HTTP and OTLP/gRPC). Needs the collector (<see cref="Collector.IAiOperationRecorder"/>); trace
    /// sinks (<see cref="Traces.ITraceSink"/>) are used when registered.
    /// </summary>
    public static IServiceCollection AddConciergusOtlp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<OtlpOptions>().Bind(configuration.GetSection(OtlpOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OtlpOptions>, OtlpOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<OtlpIngestionStats>();
        services.TryAddSingleton<OtlpTraceIngestor>();
        services.TryAddSingleton<OtlpReceiver>();
        return services;
    }
}
