using Conciergus.Core.Model;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Security;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /api/v1/signals: the auto-scaling signal per application (Viewer).</summary>
public static class SignalEndpoints
{
    /// <summary>The formula, as the response states it.</summary>
    public const string Formula =
        "inFlight = rate x meanLatency (Little's law); projectedRate = max(rate, 2 x rate - previousRate); " +
        "recommendedConcurrency = ceil(projectedRate x max(meanLatency, previousMeanLatency) x headroom); " +
        "replicaHint = max(1, ceil(recommendedConcurrency / concurrencyPerReplica))";

    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapSignals(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/signals", (string? window, ScalingSignals signals, TimeProvider time) =>
            {
                TimeSpan? span = null;
                if (!string.IsNullOrEmpty(window))
                {
                    if (!TimeWindow.TryParse(window, out var parsed, out _) || parsed < TimeSpan.FromSeconds(10) || parsed > TimeSpan.FromHours(1))
                    {
                        return Results.ValidationProblem(
                            new Dictionary<string, string[]> { ["window"] = ["Use a window from 10s to 1h, like 1m or 5m."] },
                            title: "Invalid window");
                    }

                    span = parsed;
                }

                var w = span ?? signals.Settings.Window;
                return Results.Ok(new
                {
                    at = time.GetUtcNow(),
                    windowSeconds = w.TotalSeconds,
                    headroom = signals.Settings.Headroom,
                    concurrencyPerReplica = signals.Settings.ConcurrencyPerReplica,
                    formula = Formula,
                    applications = signals.Compute(w),
                });
            })
            .RequireConciergusRole(ConciergusRole.Viewer);
        return app;
    }
}
