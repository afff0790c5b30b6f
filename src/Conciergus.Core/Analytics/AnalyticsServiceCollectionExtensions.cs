using Conciergus.Core.Errors;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Analytics;

/// <summary>Registers the read models.</summary>
public static class AnalyticsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="AnalyticsService"/>. Needs the time-series cache.</summary>
    public static IServiceCollection AddConciergusAnalytics(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AnalyticsService(
            sp.GetRequiredService<TimeSeriesCache>(),
            sp.GetRequiredService<UserCostLedger>(),
            sp.GetRequiredService<RecentErrors>(),
            sp.GetRequiredService<IOptions<TimeSeriesOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IOperationStore>()));
        return services;
    }
}
