using System.Globalization;

namespace Conciergus.Dashboard.Hubs;

/// <summary>Telemetry hub settings (section Conciergus:Hub) and the optional Redis backplane.</summary>
public sealed class TelemetryHubOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Hub";

    /// <summary>Configuration key of the Redis connection string that turns the backplane on.</summary>
    public const string RedisConnectionStringKey = "Conciergus:Redis:ConnectionString";

    /// <summary>
    /// Names this instance in every message, so a client behind a load balancer (or on the Redis backplane,
    /// where it hears every instance) can tell the instances' streams apart. Default: host name, process id
    /// and a random suffix, unique per process.
    /// </summary>
    public string InstanceId { get; set; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");

    /// <summary>Open /hubs/telemetry connections one API key may hold; more are refused (429).</summary>
    public int MaxConnectionsPerKey { get; set; } = 20;

    /// <summary>Open /hubs/telemetry connections one signed-in user may hold; more are refused (429).</summary>
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>Messages kept for slow hub sends before the oldest is dropped (counted).</summary>
    public int QueueCapacity { get; set; } = 64;
}
