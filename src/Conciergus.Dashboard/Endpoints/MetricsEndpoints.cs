using Conciergus.Dashboard.Metrics;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /metrics: Prometheus text exposition (format 0.0.4).</summary>
public static class MetricsEndpoints
{
    /// <summary>Maps the endpoint (loopback only until sign-in exists, like the read API).</summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", (PrometheusExposition exposition) =>
                Results.Text(exposition.Render(), PrometheusTextWriter.ContentType))
            .AddEndpointFilter<LoopbackOnlyFilter>()
            .WithName("PrometheusMetrics");
        return app;
    }
}
