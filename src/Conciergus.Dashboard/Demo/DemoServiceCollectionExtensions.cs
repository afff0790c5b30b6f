using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Demo;

/// <summary>Registers the built-in traffic simulator.</summary>
public static class DemoServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="DemoOptions"/> from "Conciergus:Demo" (validated at start) and, when
    /// "Conciergus:Demo:Enabled" is true at startup, adds <see cref="DemoTrafficService"/>. The service needs an
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
            services.AddHostedService<DemoTrafficService>();
        }

        return services;
    }
}
