using Conciergus.Core.Collector;
using Conciergus.Core.Storage;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>
/// GET /healthz: liveness with the collector's counters. Anonymous callers (load balancers, probes) see states and
/// counters only; where the database lives on disk, why it failed to open and why the collector last dropped
/// something are shown to signed-in callers.
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
                collector = SignedIn(http) ? collector.Stats : collector.Stats with { LastDrop = null },
                ingestion = OtlpIngestionHealth.From(services),
                alerts = services.GetService<Conciergus.Core.Alerts.IAlertService>() is { } a ? AlertStatusJson.From(a.Status, a.FiringCount) : null,
                operationStore = services.GetService<Conciergus.Core.Operations.IOperationStore>() is { } store ? OperationStoreHealth.From(store.Status, SignedIn(http)) : null,
                history = HistoryEndpoints.StatusOf(services),
                verdict = Verdict(services, SignedIn(http)),
            }))
            .AllowAnonymous();
        return app;
    }

    private static bool SignedIn(HttpContext http) => http.User.Identity?.IsAuthenticated == true;

    /// <summary>
    /// The system verdict (issue 18 item 3): roll-up status and every component with its rule. Anonymous callers see the
    /// roll-up status and the dashboard's own parts only (model and application names come from telemetry).
    /// </summary>
    private static object? Verdict(IServiceProvider services, bool signedIn)
    {
        if (Conciergus.Dashboard.Components.Health.SystemHealthProbe.Evaluate(services) is not { } report)
        {
            return null;
        }

        return new
        {
            status = Conciergus.Core.Health.SystemHealthEvaluator.Name(report.Status),
            rule = signedIn ? report.Rule : null,
            components = report.Components
                .Where(c => signedIn || c.Kind == Conciergus.Core.Health.HealthComponentKind.Dashboard)
                .Select(c => new { name = c.Name, kind = c.Kind.ToString().ToLowerInvariant(), status = Conciergus.Core.Health.SystemHealthEvaluator.Name(c.Status), rule = c.Rule }),
        };
    }
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
