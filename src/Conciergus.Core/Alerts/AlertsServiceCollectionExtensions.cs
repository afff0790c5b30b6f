using Conciergus.Core.Collector;
using Conciergus.Core.Experiments;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;

using Polly;

namespace Conciergus.Core.Alerts;

/// <summary>Registers alerting.</summary>
public static class AlertsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AlertService"/> (also as <see cref="IAlertService"/> and the narrow <see cref="IAlertRules"/>,
    /// <see cref="IAlertInstances"/>, <see cref="IAlertSilences"/>), its <see cref="AlertReceiverService"/> (also as
    /// <see cref="IAlertReceivers"/>) and <see cref="AlertNotifier"/>, the <see cref="AlertEvaluator"/> hosted
    /// service, the built-in "webhook" <see cref="IAlertChannel"/> with its <see cref="IHttpClientFactory"/> client, and
    /// binds <see cref="AlertsOptions"/> from <c>Conciergus:Alerts</c> (validated at start). Needs storage and the
    /// time-series cache; the collector, OTLP stats, experiments and the audit log are used when registered.
    /// </summary>
    public static IServiceCollection AddConciergusAlerts(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AlertsOptions>().Bind(configuration.GetSection(AlertsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertsOptions>, AlertsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(WebhookAlertChannel.HttpClientName)
            .AddReceiverGuard()
            .AddResilienceHandler("alert-webhook", (pipeline, context) =>
            {
                // Retries are the service's (the same for every channel); here only the per-attempt time limit, on the app's clock.
                var options = context.ServiceProvider.GetRequiredService<IOptions<AlertsOptions>>().Value;
                pipeline.TimeProvider = context.ServiceProvider.GetRequiredService<TimeProvider>();
                pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = options.DeliveryTimeout });
            });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, WebhookAlertChannel>());

        services.TryAddSingleton(sp =>
        {
            var collector = sp.GetService<AiOperationCollector>();
            var otlp = sp.GetService<OtlpIngestionStats>();
            var experiments = sp.GetService<ExperimentService>();
            var compliance = sp.GetService<Compliance.ComplianceViolations>();
            return new AlertDataSources
            {
                Cache = sp.GetRequiredService<TimeSeriesCache>(),
                Ledger = sp.GetRequiredService<UserCostLedger>(),
                AppMetrics = sp.GetService<AppMetrics.OtelMetricStore>(),
                IngestionDropCount = () =>
                {
                    long drops = 0;
                    if (collector?.Stats is { } stats)
                    {
                        drops += stats.Dropped + stats.TooOld;
                    }

                    if (otlp?.Snapshot() is { } snapshot)
                    {
                        drops += snapshot.RejectedSpans + snapshot.FailedRequests;
                    }

                    return drops;
                },
                ExperimentSrm = () => experiments is null
                    ? []
                    : [.. experiments.Running.Select(e => (e.Key, P: experiments.GetResults(e.Key).Srm.PValue)).Where(e => e.P is not null).Select(e => (e.Key, e.P!.Value))],
                Compliance = compliance is null ? static (_, _, _) => null : ComplianceSource(compliance),
            };
        });
        services.TryAddSingleton<AlertService>();
        services.TryAddSingleton<IAlertService>(sp => sp.GetRequiredService<AlertService>());
        services.TryAddSingleton<IAlertRules>(sp => sp.GetRequiredService<AlertService>());
        services.TryAddSingleton<IAlertInstances>(sp => sp.GetRequiredService<AlertService>());
        services.TryAddSingleton<IAlertSilences>(sp => sp.GetRequiredService<AlertService>());
        services.TryAddSingleton(sp => sp.GetRequiredService<AlertService>().ReceiverRegistry);
        services.TryAddSingleton<IAlertReceivers>(sp => sp.GetRequiredService<AlertReceiverService>());
        services.TryAddSingleton(sp => sp.GetRequiredService<AlertService>().Notifier);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AlertEvaluator>());
        return services;
    }

    /// <summary>The compliance_* metrics as read from the compliance feature's violations (one metric per violation kind).</summary>
    internal static Func<AlertMetric, TimeSpan, DateTimeOffset, double?> ComplianceSource(Compliance.ComplianceViolations violations) =>
        (metric, window, at) => violations.Value(ComplianceKind(metric), window, at);

    private static Compliance.ComplianceViolationKind ComplianceKind(AlertMetric metric) => metric switch
    {
        AlertMetric.ComplianceOverdueRequests => Compliance.ComplianceViolationKind.OverdueRequests,
        AlertMetric.ComplianceChainFailures => Compliance.ComplianceViolationKind.ChainFailures,
        AlertMetric.ComplianceRetentionOverdue => Compliance.ComplianceViolationKind.RetentionOverdue,
        AlertMetric.ComplianceConsentMissing => Compliance.ComplianceViolationKind.ConsentMissing,
        _ => Compliance.ComplianceViolationKind.ContentCaptured,
    };
}
