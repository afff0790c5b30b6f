using Conciergus.Core.AppMetrics;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// Application metrics read back: <c>GET /api/v1/timeseries?metric=otel:&lt;instrument&gt;[:&lt;aggregation&gt;]&amp;groupBy=application|attr.&lt;name&gt;</c>
/// (the branch of the timeseries endpoint for <c>otel:</c> metrics) and <c>GET /api/v1/app-metrics</c> (instruments and
/// services seen). The only filter is <c>application</c> (service.name): the other filters describe AI calls.
/// </summary>
public static class AppMetricsEndpoints
{
    /// <summary>Maps GET /api/v1/app-metrics onto the API group.</summary>
    public static RouteGroupBuilder MapAppMetricsApi(this RouteGroupBuilder api)
    {
        ArgumentNullException.ThrowIfNull(api);
        api.MapGet("/app-metrics", (HttpRequest request) =>
        {
            if (request.HttpContext.RequestServices.GetService<OtelMetricStore>() is not { } store)
            {
                return Results.Ok(new { metrics = Array.Empty<object>(), services = Array.Empty<object>() });
            }

            return Results.Ok(new
            {
                metrics = store.Metrics().Select(m => new { m.Name, kind = m.Kind.ToString().ToLowerInvariant(), m.Unit, m.Description, m.Series }),
                services = store.Services().Select(s => new { name = s.Service, lastSeen = s.LastSeen }),
                stats = store.Stats,
            });
        });
        return api;
    }

    /// <summary>The timeseries answer for an <c>otel:</c> metric.</summary>
    internal static IResult TimeSeries(HttpRequest request, string metric, TimeSpan window, OperationFilter filter, string? groupBy, string? step)
    {
        if (!OtelMetricStore.TryParseMetric(metric, out _, out _, out var metricError))
        {
            return EndpointInput.Problem400("metric", metricError!);
        }

        if (filter.Clauses.FirstOrDefault(c => c.Field != FilterFields.Application) is { } other)
        {
            return EndpointInput.Problem400(other.Field, $"'{other.Field}' describes AI calls; application metrics (otel:) are filtered by application (service.name) only.");
        }

        if (!string.IsNullOrEmpty(groupBy) && groupBy != "application" && !(groupBy.StartsWith("attr.", StringComparison.Ordinal) && groupBy.Length > 5))
        {
            return EndpointInput.Problem400("groupBy", $"'{groupBy}' is not allowed for otel: metrics; use application or attr.<attribute name>");
        }

        var store = request.HttpContext.RequestServices.GetRequiredService<OtelMetricStore>();
        var time = request.HttpContext.RequestServices.GetRequiredService<TimeProvider>();
        var stepSpan = store.DefaultStep(window);
        if (!string.IsNullOrEmpty(step))
        {
            if (!TimeWindow.TryParse(step, out stepSpan, out var stepError))
            {
                return EndpointInput.Problem400("step", stepError!);
            }
        }

        var to = time.GetUtcNow().AddTicks(1);
        try
        {
            var services = filter.Clause(FilterFields.Application)?.Values;
            return Results.Ok(store.Query(metric, to - window, to, stepSpan, string.IsNullOrEmpty(groupBy) ? null : groupBy, services?.ToArray()));
        }
        catch (ArgumentException e)
        {
            return EndpointInput.Problem400("step", e.Message);
        }
    }
}
