using System.Text.Json;

using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;

namespace Conciergus.Dashboard.Tests.Alerts.Channels;

/// <summary>
/// Slack and Teams payloads, posted to a real loopback receiver and checked against the documented formats:
/// Slack "secondary attachments" (api.slack.com/reference/messaging/attachments: color, fallback, title,
/// title_link, text, fields {title, value, short}, footer, ts as epoch seconds); Teams incoming webhook message
/// {"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":AdaptiveCard}]}
/// (learn.microsoft.com, "Create incoming webhooks with Workflows for Microsoft Teams").
/// </summary>
public sealed class WebhookChannelTests
{
    [Fact]
    public async Task Slack_FiringCritical_PostsAttachmentsWithSeverityColourLabelsAndLinks()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var channel = new SlackAlertChannel(HttpClients.Factory());
        var notification = Notifications.Of(Notifications.Alert(fingerprint: "fp-1"), Notifications.Alert(model: "o4-mini", fingerprint: "fp-2"));

        var result = await channel.SendAsync(Receiver("slack", receiver, "/services/T000/B000/XXX"), notification, CancellationToken.None);

        Assert.Equal(new AlertChannelResult(true, 200), result);
        var (path, contentType, body) = Assert.Single(receiver.Requests);
        Assert.Equal("/services/T000/B000/XXX", path);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        Assert.Equal(["attachments", "text"], root.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("[FIRING:2] HighErrorRate (critical) <https://conciergus.example/alerts|Open in Conciergus>", root.GetProperty("text").GetString());
        var attachments = root.GetProperty("attachments").EnumerateArray().ToList();
        Assert.Equal(2, attachments.Count);
        var first = attachments[0];
        Assert.Equal("#D0021B", first.GetProperty("color").GetString());
        Assert.Equal("Error rate of gpt-4o above 20%", first.GetProperty("title").GetString());
        Assert.Equal("https://conciergus.example/alerts/fp-1", first.GetProperty("title_link").GetString());
        Assert.Equal("42% of calls failed in the last 5m <b>", first.GetProperty("text").GetString());
        Assert.StartsWith("[FIRING:2] HighErrorRate (critical): ", first.GetProperty("fallback").GetString(), StringComparison.Ordinal);
        Assert.Equal(Notifications.StartsAt.ToUnixTimeSeconds(), first.GetProperty("ts").GetInt64());
        Assert.Equal("Conciergus", first.GetProperty("footer").GetString());
        var fields = first.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("title").GetString(), f.GetProperty("value").GetString(), f.GetProperty("short").GetBoolean())).ToList();
        Assert.Contains(("Severity", "critical", true), fields);
        Assert.Contains(("model", "gpt-4o", true), fields);
        Assert.Contains(("provider", "openai", true), fields);
        Assert.DoesNotContain(fields, f => f.Item1 == "alertname");
        Assert.Equal("o4-mini", attachments[1].GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("title").GetString() == "model").GetProperty("value").GetString());
    }

    [Theory]
    [InlineData(AlertSeverity.High, "#F5A623")]
    [InlineData(AlertSeverity.Low, "#439FE0")]
    public void Slack_Severity_PicksTheColour(AlertSeverity severity, string colour)
    {
        var payload = SlackAlertChannel.BuildPayload(Notifications.Of(severity, Notifications.Alert(severity: severity.ToString().ToLowerInvariant())));

        Assert.Equal(colour, payload["attachments"]![0]!["color"]!.GetValue<string>());
    }

    [Fact]
    public async Task Slack_Resolved_IsGreenAndSaysResolved()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var channel = new SlackAlertChannel(HttpClients.Factory());

        await channel.SendAsync(Receiver("slack", receiver), Notifications.Of(Notifications.Alert(status: "resolved")), CancellationToken.None);

        using var json = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        Assert.StartsWith("[RESOLVED] HighErrorRate", json.RootElement.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.Equal("#2EB67D", json.RootElement.GetProperty("attachments")[0].GetProperty("color").GetString());
    }

    [Fact]
    public async Task Slack_ReceiverRejects_ReturnsFailedResultWithStatus()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        receiver.Status = 400;
        var channel = new SlackAlertChannel(HttpClients.Factory());

        var result = await channel.SendAsync(Receiver("slack", receiver), Notifications.Of(Notifications.Alert()), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Equal(400, result.HttpStatus);
        // The answer's body is not echoed (issue 15 item 4: a receiver must not read an internal service's answers back).
        Assert.Equal("delivery failed (status 400)", result.Error);
    }

    [Fact]
    public async Task Teams_Firing_PostsAnAdaptiveCardMessage()
    {
        await using var receiver = await LoopbackReceiver.StartAsync();
        var channel = new TeamsAlertChannel(HttpClients.Factory());

        var result = await channel.SendAsync(Receiver("teams", receiver, "/workflows/abc"), Notifications.Of(Notifications.Alert()), CancellationToken.None);

        Assert.True(result.Succeeded);
        using var json = JsonDocument.Parse(Assert.Single(receiver.Requests).Body);
        var root = json.RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        var attachment = Assert.Single(root.GetProperty("attachments").EnumerateArray().ToList());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentUrl").ValueKind);
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());
        var body = card.GetProperty("body").EnumerateArray().ToList();
        Assert.Equal(("TextBlock", "[FIRING:1] HighErrorRate (critical)", "Attention"),
            (body[0].GetProperty("type").GetString(), body[0].GetProperty("text").GetString(), body[0].GetProperty("color").GetString()));
        var facts = body.Single(b => b.GetProperty("type").GetString() == "FactSet").GetProperty("facts").EnumerateArray()
            .ToDictionary(f => f.GetProperty("title").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("gpt-4o", facts["model"]);
        Assert.Equal("critical", facts["Severity"]);
        Assert.Equal("2026-11-27 11:58:00 UTC", facts["Started"]);
        var action = Assert.Single(card.GetProperty("actions").EnumerateArray().ToList());
        Assert.Equal(("Action.OpenUrl", "https://conciergus.example/alerts"), (action.GetProperty("type").GetString(), action.GetProperty("url").GetString()));
    }

    [Fact]
    public void Teams_Resolved_TitleIsGood()
    {
        var payload = TeamsAlertChannel.BuildPayload(Notifications.Of(Notifications.Alert(status: "resolved")));

        Assert.Equal("Good", payload["attachments"]![0]!["content"]!["body"]![0]!["color"]!.GetValue<string>());
    }

    private static AlertReceiver Receiver(string kind, LoopbackReceiver receiver, string path = "/hook") =>
        new() { Name = "ops-" + kind, Kind = kind, Url = new Uri(receiver.BaseAddress, path).ToString() };
}
