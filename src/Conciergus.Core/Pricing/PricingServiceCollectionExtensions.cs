using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Pricing;

/// <summary>Registers the price catalog and the cost calculator.</summary>
public static class PricingServiceCollectionExtensions
{
    /// <summary>Adds pricing: options from "Conciergus:Pricing" (validated at start), <see cref="PriceCatalog"/> and <see cref="ICostCalculator"/>.</summary>
    public static IServiceCollection AddConciergusPricing(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<PricingOptions>()
            .Bind(configuration.GetSection(PricingOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>());
        services.TryAddSingleton<PriceCatalog>();
        services.TryAddSingleton<ICostCalculator, CostCalculator>();
        return services;
    }
}
