using System.Net.Http.Headers;

namespace Conciergus.Core.Alerts;

/// <summary>Kind "webhook": POSTs the Alertmanager v4 JSON payload, so existing Alertmanager receivers work unchanged.</summary>
public sealed class WebhookAlertChannel : IAlertChannel
{
    /// <summary>Name of the <see cref="IHttpClientFactory"/> client (with a per-attempt timeout from the resilience handler).</summary>
    public const string HttpClientName = "Conciergus.Alerts.Webhook";

    private readonly IHttpClientFactory _httpClients;

    /// <summary>Creates the channel.</summary>
    public WebhookAlertChannel(IHttpClientFactory httpClients)
    {
        _httpClients = httpClients;
    }

    /// <inheritdoc />
    public string Kind => AlertService.WebhookKind;

    /// <inheritdoc />
    public async Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        using var content = new ByteArrayContent(AlertmanagerPayload.Serialize(notification));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var client = _httpClients.CreateClient(HttpClientName);
        using var response = await client.PostAsync(new Uri(receiver.Url), content, cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        return response.IsSuccessStatusCode
            ? new AlertChannelResult(true, status)
            : new AlertChannelResult(false, status, AlertNotifier.DeliveryFailed(status)); // never the URL (a secret) nor the body (SSRF read-back)
    }
}
