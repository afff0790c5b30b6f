using Microsoft.AspNetCore.SignalR;

namespace Conciergus.Dashboard.Hubs;

/// <summary>
/// /hubs/telemetry: the live stream for external clients. Clients only listen; the server pushes
/// <see cref="TelemetryHubMethods.Summary"/> on every live publisher tick (and, in later features,
/// <see cref="TelemetryHubMethods.Alert"/> and <see cref="TelemetryHubMethods.Experiment"/>).
/// </summary>
public sealed class TelemetryHub(HubConnectionLimiter limiter) : Hub
{
    /// <summary>Route of the hub.</summary>
    public const string Route = "/hubs/telemetry";

    private const string OwnerItem = "conciergus:hub-owner";

    /// <summary>Counts the connection against its key's or user's cap; over the cap it is closed with the reason.</summary>
    public override async Task OnConnectedAsync()
    {
        var (owner, cap) = limiter.OwnerOf(Context.User ?? new System.Security.Claims.ClaimsPrincipal());
        if (!limiter.TryAcquire(owner, cap))
        {
            // A HubException's message reaches the client in the close frame (others would be hidden).
            throw new HubException(HubConnectionLimiter.Refusal(owner, cap));
        }

        Context.Items[OwnerItem] = owner;
        await base.OnConnectedAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        if (Context.Items.TryGetValue(OwnerItem, out var owner) && owner is string counted)
        {
            limiter.Release(counted);
        }

        await base.OnDisconnectedAsync(exception).ConfigureAwait(false);
    }
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
