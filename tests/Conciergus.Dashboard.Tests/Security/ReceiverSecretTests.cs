using System.Net;
using System.Text.Json;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Alerts.Channels;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 3: receiver URLs carry their credential in the path or query. A Viewer (or Operator) API key sees scheme
/// and host only; only an Admin sees the URL whole; delivery errors and log lines never carry the path.
/// </summary>
public sealed class ReceiverSecretTests : IAsyncLifetime
{
    private const string Secret = "SECRETXYZ0123";
    private const string SlackUrl = "https://hooks.slack.example/services/T000/B000/" + Secret;

    private readonly CollectingLoggerProvider _logs = new();
    private WebhookReceiver _receiver = null!;
    private ConciergusAppFactory _factory = null!;
    private string _hookUrl = "";
    private string _closedUrl = "";

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _hookUrl = new Uri(_receiver.Url, "/hook?token=" + Secret).ToString();

        // A port nothing listens on: bind, read the port, close.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        _closedUrl = $"http://127.0.0.1:{closedPort}/services/{Secret}";

        _factory = new ConciergusAppFactory(
            new Dictionary<string, string?>
            {
                ["Conciergus:Alerts:AllowedReceiverNetworks:0"] = "127.0.0.0/8",
                ["Conciergus:Alerts:DeliveryRetries"] = "0",
                ["Conciergus:Alerts:Receivers:0:Name"] = "slack",
                ["Conciergus:Alerts:Receivers:0:Kind"] = "slack",
                ["Conciergus:Alerts:Receivers:0:Url"] = SlackUrl,
                ["Conciergus:Alerts:Receivers:1:Name"] = "hook",
                ["Conciergus:Alerts:Receivers:1:Url"] = _hookUrl,
                ["Conciergus:Alerts:Receivers:2:Name"] = "closed",
                ["Conciergus:Alerts:Receivers:2:Url"] = _closedUrl,
            },
            configureServices: services => services.AddSingleton<ILoggerProvider>(_logs));
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Theory]
    [InlineData(ConciergusRole.Viewer)]
    [InlineData(ConciergusRole.Operator)]
    public async Task GetReceiver_NotAdmin_SeesSchemeAndHostOnly(ConciergusRole role)
    {
        using var client = _factory.CreateApiClient(role);

        var one = await (await client.GetAsync("/api/v1/receivers/slack")).JsonAsync();
        var list = await client.GetStringAsync("/api/v1/receivers");

        Assert.Equal("https://hooks.slack.example", one.GetProperty("url").GetString());
        Assert.DoesNotContain(Secret, list, StringComparison.Ordinal);
        Assert.DoesNotContain("/services/", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetReceiver_Admin_SeesTheWholeUrl()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var one = await (await admin.GetAsync("/api/v1/receivers/slack")).JsonAsync();

        Assert.Equal(SlackUrl, one.GetProperty("url").GetString());
    }

    [Fact]
    public async Task FailedDeliveries_ErrorsAndLogs_NeverCarryThePathOrQuery()
    {
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);
        using var viewer = _factory.CreateApiClient(ConciergusRole.Viewer);
        _receiver.Statuses.Enqueue(500);

        var answered = await (await admin.PostAsync("/api/v1/receivers/hook/test", null)).JsonAsync();
        var refused = await (await admin.PostAsync("/api/v1/receivers/closed/test", null)).JsonAsync();
        var deliveries = await viewer.GetStringAsync("/api/v1/alert-deliveries");

        Assert.Equal("delivery failed (status 500)", answered.GetProperty("error").GetString());
        Assert.Equal("could not connect", refused.GetProperty("error").GetString());
        Assert.Equal(2, JsonDocument.Parse(deliveries).RootElement.GetProperty("deliveries").GetArrayLength());
        Assert.DoesNotContain(Secret, deliveries, StringComparison.Ordinal);
        var lines = _logs.Entries.Select(e => e.Message + " " + string.Join(" ", e.State.Values)).ToList();
        Assert.Contains(lines, l => l.Contains("Notification to receiver hook (http://127.0.0.1)", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }
}
