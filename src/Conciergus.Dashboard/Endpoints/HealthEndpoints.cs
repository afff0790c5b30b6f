using Conciergus.Core.Storage;
using Conciergus.Core.Telemetry;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// GET /healthz: liveness with the collector's counters. Anonymous callers (load balancers, probes) see states and
/// counters only; where the database lives on disk, and why it failed to open, is shown to signed-in callers.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (AiOperationCollector collector, IServiceProvider services, HttpContext http) => Results.Ok(new
            {
                status = services.GetService<ConciergusDatabase>() is { IsAvailable: false }
                    || services.GetService<Conciergus.Core.Operations.IOperationStore>() is { Status.State: Conciergus.Core.Operations.OperationStoreState.Degraded }
                    ? "degraded" : "healthy",
                storage = services.GetService<ConciergusDatabase>() is { } db
                    ? SignedIn(http)
                        ? new { status = db.Health.Status, reason = db.Health.Reason, file = (string?)db.FilePath }
                        : new { status = db.Health.Status, reason = db.Health.IsHealthy ? null : (string?)"see /health when signed in", file = (string?)null }
                    : null,
                collector = collector.Stats,
                ingestion = OtlpIngestionHealth.From(services),
                alerts = services.GetService<Conciergus.Core.Alerts.IAlertService>() is { } a ? AlertStatusJson.From(a.Status, a.FiringCount) : null,
                operationStore = services.GetService<Conciergus.Core.Operations.IOperationStore>() is { } store ? OperationStoreHealth.From(store.Status, SignedIn(http)) : null,
                history = HistoryEndpoints.StatusOf(services),
            }))
            .AllowAnonymous();
        return app;
    }

    private static bool SignedIn(HttpContext http) => http.User.Identity?.IsAuthenticated == true;
}

/// <summary>Maps every HTTP API endpoint.</summary>
public static class ApiEndpointRouteBuilderExtensions
{
    /// <summary>Maps ingestion (JSON and OTLP), the read API, audit and data-subject API, health, traces and /metrics.</summary>
    public static IEndpointRouteBuilder MapConciergusApi(this IEndpointRouteBuilder app) =>
        app.MapOperationIngestion().MapOtlpIngestion().MapReadApi().MapAuditApi().MapSubjectApi().MapHealth()
            .MapTraces().MapLogs().MapMetrics().MapExperiments().MapAlertEndpoints().MapCircuits().MapSignals().MapComplianceApi()
            .MapPricingApi().MapHistory();
}
