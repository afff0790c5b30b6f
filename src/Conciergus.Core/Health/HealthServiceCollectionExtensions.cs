using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Health;

/// <summary>Registers per-model health.</summary>
public static class HealthServiceCollectionExtensions
{
    /// <summary>Adds <see cref="ModelHealthClassifier"/> (Conciergus:Health:Models) and <see cref="SystemHealthEvaluator"/> (Conciergus:Health:System), options validated at start.</summary>
    public static IServiceCollection AddConciergusModelHealth(this IServiceCollection services)
    {
        services.AddOptions<ModelHealthOptions>().BindConfiguration(ModelHealthOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ModelHealthOptions>, ModelHealthOptionsValidator>());
        services.TryAddSingleton(sp => new ModelHealthClassifier(sp.GetRequiredService<IOptions<ModelHealthOptions>>().Value));
        services.AddOptions<SystemHealthOptions>().BindConfiguration(SystemHealthOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SystemHealthOptions>, SystemHealthOptionsValidator>());
        services.TryAddSingleton(sp => new SystemHealthEvaluator(sp.GetRequiredService<IOptions<SystemHealthOptions>>().Value, sp.GetRequiredService<ModelHealthClassifier>()));
        return services;
    }

    private sealed class ModelHealthOptionsValidator : IValidateOptions<ModelHealthOptions>
    {
        public ValidateOptionsResult Validate(string? name, ModelHealthOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }

    private sealed class SystemHealthOptionsValidator : IValidateOptions<SystemHealthOptions>
    {
        public ValidateOptionsResult Validate(string? name, SystemHealthOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
