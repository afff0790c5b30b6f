using System.Globalization;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>Wording and links shared by the human-facing channels (Slack, Teams, e-mail).</summary>
internal static class AlertText
{
    /// <summary>Labels shown as the alert's own, not as fields.</summary>
    private static readonly HashSet<string> Headline = new(StringComparer.Ordinal) { "alertname", "severity" };

    public static string SeverityName(AlertSeverity severity) => severity.ToString().ToLowerInvariant();

    public static bool IsResolved(AlertNotification n) => string.Equals(n.Status, "resolved", StringComparison.OrdinalIgnoreCase);

    /// <summary>"[FIRING:2] HighErrorRate (critical)", Alertmanager's default title shape.</summary>
    public static string Title(AlertNotification n)
    {
        var firing = n.Alerts.Count(a => a.Status.Equals("firing", StringComparison.OrdinalIgnoreCase));
        var name = n.CommonLabels.TryGetValue("alertname", out var a) ? a
            : n.GroupLabels.TryGetValue("alertname", out var g) ? g
            : n.Alerts.Count > 0 ? n.Alerts[0].Labels.GetValueOrDefault("alertname") ?? "alert" : "alert";
        var status = IsResolved(n) ? "RESOLVED" : $"FIRING:{firing}";
        return $"[{status}] {name} ({SeverityName(n.Severity)})";
    }

    /// <summary>summary, else description, else the alert's name.</summary>
    public static string Summary(AlertNotificationItem alert) =>
        alert.Annotations.GetValueOrDefault("summary")
        ?? alert.Annotations.GetValueOrDefault("description")
        ?? alert.Labels.GetValueOrDefault("alertname")
        ?? "alert";

    /// <summary>Labels other than alertname and severity, sorted.</summary>
    public static IEnumerable<KeyValuePair<string, string>> DetailLabels(IReadOnlyDictionary<string, string> labels) =>
        labels.Where(l => !Headline.Contains(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal);

    /// <summary>The dashboard's alerts page, else the first generator URL.</summary>
    public static string? Link(AlertNotification n) =>
        n.ExternalUrl is { Length: > 0 } url ? url.TrimEnd('/') + "/alerts"
        : n.Alerts.Select(a => a.GeneratorUrl).FirstOrDefault(u => u is { Length: > 0 });

    /// <summary>Slack and Teams colour of the notification: green when resolved, by severity otherwise.</summary>
    public static string HexColour(AlertNotification n) => IsResolved(n) ? "#2EB67D" : n.Severity switch
    {
        AlertSeverity.Critical => "#D0021B",
        AlertSeverity.High => "#F5A623",
        AlertSeverity.Medium => "#F8E71C",
        _ => "#439FE0",
    };

    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
