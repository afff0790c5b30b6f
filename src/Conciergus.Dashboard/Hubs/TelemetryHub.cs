using Microsoft.AspNetCore.SignalR;

namespace Conciergus.Dashboard.Hubs;

/// <summary>
/// /hubs/telemetry: the live stream for external clients. Clients only listen; the server pushes
/// <see cref="TelemetryHubMethods.Summary"/> on every live publisher tick (and, in later features,
/// <see cref="TelemetryHubMethods.Alert"/> and <see cref="TelemetryHubMethods.Experiment"/>).
/// </summary>
public sealed class TelemetryHub : Hub
{
    /// <summary>Route of the hub.</summary>
    public const string Route = "/hubs/telemetry";
}

/// <summary>Client method names the hub invokes (lower case, as JavaScript clients expect).</summary>
public static class TelemetryHubMethods
{
    /// <summary>A <see cref="TelemetrySummaryMessage"/> on every publish tick of every instance.</summary>
    public const string Summary = "summary";

    /// <summary>Reserved: alert instance changes (the alerts feature sends them).</summary>
    public const string Alert = "alert";

    /// <summary>Reserved: experiment lifecycle changes (the experiments feature sends them).</summary>
    public const string Experiment = "experiment";
}
