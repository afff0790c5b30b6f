using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Live;

/// <summary>Registers the live publisher.</summary>
public static class LiveServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="LivePublisher"/> (a singleton that is also the hosted service driving it) and binds
    /// <see cref="LiveOptions"/> from <c>Conciergus:Live</c>. Needs the collector, the time-series cache and
    /// the analytics service registered by their own features.
    /// </summary>
    public static IServiceCollection AddConciergusLive(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LiveOptions>, LiveOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<LivePublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, LivePublisher>(sp => sp.GetRequiredService<LivePublisher>()));
        return services;
    }
}
