using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Logs;

/// <summary>Registers the log store.</summary>
public static class LogsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="LogStore"/> (one singleton) as <see cref="ILogSink"/>, <see cref="IAiOperationSink"/> (to know
    /// AI spans) and <see cref="ISubjectDataStore"/>, and binds and validates <see cref="LogOptions"/> from
    /// <c>Conciergus:Logs</c> at start. Needs the audit feature's <see cref="ContentCapturePolicy"/> and the errors feature.
    /// </summary>
    public static IServiceCollection AddConciergusLogs(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LogOptions>()
            .Bind(configuration.GetSection(LogOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LogOptions>, LogOptionsValidator>());
        services.TryAddSingleton<LogStore>();
        services.TryAddSingleton<ILogSink>(sp => sp.GetRequiredService<LogStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, LogStore>(sp => sp.GetRequiredService<LogStore>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, LogStore>(sp => sp.GetRequiredService<LogStore>()));
        return services;
    }
}
