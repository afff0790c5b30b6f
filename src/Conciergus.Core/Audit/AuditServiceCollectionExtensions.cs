using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>Registers the audit trail, data-subject requests and content redaction.</summary>
public static class AuditServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="AuditLog"/> (also as <see cref="IAuditLog"/>), its key, checkpoint file and hosted service,
    /// <see cref="AuditRecorder"/>, <see cref="SubjectRequests"/> with the ledger, recent-errors and audit subject stores,
    /// and <see cref="ContentCapturePolicy"/> with <see cref="ContentRedactor"/> registered for "Conciergus:Content".
    /// Needs the storage, time-series and errors features.
    /// </summary>
    public static IServiceCollection AddConciergusAudit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.AddOptions<PrivacyOptions>().Bind(configuration.GetSection(PrivacyOptions.SectionName));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AuditKey>();
        services.TryAddSingleton<AuditCheckpointFile>();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<IAuditLog>(sp => sp.GetRequiredService<AuditLog>());
        services.TryAddSingleton<AuditRecorder>();
        services.TryAddSingleton<SubjectPseudonymizer>();
        services.TryAddSingleton<SubjectRequests>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, AuditSubjectStore>());
        services.TryAddSingleton<AuditHostedService>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditHostedService>());

        services.AddRedaction(builder => builder.SetRedactor<ContentRedactor>(new DataClassificationSet(ConciergusClassifications.Content)));
        services.TryAddSingleton<ContentCapturePolicy>();
        return services;
    }
}
