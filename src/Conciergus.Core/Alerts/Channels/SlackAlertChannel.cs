using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>
/// Posts to a Slack incoming webhook (receiver Url): a title line and one secondary attachment per alert
/// (at most <see cref="MaxAttachments"/>) with the severity colour, summary, labels as short fields, a link
/// back to the dashboard (title_link) and the start time (ts), as in Slack's attachment reference.
/// </summary>
public sealed class SlackAlertChannel(IHttpClientFactory httpClientFactory) : IAlertChannel
{
    /// <summary>Slack recommends at most 20 attachments per message.</summary>
    public const int MaxAttachments = 20;

    /// <inheritdoc />
    public string Kind => AlertChannelKinds.Slack;

    /// <inheritdoc />
    public async Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var client = httpClientFactory.CreateClient(AlertChannelServiceCollectionExtensions.HttpClientName);
        using var response = await client.PostAsJsonAsync(receiver.Url, BuildPayload(notification, receiver), cancellationToken).ConfigureAwait(false);
        return await AlertHttp.ResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message body (public for tests and previews).</summary>
    public static JsonObject BuildPayload(AlertNotification notification, AlertReceiver? receiver = null)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var title = AlertText.Title(notification);
        var link = AlertText.Link(notification);
        var attachments = new JsonArray();
        foreach (var alert in notification.Alerts.Take(MaxAttachments))
        {
            var fields = new JsonArray
            {
                Field("Severity", alert.Labels.GetValueOrDefault("severity") ?? AlertText.SeverityName(notification.Severity)),
                Field("Status", alert.Status),
            };
            foreach (var (name, value) in AlertText.DetailLabels(alert.Labels))
            {
                fields.Add(Field(name, value));
            }

            var attachment = new JsonObject
            {
                ["fallback"] = $"{title}: {AlertText.Summary(alert)}",
                ["color"] = AlertText.HexColour(notification with { Status = alert.Status }),
                ["title"] = AlertText.Summary(alert),
                ["title_link"] = alert.GeneratorUrl is { Length: > 0 } generator ? generator : link,
                ["text"] = alert.Annotations.GetValueOrDefault("description") ?? string.Empty,
                ["fields"] = fields,
                ["footer"] = "Conciergus",
                ["ts"] = alert.StartsAt.ToUnixTimeSeconds(),
            };
            attachments.Add(attachment);
        }

        var text = link is null ? title : $"{title} <{link}|Open in Conciergus>";
        if (notification.Alerts.Count > MaxAttachments)
        {
            text += $" ({notification.Alerts.Count - MaxAttachments} more not shown)";
        }

        var payload = new JsonObject { ["text"] = text, ["attachments"] = attachments };
        if (receiver?.Settings.GetValueOrDefault("channel") is { Length: > 0 } channel)
        {
            payload["channel"] = channel;
        }

        return payload;
    }

    private static JsonObject Field(string title, string value) => new() { ["title"] = title, ["value"] = value, ["short"] = true };
}

/// <summary>Turns an HTTP response into a channel result.</summary>
internal static class AlertHttp
{
    public static Task<AlertChannelResult> ResultAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // The body is not echoed: a receiver aimed at an internal service must not read its answers back.
        _ = cancellationToken;
        var status = (int)response.StatusCode;
        return Task.FromResult(response.IsSuccessStatusCode ? new AlertChannelResult(true, status) : new AlertChannelResult(false, status, AlertNotifier.DeliveryFailed(status)));
    }
}
