using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>
/// Posts to a Microsoft Teams incoming webhook (a Workflows "post to a channel when a webhook request is received"
/// URL): a message with one Adaptive Card (version 1.4): coloured title, one section per alert (at most
/// <see cref="MaxAlerts"/>) with its summary and labels as a FactSet, and an "Open in Conciergus" action.
/// </summary>
public sealed class TeamsAlertChannel(IHttpClientFactory httpClientFactory) : IAlertChannel
{
    /// <summary>Alerts shown in one card (cards are limited to about 28 KB).</summary>
    public const int MaxAlerts = 10;

    /// <inheritdoc />
    public string Kind => AlertChannelKinds.Teams;

    /// <inheritdoc />
    public async Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var client = httpClientFactory.CreateClient(AlertChannelServiceCollectionExtensions.HttpClientName);
        using var response = await client.PostAsJsonAsync(receiver.Url, BuildPayload(notification), cancellationToken).ConfigureAwait(false);
        return await AlertHttp.ResultAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message body (public for tests and previews).</summary>
    public static JsonObject BuildPayload(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var body = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "TextBlock",
                ["text"] = AlertText.Title(notification),
                ["weight"] = "Bolder",
                ["size"] = "Medium",
                ["color"] = AlertText.IsResolved(notification) ? "Good" : notification.Severity switch
                {
                    AlertSeverity.Critical => "Attention",
                    AlertSeverity.High or AlertSeverity.Medium => "Warning",
                    _ => "Accent",
                },
                ["wrap"] = true,
            },
        };
        foreach (var alert in notification.Alerts.Take(MaxAlerts))
        {
            var facts = new JsonArray
            {
                Fact("Status", alert.Status),
                Fact("Severity", alert.Labels.GetValueOrDefault("severity") ?? AlertText.SeverityName(notification.Severity)),
                Fact("Started", AlertText.Time(alert.StartsAt)),
            };
            foreach (var (name, value) in AlertText.DetailLabels(alert.Labels))
            {
                facts.Add(Fact(name, value));
            }

            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = AlertText.Summary(alert), ["wrap"] = true, ["separator"] = true, ["weight"] = "Bolder" });
            if (alert.Annotations.GetValueOrDefault("description") is { Length: > 0 } description)
            {
                body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = description, ["wrap"] = true, ["isSubtle"] = true });
            }

            body.Add(new JsonObject { ["type"] = "FactSet", ["facts"] = facts });
        }

        if (notification.Alerts.Count > MaxAlerts)
        {
            body.Add(new JsonObject { ["type"] = "TextBlock", ["text"] = $"{notification.Alerts.Count - MaxAlerts} more alerts not shown.", ["isSubtle"] = true });
        }

        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["body"] = body,
            ["msteams"] = new JsonObject { ["width"] = "Full" },
        };
        if (AlertText.Link(notification) is { } link)
        {
            card["actions"] = new JsonArray { new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in Conciergus", ["url"] = link } };
        }

        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray
            {
                new JsonObject { ["contentType"] = "application/vnd.microsoft.card.adaptive", ["contentUrl"] = null, ["content"] = card },
            },
        };
    }

    private static JsonObject Fact(string title, string value) => new() { ["title"] = title, ["value"] = value };
}
