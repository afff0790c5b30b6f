using Conciergus.Core.History;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /readyz (ready once history is restored) and the "history" part of /healthz.</summary>
public static class HistoryEndpoints
{
    /// <summary>Maps /readyz: 200 when history is restored (or there was nothing to restore), 503 while restoring.</summary>
    public static IEndpointRouteBuilder MapHistory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/readyz", (IServiceProvider services) =>
            {
                var history = StatusOf(services);

                // A failed restore is still ready: the dashboard serves live data and says what is missing (/healthz).
                return history is null or { State: not "restoring" }
                    ? Results.Ok(new { status = "ready", history })
                    : Results.Json(new { status = "restoring", history }, statusCode: StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous();
        return app;
    }

    /// <summary>The restore's progress as /healthz and /readyz show it; null when history restore is not registered.</summary>
    public static HistoryStatusJson? StatusOf(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<HistoryRestoreService>() is not { } restore)
        {
            return null;
        }

        var p = restore.Progress;
        return new HistoryStatusJson(p.StateName, Math.Round(p.Fraction, 4), p.Operations, p.Spans, p.Reason, p.StartedAt, p.CompletedAt, restore.LateOperationsSkipped);
    }
}

/// <summary>History restore status on /healthz and /readyz.</summary>
/// <param name="State">restoring, restored or failed.</param>
/// <param name="Progress">0..1.</param>
/// <param name="Operations">Operations restored so far.</param>
/// <param name="Spans">Spans restored.</param>
/// <param name="Reason">Why nothing was restored, or why it failed.</param>
/// <param name="StartedAt">Restore start: operations that ended before it come from the store.</param>
/// <param name="CompletedAt">When it ended.</param>
/// <param name="LateOperationsSkipped">Stored operations skipped because they had already been recorded live.</param>
public sealed record HistoryStatusJson(
    string State,
    double Progress,
    long Operations,
    long Spans,
    string? Reason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    long LateOperationsSkipped);
