using System.Text;
using System.Text.RegularExpressions;

using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;

namespace Conciergus.Dashboard.Tests.Alerts.Channels;

public sealed partial class EmailAlertChannelTests
{
    [Fact]
    public async Task Send_ToLocalSmtpSink_DeliversPlainTextAndHtmlAlternativesWithCredentials()
    {
        using var sink = new SmtpSink();
        var channel = new EmailAlertChannel(Microsoft.Extensions.Options.Options.Create(new EmailChannelOptions { Password = "s3cret" }));
        var receiver = new AlertReceiver
        {
            Name = "oncall-mail",
            Kind = "email",
            Url = "mailto:oncall@example.org,lead@example.org",
            Settings = new Dictionary<string, string>
            {
                ["host"] = "127.0.0.1",
                ["port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["tls"] = "none",
                ["username"] = "alerts",
                ["from"] = "conciergus@example.org",
            },
        };

        var result = await channel.SendAsync(receiver, Notifications.Of(Notifications.Alert()), CancellationToken.None);
        await sink.Completion.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(result.Succeeded, result.Error);
        Assert.Equal("conciergus@example.org", sink.MailFrom);
        Assert.Equal(["oncall@example.org", "lead@example.org"], sink.Recipients);
        Assert.Equal(("alerts", "s3cret"), (sink.Username, sink.Password));
        var message = sink.Message!;
        Assert.Equal("[FIRING:1] HighErrorRate (critical)", DecodeHeader(Header(message, "Subject")));
        Assert.Matches("multipart/alternative", Header(message, "Content-Type"));

        var parts = Parts(message);
        var text = parts["text/plain"];
        Assert.Contains("[FIRING:1] HighErrorRate (critical)", text, StringComparison.Ordinal);
        Assert.Contains("* Error rate of gpt-4o above 20% [firing]", text, StringComparison.Ordinal);
        Assert.Contains("  model: gpt-4o", text, StringComparison.Ordinal);
        Assert.Contains("Open in Conciergus: https://conciergus.example/alerts", text, StringComparison.Ordinal);
        var html = parts["text/html"];
        Assert.Contains("<h2 style=\"border-left:6px solid #D0021B;padding-left:8px\">[FIRING:1] HighErrorRate (critical)</h2>", html, StringComparison.Ordinal);
        Assert.Contains("<th align=\"left\">model</th><td>gpt-4o</td>", html, StringComparison.Ordinal);
        Assert.Contains("42% of calls failed in the last 5m &lt;b&gt;", html, StringComparison.Ordinal); // encoded, never raw markup
        Assert.Contains("<a href=\"https://conciergus.example/alerts\">Open in Conciergus</a>", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "No SMTP host")]
    [InlineData("ssl", "implicit TLS")]
    public async Task Send_BadSettings_FailsWithAMessageAndSendsNothing(string? tls, string expected)
    {
        var channel = new EmailAlertChannel(Microsoft.Extensions.Options.Options.Create(new EmailChannelOptions()));
        var settings = new Dictionary<string, string>();
        if (tls is not null)
        {
            settings["host"] = "127.0.0.1";
            settings["tls"] = tls;
        }

        var result = await channel.SendAsync(new AlertReceiver { Name = "m", Kind = "email", Url = "mailto:a@example.org", Settings = settings }, Notifications.Of(Notifications.Alert()), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    private static string Header(string message, string name)
    {
        var head = message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var unfolded = Regex.Replace(head, "\r\n[ \t]+", " ");
        return unfolded.Split("\r\n").First(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))[(name.Length + 1)..].Trim();
    }

    private static string DecodeHeader(string value) =>
        EncodedWord().Replace(value, m => Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))).Replace("?= =?", "", StringComparison.Ordinal);

    /// <summary>content type -> decoded body of each part of the multipart body.</summary>
    internal static Dictionary<string, string> Parts(string message)
    {
        var boundary = Regex.Match(Header(message, "Content-Type"), "boundary=\"?([^\";]+)\"?").Groups[1].Value;
        var parts = new Dictionary<string, string>();
        foreach (var part in message.Split("--" + boundary).Skip(1))
        {
            var split = part.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (split < 0 || part.StartsWith("--", StringComparison.Ordinal)) // the closing delimiter
            {
                continue;
            }

            var headers = part[..split];
            var type = Regex.Match(headers, @"Content-Type:\s*([^;\r\n]+)", RegexOptions.IgnoreCase).Groups[1].Value.Trim();
            Assert.Matches("(?i)Content-Transfer-Encoding:\\s*base64", headers);
            parts[type] = Encoding.UTF8.GetString(Convert.FromBase64String(part[split..].Replace("\r\n", "", StringComparison.Ordinal)));
        }

        return parts;
    }

    [GeneratedRegex(@"=\?utf-8\?B\?([^?]*)\?=", RegexOptions.IgnoreCase)]
    private static partial Regex EncodedWord();
}
