using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Conciergus.Core.Alerts;

/// <summary>The Alertmanager v4 webhook body (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), field by field.</summary>
public static class AlertmanagerPayload
{
    /// <summary>Go's zero time as Alertmanager sends it for an open alert's endsAt.</summary>
    public const string ZeroTime = "0001-01-01T00:00:00Z";

    /// <summary>UTF-8 JSON of one notification.</summary>
    public static byte[] Serialize(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", notification.Version);
            w.WriteString("groupKey", notification.GroupKey);
            w.WriteNumber("truncatedAlerts", 0);
            w.WriteString("status", notification.Status);
            w.WriteString("receiver", notification.Receiver);
            Map(w, "groupLabels", notification.GroupLabels);
            Map(w, "commonLabels", notification.CommonLabels);
            Map(w, "commonAnnotations", notification.CommonAnnotations);
            w.WriteString("externalURL", notification.ExternalUrl);
            w.WriteStartArray("alerts");
            foreach (var a in notification.Alerts)
            {
                w.WriteStartObject();
                w.WriteString("status", a.Status);
                Map(w, "labels", a.Labels);
                Map(w, "annotations", a.Annotations);
                w.WriteString("startsAt", Time(a.StartsAt));
                w.WriteString("endsAt", a.EndsAt is { } end ? Time(end) : ZeroTime);
                w.WriteString("generatorURL", a.GeneratorUrl);
                w.WriteString("fingerprint", a.Fingerprint);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>The JSON as text.</summary>
    public static string ToJson(AlertNotification notification) => Encoding.UTF8.GetString(Serialize(notification));

    /// <summary>RFC 3339 in UTC with the fraction trimmed, like Go's time.RFC3339Nano ("2026-11-27T12:00:30Z", "...30.5Z").</summary>
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    private static void Map(Utf8JsonWriter w, string name, IReadOnlyDictionary<string, string> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            w.WriteString(k, v);
        }

        w.WriteEndObject();
    }
}
