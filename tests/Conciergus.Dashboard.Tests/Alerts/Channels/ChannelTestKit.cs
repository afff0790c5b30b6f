using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

using Conciergus.Core.Alerts;

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conciergus.Dashboard.Tests.Alerts.Channels;

/// <summary>Notifications shaped like the engine's (Alertmanager v4).</summary>
internal static class Notifications
{
    public static readonly DateTimeOffset StartsAt = new(2026, 11, 27, 11, 58, 0, TimeSpan.Zero);

    public static AlertNotificationItem Alert(string status = "firing", string model = "gpt-4o", string severity = "critical", string fingerprint = "fp-1", string? provider = "openai")
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { ["alertname"] = "HighErrorRate", ["severity"] = severity, ["model"] = model };
        if (provider is not null)
        {
            labels["provider"] = provider;
        }

        return new AlertNotificationItem(
            status,
            labels,
            new Dictionary<string, string> { ["summary"] = $"Error rate of {model} above 20%", ["description"] = "42% of calls failed in the last 5m <b>" },
            StartsAt,
            status == "resolved" ? StartsAt.AddMinutes(7) : null,
            $"https://conciergus.example/alerts/{fingerprint}",
            fingerprint);
    }

    public static AlertNotification Of(params AlertNotificationItem[] alerts) => Of(AlertSeverity.Critical, alerts);

    public static AlertNotification Of(AlertSeverity severity, params AlertNotificationItem[] alerts) => new()
    {
        GroupKey = "{}:{alertname=\"HighErrorRate\"}",
        Status = alerts.Any(a => a.Status == "firing") ? "firing" : "resolved",
        Receiver = "ops",
        GroupLabels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate" },
        CommonLabels = new Dictionary<string, string> { ["alertname"] = "HighErrorRate", ["severity"] = "critical" },
        CommonAnnotations = new Dictionary<string, string>(),
        ExternalUrl = "https://conciergus.example",
        Alerts = alerts,
        Severity = severity,
    };
}

/// <summary>A real HTTP receiver on 127.0.0.1 (Kestrel on a free port) that keeps every request body.</summary>
internal sealed class LoopbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<(string Path, string ContentType, string Body)> Requests { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Status the receiver answers with.</summary>
    public int Status { get; set; } = 200;

    public static async Task<LoopbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new LoopbackReceiver(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            receiver.Requests.Enqueue((context.Request.Path, context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
            context.Response.StatusCode = receiver.Status;
            await context.Response.WriteAsync(receiver.Status == 200 ? "ok" : "invalid_payload");
        });
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Urls.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Enough of an SMTP server (RFC 5321) on 127.0.0.1 for System.Net.Mail: EHLO with AUTH LOGIN, MAIL, RCPT, DATA
/// (dot-unstuffed), QUIT. Keeps one session's envelope, credentials and raw message.
/// </summary>
internal sealed class SmtpSink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _session;

    public SmtpSink()
    {
        _listener.Start();
        _session = Task.Run(ServeOneAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public string? MailFrom { get; private set; }

    public List<string> Recipients { get; } = [];

    public string? Username { get; private set; }

    public string? Password { get; private set; }

    public string? Message { get; private set; }

    public Task Completion => _session;

    public void Dispose() => _listener.Stop();

    private async Task ServeOneAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        using var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII);
        using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
        await writer.WriteLineAsync("220 sink.test ESMTP ready");
        while (await reader.ReadLineAsync() is { } line)
        {
            var verb = line.Split(' ', 2)[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await writer.WriteLineAsync("250-sink.test");
                    await writer.WriteLineAsync("250-AUTH LOGIN");
                    await writer.WriteLineAsync("250 8BITMIME");
                    break;
                case "HELO":
                    await writer.WriteLineAsync("250 sink.test");
                    break;
                case "AUTH":
                    var parts = line.Split(' ');
                    string user;
                    if (parts.Length > 2)
                    {
                        user = parts[2];
                    }
                    else
                    {
                        await writer.WriteLineAsync("334 VXNlcm5hbWU6");
                        user = await reader.ReadLineAsync() ?? "";
                    }

                    Username = Encoding.UTF8.GetString(Convert.FromBase64String(user));
                    await writer.WriteLineAsync("334 UGFzc3dvcmQ6");
                    Password = Encoding.UTF8.GetString(Convert.FromBase64String(await reader.ReadLineAsync() ?? ""));
                    await writer.WriteLineAsync("235 2.7.0 Authentication successful");
                    break;
                case "MAIL":
                    MailFrom = Regex.Match(line, "<([^>]*)>").Groups[1].Value;
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "RCPT":
                    Recipients.Add(Regex.Match(line, "<([^>]*)>").Groups[1].Value);
                    await writer.WriteLineAsync("250 OK");
                    break;
                case "DATA":
                    await writer.WriteLineAsync("354 End data with <CR><LF>.<CR><LF>");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine.StartsWith("..", StringComparison.Ordinal) ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    Message = data.ToString();
                    await writer.WriteLineAsync("250 OK queued");
                    break;
                case "QUIT":
                    await writer.WriteLineAsync("221 Bye");
                    return;
                default:
                    await writer.WriteLineAsync("250 OK");
                    break;
            }
        }
    }
}

/// <summary>Keeps log entries with their structured state.</summary>
internal sealed class CollectingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message, IReadOnlyDictionary<string, object?> State)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CollectingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
            owner.Entries.Enqueue((category, logLevel, formatter(state, exception), values.ToDictionary(kv => kv.Key, kv => kv.Value)));
        }
    }
}

/// <summary>An IHttpClientFactory from the real DI registration.</summary>
internal static class HttpClients
{
    public static IHttpClientFactory Factory() =>
        new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
}
