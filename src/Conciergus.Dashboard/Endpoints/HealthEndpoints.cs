using Conciergus.Core.Storage;
using Conciergus.Core.Telemetry;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>GET /healthz: liveness with the collector's counters.</summary>
public static class HealthEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (AiOperationCollector collector, IServiceProvider services) => Results.Ok(new
            {
                status = services.GetService<ConciergusDatabase>() is { IsAvailable: false }
                    || services.GetService<Conciergus.Core.Operations.IOperationStore>() is { Status.State: Conciergus.Core.Operations.OperationStoreState.Degraded }
                    ? "degraded" : "healthy",
                storage = services.GetService<ConciergusDatabase>() is { } db ? new { status = db.Health.Status, reason = db.Health.Reason, file = db.FilePath } : null,
                collector = collector.Stats,
                ingestion = OtlpIngestionHealth.From(services),
                alerts = services.GetService<Conciergus.Core.Alerts.IAlertService>() is { } a ? AlertStatusJson.From(a.Status, a.FiringCount) : null,
                operationStore = services.GetService<Conciergus.Core.Operations.IOperationStore>() is { } store ? OperationStoreHealth.From(store.Status) : null,
            }))
            .AllowAnonymous();
        return app;
    }
}

/// <summary>Maps every HTTP API endpoint.</summary>
public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>Maps ingestion (JSON and OTLP), the read API, audit and data-subject API, health, traces and /metrics.</summary>
    public static IEndpointRouteBuilder MapConciergusApi(this IEndpointRouteBuilder app) =>
        app.MapOperationIngestion().MapOtlpIngestion().MapReadApi().MapAuditApi().MapSubjectApi().MapHealth()
            .MapTraces().MapMetrics().MapExperiments().MapAlertEndpoints().MapCircuits().MapSignals().MapComplianceApi()
            .MapPricingApi();
}
