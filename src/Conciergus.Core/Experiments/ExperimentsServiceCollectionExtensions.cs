using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Experiments;

/// <summary>Registers experiments.</summary>
public static class ExperimentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ExperimentService"/>, the outcome sink, the chat interceptor, the subject data store and the
    /// tally persistence. Needs storage; uses an <see cref="IAuditLog"/> when one is registered.
    /// </summary>
    public static IServiceCollection AddConciergusExperiments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ExperimentOptions>().Bind(configuration.GetSection(ExperimentOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ExperimentOptions>, ExperimentOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ExperimentOutcomes(sp.GetRequiredService<IOptions<ExperimentOptions>>().Value.MaxUsersPerExperiment));
        services.TryAddSingleton<ExperimentService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAiOperationSink, ExperimentOutcomes>(sp => sp.GetRequiredService<ExperimentOutcomes>()));
        services.TryAddSingleton<IChatRequestInterceptor, ExperimentInterceptor>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, ExperimentSubjectDataStore>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ExperimentPersistenceService>());
        return services;
    }
}
