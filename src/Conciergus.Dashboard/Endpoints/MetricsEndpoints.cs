using Conciergus.Dashboard.Metrics;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /metrics: Prometheus text exposition (format 0.0.4).</summary>
public static class MetricsEndpoints
{
    /// <summary>Maps the endpoint (a read like the API: a Viewer API key, e.g. Prometheus' bearer credentials).</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (PrometheusExposition exposition) =>
                Results.Text(exposition.Render(), PrometheusTextWriter.ContentType))
            .WithName("PrometheusMetrics");
        return app;
    }
}
