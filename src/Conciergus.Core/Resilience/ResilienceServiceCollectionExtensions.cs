using Conciergus.Core.Errors;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Resilience;

/// <summary>Registers resilience (circuits, scaling signal) and adds the chat middleware.</summary>
public static class ResilienceServiceCollectionExtensions
{
    private const string MissingRegistry =
        "No CircuitRegistry is registered in the service provider the pipeline is built with. " +
        "Call services.AddConciergusResilience(configuration) and build the client with builder.Build(serviceProvider).";

    /// <summary>
    /// Binds <see cref="ResilienceOptions"/> from "Conciergus:Resilience" (validated at start) and adds the shared
    /// <see cref="CircuitRegistry"/> and <see cref="ScalingSignals"/>. Needs <see cref="IErrorCategorizer"/> (AddConciergusErrors).
    /// </summary>
    public static IServiceCollection AddConciergusResilience(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ResilienceOptions>().Bind(configuration.GetSection(ResilienceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResilienceOptions>, ResilienceOptionsValidator>());
        services.TryAddSingleton(sp => new CircuitRegistry(
            sp.GetRequiredService<IOptions<ResilienceOptions>>(),
            sp.GetRequiredService<IErrorCategorizer>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<CircuitRegistry>>()));
        services.TryAddSingleton<ScalingSignals>();
        return services;
    }

    /// <summary>
    /// Retries, circuit breaking and fallbacks around the rest of the pipeline. Call it BEFORE <c>UseConciergus()</c>
    /// (so it is the outer layer): each attempt is then recorded as its own operation and span.
    /// </summary>
    /// <param name="builder">The chat pipeline.</param>
    /// <param name="configure">Application / provider defaults; give the same values as to <c>UseConciergus()</c>.</param>
    public static ChatClientBuilder UseConciergusResilience(this ChatClientBuilder builder, Action<ConciergusMiddlewareOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var tags = new ConciergusMiddlewareOptions();
        configure?.Invoke(tags);
        return builder.Use((inner, services) => new ResilientChatClient(
            inner,
            services.GetService<CircuitRegistry>() ?? throw new InvalidOperationException(MissingRegistry),
            tags));
    }
}
