using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Registers the compliance feature.</summary>
public static class ComplianceServiceCollectionExtensions
{
    /// <summary>
    /// Adds AI decision records (<see cref="DecisionLog"/> as an <see cref="IAiOperationSink"/>), the retention policy
    /// (also the audit log's <see cref="IAuditRetentionSource"/>) and its scheduled purge, consent (<see cref="IConsentLookup"/>
    /// for experiments, <see cref="ConsentOperationPreprocessor"/> for the collector), the data-subject request workflow,
    /// the subject stores "consent" and "decisions", and the report builder. Needs storage and audit.
    /// </summary>
    public static IServiceCollection AddConciergusCompliance(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ComplianceOptions>().Bind(configuration.GetSection(ComplianceOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ComplianceOptions>, ComplianceOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new RetentionArchive(sp.GetRequiredService<IOptions<ComplianceOptions>>().Value.ArchiveDirectory));
        services.TryAddSingleton<RetentionPolicyStore>();
        services.TryAddSingleton<IAuditRetentionSource>(sp => sp.GetRequiredService<RetentionPolicyStore>());
        services.TryAddSingleton<Operations.IOperationRetentionSource>(sp => sp.GetRequiredService<RetentionPolicyStore>());
        services.TryAddSingleton<DecisionSubjects>();
        services.TryAddSingleton<DecisionLog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, DecisionLog>(sp => sp.GetRequiredService<DecisionLog>()));
        services.TryAddSingleton<ConsentStore>();
        services.TryAddSingleton<IConsentLookup>(sp => sp.GetRequiredService<ConsentStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationPreprocessor, ConsentOperationPreprocessor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, ConsentStore>(sp => sp.GetRequiredService<ConsentStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, DecisionSubjectStore>());
        services.TryAddSingleton<SubjectRequestWorkflow>();
        services.TryAddSingleton<ComplianceRetention>();
        services.TryAddSingleton<ComplianceReportBuilder>();
        services.TryAddSingleton<ComplianceViolations>();
        services.TryAddSingleton<ComplianceHostedService>();

        // Backups: LiteDB, the checkpoint files and, when the operation store is on, its snapshot.
        services.TryAddSingleton(sp => new StorageBackup(
            sp.GetRequiredService<Storage.ConciergusDatabase>(), sp.GetRequiredService<Storage.DataDirectory>(), sp.GetRequiredService<Storage.BackupFolder>(),
            sp.GetRequiredService<AuditRecorder>(), sp.GetRequiredService<TimeProvider>(), OperationStoreBackup(sp)));
        services.AddHostedService(sp => sp.GetRequiredService<ComplianceHostedService>());
        return services;
    }

    private static Func<string, CancellationToken, Task<string?>>? OperationStoreBackup(IServiceProvider sp) =>
        sp.GetService<Operations.IOperationStore>() is { } store
            ? async (folder, ct) => store.Status.State is not Operations.OperationStoreState.Healthy ? null : await store.BackupAsync(folder, ct).ConfigureAwait(false)
            : null;
}
