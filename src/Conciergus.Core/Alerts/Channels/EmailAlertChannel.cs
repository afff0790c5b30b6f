using System.Globalization;
using System.Net;
using System.Net.Mail;
using System.Net.Mime;
using System.Text;

using Microsoft.Extensions.Options;

namespace Conciergus.Core.Alerts.Channels;

/// <summary>SMTP defaults for e-mail receivers ("Conciergus:Alerts:Email"); a receiver's Settings override each.</summary>
public sealed class EmailChannelOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Alerts:Email";

    /// <summary>SMTP host (Settings "host").</summary>
    public string? Host { get; set; }

    /// <summary>SMTP port (Settings "port"); 587 with STARTTLS, 25 without.</summary>
    public int Port { get; set; } = 587;

    /// <summary>"starttls" (default) or "none" (Settings "tls"). Implicit TLS (port 465) is not supported by System.Net.Mail.</summary>
    public string Tls { get; set; } = "starttls";

    /// <summary>User name (Settings "username"); no authentication when empty.</summary>
    public string? Username { get; set; }

    /// <summary>Password (Settings "password"); keep it here or in an environment variable rather than in a receiver.</summary>
    public string? Password { get; set; }

    /// <summary>Sender address (Settings "from").</summary>
    public string From { get; set; } = "conciergus@localhost";
}

/// <summary>
/// Sends an e-mail over SMTP: recipients from the receiver Url ("mailto:a@x.org,b@x.org" or a plain list) or
/// Settings "to"; subject is the notification title; the body is multipart/alternative with plain text and HTML.
/// </summary>
public sealed class EmailAlertChannel(IOptions<EmailChannelOptions> options) : IAlertChannel
{
    /// <inheritdoc />
    public string Kind => AlertChannelKinds.Email;

    /// <inheritdoc />
    public async Task<AlertChannelResult> SendAsync(AlertReceiver receiver, AlertNotification notification, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(notification);
        var settings = Resolve(receiver, options.Value);
        if (settings.Error is { } error)
        {
            return new AlertChannelResult(false, Error: error);
        }

        using var message = BuildMessage(notification, settings.From, settings.To);
        using var smtp = new SmtpClient(settings.Host, settings.Port)
        {
            EnableSsl = settings.StartTls,
            DeliveryMethod = SmtpDeliveryMethod.Network,
            UseDefaultCredentials = false,
            Credentials = settings.Username is { Length: > 0 } user ? new NetworkCredential(user, settings.Password) : null,
        };
        try
        {
            await smtp.SendMailAsync(message, cancellationToken).ConfigureAwait(false);
            return new AlertChannelResult(true);
        }
        catch (SmtpException e)
        {
            return new AlertChannelResult(false, Error: $"SMTP {(int)e.StatusCode}: {e.Message}");
        }
    }

    /// <summary>The message (public for tests): plain text and HTML alternatives, both UTF-8, base64.</summary>
    public static MailMessage BuildMessage(AlertNotification notification, string from, IReadOnlyList<string> to)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(to);
        var message = new MailMessage { From = new MailAddress(from), Subject = AlertText.Title(notification), SubjectEncoding = Encoding.UTF8 };
        foreach (var address in to)
        {
            message.To.Add(address);
        }

