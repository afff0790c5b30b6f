using System.Collections.Concurrent;
using System.Security.Claims;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Hubs;

/// <summary>
/// Caps the open /hubs/telemetry connections per API key and per signed-in user
/// (<see cref="TelemetryHubOptions.MaxConnectionsPerKey"/>, <see cref="TelemetryHubOptions.MaxConnectionsPerUser"/>), so
/// one credential cannot hold a thousand connections and their memory. The hub counts in OnConnected and
/// OnDisconnected (the exact count); negotiate and connect requests over the cap are refused with 429 before any
/// connection state is built, with a message that names the cap.
/// </summary>
public sealed class HubConnectionLimiter(IOptions<TelemetryHubOptions> options)
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Who a principal counts as ("key:&lt;id&gt;" or "user:&lt;name&gt;") and the cap for it.</summary>
    public (string Owner, int Cap) OwnerOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var o = options.Value;
        if (user.FindFirst("conciergus:api_key_id")?.Value is { Length: > 0 } keyId)
        {
            return ("key:" + keyId, o.MaxConnectionsPerKey);
        }

        return ("user:" + (user.Identity?.Name ?? "anonymous").ToUpperInvariant(), o.MaxConnectionsPerUser);
    }

    /// <summary>Open connections of <paramref name="owner"/>.</summary>
    public int Count(string owner) => _open.TryGetValue(owner, out var n) ? n : 0;

    /// <summary>Counts one more connection unless the cap is reached; false when refused.</summary>
    public bool TryAcquire(string owner, int cap)
    {
        while (true)
        {
            var current = Count(owner);
            if (current >= cap)
            {
                return false;
            }

            // Compare-and-swap on the owner's count: concurrent connects of one key never exceed the cap.
            if (current == 0 ? _open.TryAdd(owner, 1) : _open.TryUpdate(owner, current + 1, current))
            {
                return true;
            }
        }
    }

    /// <summary>Forgets one connection of <paramref name="owner"/>.</summary>
    public void Release(string owner)
    {
        while (_open.TryGetValue(owner, out var current))
        {
            if (current <= 1 ? _open.TryRemove(new KeyValuePair<string, int>(owner, current)) : _open.TryUpdate(owner, current - 1, current))
            {
                return;
            }
        }
    }

    /// <summary>The refusal text for <paramref name="owner"/> at <paramref name="cap"/>.</summary>
    public static string Refusal(string owner, int cap) =>
        $"Too many live connections: {(owner.StartsWith("key:", StringComparison.Ordinal) ? "this API key" : "this user")} already holds {cap} " +
        $"connections to {TelemetryHub.Route} (the cap, Conciergus:Hub:{(owner.StartsWith("key:", StringComparison.Ordinal) ? "MaxConnectionsPerKey" : "MaxConnectionsPerUser")}). Close one first.";

    /// <summary>
    /// Wraps the hub's endpoints (negotiate and connect): a caller already at the cap gets 429 problem details at once,
    /// instead of a connection that opens and is closed.
    /// </summary>
    internal static void RefuseOverCap(EndpointBuilder endpoint)
    {
        var inner = endpoint.RequestDelegate;
        if (inner is null)
        {
            return;
        }

        endpoint.RequestDelegate = async context =>
        {
            if (context.User.Identity?.IsAuthenticated == true)
            {
                var limiter = context.RequestServices.GetRequiredService<HubConnectionLimiter>();
                var (owner, cap) = limiter.OwnerOf(context.User);
                if (limiter.Count(owner) >= cap)
                {
                    context.Response.Headers.RetryAfter = "5";
                    await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many hub connections", detail: Refusal(owner, cap))
                        .ExecuteAsync(context).ConfigureAwait(false);
                    return;
                }
            }

            await inner(context).ConfigureAwait(false);
        };
    }
}
