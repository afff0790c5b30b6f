using Conciergus.Core.Alerts;
using Conciergus.Core.Collector;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.History;

/// <summary>Registers the history restore and the trace lookup that falls back to the store.</summary>
public static class HistoryServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="HistoryRestoreService"/> (one singleton: hosted service, <see cref="IAiOperationSink"/> for late live
    /// operations, <see cref="IAlertDataReadiness"/> for the alert evaluator) and <see cref="TraceHistory"/>, and binds
    /// <see cref="HistoryOptions"/> from <c>Conciergus:History</c> (validated at start). Needs time series, errors and
    /// traces; uses the registered operation store when there is one.
    /// </summary>
    public static IServiceCollection AddConciergusHistory(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<HistoryOptions>()
            .Bind(configuration.GetSection(HistoryOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HistoryOptions>, HistoryOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<HistoryRestoreService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, HistoryRestoreService>(sp => sp.GetRequiredService<HistoryRestoreService>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, HistoryRestoreService>(sp => sp.GetRequiredService<HistoryRestoreService>()));
        services.TryAddSingleton<IAlertDataReadiness>(sp => sp.GetRequiredService<HistoryRestoreService>());
        services.TryAddSingleton<TraceHistory>();
        return services;
    }
}
