using Conciergus.Core.Audit;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.TimeSeries;

/// <summary>Registers the time-series cache and the per-user cost ledger.</summary>
public static class TimeSeriesServiceCollectionExtensions
{
    /// <summary>Configuration section of <see cref="TimeSeriesOptions"/>.</summary>
    public const string SectionName = "Conciergus:TimeSeries";

    /// <summary>
    /// Adds <see cref="TimeSeriesCache"/> and <see cref="UserCostLedger"/> (singletons) with the ledger's data-subject adapter, binds and validates
    /// <see cref="TimeSeriesOptions"/> from <c>Conciergus:TimeSeries</c> at start, and adds <see cref="TimeProvider.System"/>
    /// unless a time provider is already registered.
    /// </summary>
    public static IServiceCollection AddConciergusTimeSeries(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        var section = configuration.GetSection(SectionName);
        services.AddOptions<TimeSeriesOptions>()
            .Bind(section, binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(options =>
            {
                // The binder appends configured list items to the defaults; configured resolutions replace them.
                var configured = section.GetSection(nameof(TimeSeriesOptions.Resolutions));
                if (configured.GetChildren().Any())
                {
                    options.Resolutions = configured.Get<List<ResolutionOptions>>() ?? [];
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TimeSeriesOptions>, TimeSeriesOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new TimeSeriesCache(
            sp.GetRequiredService<IOptions<TimeSeriesOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new UserCostLedger(
            sp.GetRequiredService<IOptions<TimeSeriesOptions>>().Value,
            sp.GetRequiredService<TimeProvider>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, UserCostSubjectStore>());
        return services;
    }
}
