using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.AppMetrics;

/// <summary>Registers the application metrics series.</summary>
public static class AppMetricsServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="AppMetricsOptions"/> from <c>Conciergus:AppMetrics</c> (validated at start) and adds
    /// <see cref="OtelMetricStore"/>, also as the <see cref="IOtlpMetricSink"/> the OTLP receiver hands metrics to.
    /// Needs the time-series cache.
    /// </summary>
    public static IServiceCollection AddConciergusAppMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AppMetricsOptions>().Bind(configuration.GetSection(AppMetricsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AppMetricsOptions>, AppMetricsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new OtelMetricStore(
            sp.GetRequiredService<IOptions<AppMetricsOptions>>().Value,
            sp.GetRequiredService<TimeSeriesCache>(),
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOtlpMetricSink, StoreSink>());
        services.TryAddSingleton<ApplicationOverview>();
        services.TryAddSingleton(sp => new RecoverySeries(
            sp.GetRequiredService<OtelMetricStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<Resilience.CircuitRegistry>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Collector.IAiOperationSink, RecoverySeries>(sp => sp.GetRequiredService<RecoverySeries>()));
        return services;
    }

    /// <summary>The store as the receiver's metric sink (a type of its own, so the registration is idempotent).</summary>
    private sealed class StoreSink(OtelMetricStore store) : IOtlpMetricSink
    {
        public OtlpExportResult Accept(Ingestion.Otlp.Proto.Collector.Metrics.ExportMetricsServiceRequest request) => store.Accept(request);
    }
}
