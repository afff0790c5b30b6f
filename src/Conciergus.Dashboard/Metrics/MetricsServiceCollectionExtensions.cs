using Conciergus.Core.Collector;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Conciergus.Dashboard.Metrics;

/// <summary>Registers /metrics and the optional export of the dashboard's own telemetry.</summary>
public static class MetricsServiceCollectionExtensions
{
    /// <summary>Environment variable (or configuration key) that switches own-telemetry export on.</summary>
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Adds the cumulative AI counters (a collector sink) and the Prometheus exposition.</summary>
    public static IServiceCollection AddConciergusMetrics(this IServiceCollection services)
    {
        services.TryAddSingleton<AiMetricCounters>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, AiMetricCounters>(sp => sp.GetRequiredService<AiMetricCounters>()));
        services.TryAddSingleton<PrometheusExposition>();
        return services;
    }

    /// <summary>
    /// When <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, exports the dashboard's own traces and metrics (ASP.NET Core
    /// requests, .NET runtime and Kestrel meters) with OTLP; otherwise does nothing. The exporter reads the
    /// standard OTEL_* variables (protocol, headers). The demo's AI calls are not exported: they are recorded
    /// in-process already, and an endpoint pointing back at this dashboard would count them twice.
    /// </summary>
    public static IServiceCollection AddConciergusSelfTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration[OtlpEndpointKey]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("conciergus-dashboard"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsTelemetryTraffic(context.Request.Path))
                .AddOtlpExporter())
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter("System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddOtlpExporter());
        return services;
    }

    // Ingestion and scrapes are not traced: pointed at itself, the dashboard would otherwise trace its own
    // exports forever; and the Blazor circuit's long-lived connection is one endless span.
    private static bool IsTelemetryTraffic(PathString path) =>
        path.StartsWithSegments("/v1") || path.StartsWithSegments("/api/v1/operations") || path.StartsWithSegments("/metrics")
        || path.StartsWithSegments("/_blazor") || path.StartsWithSegments("/_framework");
}
