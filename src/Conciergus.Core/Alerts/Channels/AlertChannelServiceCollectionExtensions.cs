using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>Registers the Slack, Teams, e-mail, log and open-circuit alert channels.</summary>
public static class AlertChannelServiceCollectionExtensions
{
    /// <summary>Named HttpClient the webhook channels post with.</summary>
    public const string HttpClientName = "Conciergus.Alerts.Channels";

    /// <summary>
    /// Adds the channels as <see cref="IAlertChannel"/>s (TryAddEnumerable) and binds <see cref="EmailChannelOptions"/>
    /// from "Conciergus:Alerts:Email". The open_circuit channel needs AddConciergusResilience.
    /// </summary>
    public static IServiceCollection AddConciergusAlertChannels(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<EmailChannelOptions>().Bind(configuration.GetSection(EmailChannelOptions.SectionName));
        services.AddHttpClient(HttpClientName, client => client.Timeout = TimeSpan.FromSeconds(10)).AddReceiverGuard();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, SlackAlertChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, TeamsAlertChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, EmailAlertChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, LogAlertChannel>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertChannel, OpenCircuitAlertChannel>());
        return services;
    }
}
