using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Demo;

/// <summary>Registers the built-in traffic simulator.</summary>
public static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DemoOptions"/> from "Conciergus:Demo" (validated at start) and, when
    /// "Conciergus:Demo:Enabled" is true at startup, adds <see cref="DemoSeedService"/> (the examples, with the
    /// <see cref="DemoInbox"/> receiver kind) and <see cref="DemoTrafficService"/>. The service needs an
    /// <c>IAiOperationRecorder</c> (the collector) registered; it resolves <see cref="TimeProvider"/> when one is.
    /// </summary>
    public static IServiceCollection AddConciergusDemo(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(DemoOptions.SectionName);
        services.AddOptions<DemoOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DemoOptions>, DemoOptionsValidator>());
        if (section.GetValue<bool>(nameof(DemoOptions.Enabled)))
        {
            // The examples first (hosted services start in order), so the first demo calls already meet the experiment.
            services.TryAddSingleton<DemoInbox>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<Conciergus.Core.Alerts.IAlertChannel, DemoInboxAlertChannel>(
                sp => new DemoInboxAlertChannel(sp.GetRequiredService<DemoInbox>(), sp.GetService<TimeProvider>() ?? TimeProvider.System)));
            services.AddHostedService<DemoSeedService>();
            services.AddHostedService<DemoTrafficService>();
        }

        return services;
    }
}
