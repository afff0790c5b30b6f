using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Core.Errors;

/// <summary>Registers error categorisation and the recent-errors ring.</summary>
public static class ErrorsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IErrorCategorizer"/> (the rule-table categorizer) and <see cref="RecentErrors"/>.</summary>
    public static IServiceCollection AddConciergusErrors(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IErrorCategorizer, ErrorCategorizer>();
        services.TryAddSingleton<RecentErrors>();
        return services;
    }
}