        var text = AlternateView.CreateAlternateViewFromString(PlainText(notification), Encoding.UTF8, MediaTypeNames.Text.Plain);
        text.TransferEncoding = TransferEncoding.Base64;
        var html = AlternateView.CreateAlternateViewFromString(Html(notification), Encoding.UTF8, MediaTypeNames.Text.Html);
        html.TransferEncoding = TransferEncoding.Base64;
        message.AlternateViews.Add(text);
        message.AlternateViews.Add(html);
        return message;
    }

    /// <summary>The plain-text body.</summary>
    public static string PlainText(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        var b = new StringBuilder().AppendLine(AlertText.Title(notification)).AppendLine();
        foreach (var alert in notification.Alerts)
        {
            b.Append("* ").Append(AlertText.Summary(alert)).Append(" [").Append(alert.Status).AppendLine("]");
            if (alert.Annotations.GetValueOrDefault("description") is { Length: > 0 } description)
            {
                b.Append("  ").AppendLine(description);
            }

            b.Append("  started: ").AppendLine(AlertText.Time(alert.StartsAt));
            foreach (var (name, value) in AlertText.DetailLabels(alert.Labels))
            {
                b.Append("  ").Append(name).Append(": ").AppendLine(value);
            }

            b.AppendLine();
        }

        if (AlertText.Link(notification) is { } link)
        {
            b.Append("Open in Conciergus: ").AppendLine(link);
        }

        return b.ToString();
    }

    /// <summary>The HTML body (everything encoded).</summary>
    public static string Html(AlertNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        static string E(string s) => WebUtility.HtmlEncode(s);
        var colour = AlertText.HexColour(notification);
        var b = new StringBuilder("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">");
        b.Append(CultureInfo.InvariantCulture, $"<h2 style=\"border-left:6px solid {colour};padding-left:8px\">{E(AlertText.Title(notification))}</h2>");
        foreach (var alert in notification.Alerts)
        {
            b.Append(CultureInfo.InvariantCulture, $"<h3>{E(AlertText.Summary(alert))} <small>[{E(alert.Status)}]</small></h3>");
            if (alert.Annotations.GetValueOrDefault("description") is { Length: > 0 } description)
            {
                b.Append(CultureInfo.InvariantCulture, $"<p>{E(description)}</p>");
            }

            b.Append("<table cellpadding=\"4\">");
            b.Append(CultureInfo.InvariantCulture, $"<tr><th align=\"left\">started</th><td>{E(AlertText.Time(alert.StartsAt))}</td></tr>");
            foreach (var (name, value) in AlertText.DetailLabels(alert.Labels))
            {
                b.Append(CultureInfo.InvariantCulture, $"<tr><th align=\"left\">{E(name)}</th><td>{E(value)}</td></tr>");
            }

            b.Append("</table>");
        }

        if (AlertText.Link(notification) is { } link)
        {
            b.Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(link)}\">Open in Conciergus</a></p>");
        }

        return b.Append("</body></html>").ToString();
    }

    private static SmtpSettings Resolve(AlertReceiver receiver, EmailChannelOptions defaults)
    {
        var s = receiver.Settings;
        var host = s.GetValueOrDefault("host") ?? defaults.Host;
        var port = s.TryGetValue("port", out var p) && int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) ? parsed : defaults.Port;
        var tls = (s.GetValueOrDefault("tls") ?? defaults.Tls).Trim().ToLowerInvariant();
        var recipients = (s.GetValueOrDefault("to") ?? receiver.Url).Replace("mailto:", string.Empty, StringComparison.OrdinalIgnoreCase)
            .Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var error = host is not { Length: > 0 } ? "No SMTP host: set Settings \"host\" or Conciergus:Alerts:Email:Host."
            : port is < 1 or > 65535 ? $"SMTP port {port} is out of range."
            : tls is not ("starttls" or "none") ? $"tls must be \"starttls\" or \"none\" (was \"{tls}\"); implicit TLS (465) is not supported."
            : recipients.Length == 0 ? "No recipients: set the receiver URL to mailto:someone@example.org."
            : null;
        return new SmtpSettings(
            host ?? string.Empty,
            port,
            tls == "starttls",
            s.GetValueOrDefault("username") ?? defaults.Username,
            s.GetValueOrDefault("password") ?? defaults.Password,
            s.GetValueOrDefault("from") ?? defaults.From,
            recipients,
            error);
    }

    private sealed record SmtpSettings(string Host, int Port, bool StartTls, string? Username, string? Password, string From, string[] To, string? Error);
}
