using Conciergus.Core.Audit;

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Core.Errors;

/// <summary>Registers error categorisation and the recent-errors ring.</summary>
public static class ErrorsServiceCollectionExtensions
{
    /// <summary>Adds <see cref="IErrorCategorizer"/> (the rule-table categorizer), <see cref="RecentErrors"/> and its data-subject adapter.</summary>
    public static IServiceCollection AddConciergusErrors(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IErrorCategorizer, ErrorCategorizer>();
        services.TryAddSingleton<RecentErrors>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISubjectDataStore, RecentErrorsSubjectStore>());
        return services;
    }
}
