using Conciergus.Core.Alerts;
using Conciergus.Core.Analytics;
using Conciergus.Core.AppMetrics;
using Conciergus.Core.Collector;
using Conciergus.Core.Health;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Operations;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Live;

namespace Conciergus.Dashboard.Components.Health;

/// <summary>
/// Gathers what the system verdict reads (ingestion counters, stores, alert evaluator, live publisher, models over the
/// window, applications) from whatever is registered, and asks <see cref="SystemHealthEvaluator"/>. Used by the Health
/// page and /healthz, so both show the same verdict.
/// </summary>
public static class SystemHealthProbe
{
    /// <summary>The verdict now, models and applications judged over <paramref name="window"/> (default: the evaluator's window); null when health is not registered.</summary>
    public static SystemHealthReport? Evaluate(IServiceProvider services, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<SystemHealthEvaluator>() is not { } evaluator || services.GetService<ModelHealthClassifier>() is not { } classifier)
        {
            return null;
        }

        var w = window ?? evaluator.Options.Window;
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();

        IngestionHealthInput? ingestion = null;
        if (services.GetService<AiOperationCollector>()?.Stats is { } stats)
        {
            var otlp = services.GetService<OtlpIngestionStats>()?.Snapshot();
            var lost = stats.Dropped + stats.TooOld + (otlp?.RejectedSpans ?? 0) + (otlp?.FailedRequests ?? 0);
            ingestion = new IngestionHealthInput(stats.Recorded + lost, lost);
        }

        var store = services.GetService<IOperationStore>()?.Status;
        var db = services.GetService<ConciergusDatabase>();
        var alerts = services.GetService<IAlertService>()?.Status;
        var publisher = services.GetService<LivePublisher>()?.Status;
        var models = services.GetService<AnalyticsService>() is { } analytics
            ? analytics.Models(w).Select(m => ($"{m.Provider}/{m.Model}", classifier.Classify(m.Stats.Requests, m.Stats.ErrorRate, m.Stats.LatencyMs.P95))).ToList()
            : [];
        var applications = services.GetService<ApplicationOverview>() is { } overview
            ? overview.Rows(w).Select(a => new ApplicationHealthInput(a.Name, a.Requests, a.ErrorRate, a.P95Ms, a.LastSeen,
                a.CpuInstrument == ApplicationOverview.CpuInstruments[0].Name ? a.CpuUtilization : null, a.QueueLength)).ToList()
            : [];
        return evaluator.Evaluate(new SystemHealthInputs
        {
            Now = now,
            Ingestion = ingestion,
            Store = store is null && db is null ? null : new StoreHealthInput(store?.State, store?.Reason, db?.IsAvailable),
            Evaluator = alerts is null ? null : new EvaluatorHealthInput(alerts.LastEvaluation, alerts.Interval, alerts.RuleErrors.Count),
            Publisher = publisher is null ? null : new PublisherHealthInput(publisher.Running, publisher.LastPublishedAt, publisher.LastError),
            Models = models,
            Applications = applications,
        });
    }
}
