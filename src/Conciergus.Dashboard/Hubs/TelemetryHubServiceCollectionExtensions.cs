using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Conciergus.Dashboard.Hubs;

/// <summary>Registers and maps /hubs/telemetry.</summary>
public static class TelemetryHubServiceCollectionExtensions
{
    /// <summary>
    /// Adds SignalR, the hub forwarder and, when Conciergus:Redis:ConnectionString is set, the Redis backplane
    /// (channel prefix "conciergus") so the clients of every instance hear every instance. Needs the live publisher.
    /// </summary>
    public static IServiceCollection AddConciergusTelemetryHub(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TelemetryHubOptions>().BindConfiguration(TelemetryHubOptions.SectionName)
            .Validate(o => !string.IsNullOrWhiteSpace(o.InstanceId), $"{TelemetryHubOptions.SectionName}:InstanceId must not be empty.")
            .Validate(o => o.QueueCapacity is >= 1 and <= 10_000, $"{TelemetryHubOptions.SectionName}:QueueCapacity must be between 1 and 10000.")
            .Validate(o => o.MaxConnectionsPerKey >= 1, $"{TelemetryHubOptions.SectionName}:MaxConnectionsPerKey must be at least 1.")
            .Validate(o => o.MaxConnectionsPerUser >= 1, $"{TelemetryHubOptions.SectionName}:MaxConnectionsPerUser must be at least 1.")
            .ValidateOnStart();
        var signalR = services.AddSignalR();
        if (configuration[TelemetryHubOptions.RedisConnectionStringKey] is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("conciergus"));
        }

        services.TryAddSingleton<HubConnectionLimiter>();
        services.TryAddSingleton<TelemetryHubPublisher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, TelemetryHubPublisher>(sp => sp.GetRequiredService<TelemetryHubPublisher>()));
        return services;
    }

    /// <summary>Maps <see cref="TelemetryHub"/> at <see cref="TelemetryHub.Route"/>, refusing callers over their connection cap.</summary>
    public static IEndpointConventionBuilder MapConciergusTelemetryHub(this IEndpointRouteBuilder endpoints)
    {
        var hub = endpoints.MapHub<TelemetryHub>(TelemetryHub.Route);
        hub.Add(HubConnectionLimiter.RefuseOverCap);
        return hub;
    }
}
