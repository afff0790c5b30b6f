using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Conciergus.Core.Alerts;
using Conciergus.Core.Alerts.Channels;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Experiments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 4: receivers aimed at internal addresses. By default nothing loopback, link-local, private, multicast
/// or unspecified is reached (checked on the resolved address at connect time), redirects are not followed, and a test
/// delivery says only "delivery failed (status N)" or "could not connect".
/// </summary>
public sealed class ReceiverSsrfTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-tests", "ssrf-" + Guid.NewGuid().ToString("N"));
    private readonly List<ServiceProvider> _providers = [];
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var provider in _providers)
        {
            await provider.DisposeAsync();
        }

        await _receiver.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // left behind
        }
    }

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.8.9.10", "loopback")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "private")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd12:3456::1", "private")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::ffff:10.0.0.1", "private")]
    public void Refusal_InternalAddress_Refused(string address, string reason)
    {
        var guard = new ReceiverNetworkGuard([]);

        Assert.Equal(reason, guard.Refusal(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void Refusal_PublicAddress_Allowed(string address) =>
        Assert.Null(new ReceiverNetworkGuard([]).Refusal(IPAddress.Parse(address)));

    [Fact]
    public void Refusal_AllowedNetwork_OpensOnlyThatRange()
    {
        var guard = new ReceiverNetworkGuard(["10.20.0.0/16", "fd00:1::/32"]);

        Assert.Null(guard.Refusal(IPAddress.Parse("10.20.3.4")));
        Assert.Null(guard.Refusal(IPAddress.Parse("::ffff:10.20.3.4")));
        Assert.Null(guard.Refusal(IPAddress.Parse("fd00:1::5")));
        Assert.Equal("private", guard.Refusal(IPAddress.Parse("10.21.0.1")));
        Assert.Equal("loopback", guard.Refusal(IPAddress.Parse("127.0.0.1")));
    }

    [Theory]
    [InlineData("http://2130706433:{port}/hook")]      // decimal integer host = 127.0.0.1
    [InlineData("http://0x7f000001:{port}/hook")]      // hexadecimal
    [InlineData("http://0177.0.0.1:{port}/hook")]      // octal
    [InlineData("http://127.1:{port}/hook")]           // shortened
    [InlineData("http://[::ffff:127.0.0.1]:{port}/hook")]
    [InlineData("http://localhost:{port}/hook")]       // a name that resolves to loopback: checked after resolution
    [InlineData("http://127.0.0.1:{port}/hook")]
    public async Task TestDelivery_HostReachingLoopback_CouldNotConnectAndNothingSent(string template)
    {
        var url = template.Replace("{port}", _receiver.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        var service = Build(url, allowed: null);

        var result = await service.TestReceiverAsync("target", Actor.System);

        Assert.False(result.Succeeded);
        Assert.Equal(AlertNotifier.CouldNotConnect, result.Error);
        Assert.Empty(_receiver.All);
    }

    [Fact]
    public async Task TestDelivery_LoopbackAllowedByConfiguration_Delivered()
    {
        var service = Build(_receiver.Url.ToString(), allowed: "127.0.0.0/8");

        var result = await service.TestReceiverAsync("target", Actor.System);

        Assert.True(result.Succeeded, result.Error);
        Assert.Single(_receiver.All);
    }

    [Fact]
    public async Task SlackDelivery_InternalTarget_RefusedThroughTheChannelClientToo()
    {
        var service = Build(_receiver.Url.ToString(), allowed: null, kind: AlertChannelKinds.Slack);

        var result = await service.TestReceiverAsync("target", Actor.System);

        Assert.Equal(AlertNotifier.CouldNotConnect, result.Error);
        Assert.Empty(_receiver.All);
    }

    [Fact]
    public async Task TestDelivery_Redirect_NotFollowed()
    {
        // A receiver that answers 307 towards the real hook (another port): following it would deliver there.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var redirector = builder.Build();
        redirector.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = _receiver.Url.ToString();
            return Task.CompletedTask;
        });
        await redirector.StartAsync();
        var service = Build(redirector.Urls.First() + "/hook", allowed: "127.0.0.0/8");

        var result = await service.TestReceiverAsync("target", Actor.System);

        Assert.Equal("delivery failed (status 307)", result.Error);
        Assert.Empty(_receiver.All);
    }

    [Fact]
    public async Task TestDelivery_OpenAndClosedPorts_AnswersDoNotTellThemApart()
    {
        // A port scan through the test button: a listening port that is not HTTP, and a closed port.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var openPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            client.Client.Shutdown(SocketShutdown.Both); // hangs up without an HTTP answer
        });
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var closedPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();

        var open = await Build($"http://127.0.0.1:{openPort}/", allowed: "127.0.0.0/8").TestReceiverAsync("target", Actor.System);
        var closed = await Build($"http://127.0.0.1:{closedPort}/", allowed: "127.0.0.0/8").TestReceiverAsync("target", Actor.System);
        var refused = await Build($"http://127.0.0.1:{openPort}/", allowed: null).TestReceiverAsync("target", Actor.System);
        await accept;

        Assert.Equal(AlertNotifier.CouldNotConnect, open.Error);
        Assert.Equal(AlertNotifier.CouldNotConnect, closed.Error);
        Assert.Equal(AlertNotifier.CouldNotConnect, refused.Error);
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://2130706433:5999/")]
    [InlineData("http://[::1]:9000/hook")]
    [InlineData("http://10.0.0.5/hook")]
    public async Task SaveReceiver_ApiWithInternalLiteral_RefusedWith400(string url)
    {
        using var factory = new ConciergusAppFactory();
        using var admin = factory.CreateApiClient(ConciergusRole.Admin);

        var response = await admin.PostAsJsonAsync("/api/v1/receivers", new { name = "meta", url });
        var list = await admin.GetStringAsync("/api/v1/receivers");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("AllowedReceiverNetworks", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("\"meta\"", list, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_AllowedNetworkNotCidr_RefusedAtStart()
    {
        var errors = AlertsOptionsValidator.Check(new AlertsOptions { AllowedReceiverNetworks = ["10.0.0.0/8", "intranet"] });

        Assert.Contains(errors, e => e.Contains("AllowedReceiverNetworks:1", StringComparison.Ordinal) && e.Contains("'intranet'", StringComparison.Ordinal));
    }

    // The alert service with the real DI registration (guarded IHttpClientFactory clients), one receiver "target".
    private AlertService Build(string url, string? allowed, string kind = AlertService.WebhookKind)
    {
        var directory = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["Conciergus:Alerts:Receivers:0:Name"] = "target",
            ["Conciergus:Alerts:Receivers:0:Kind"] = kind,
            ["Conciergus:Alerts:Receivers:0:Url"] = url,
            ["Conciergus:Alerts:DeliveryRetries"] = "0",
        };
        if (allowed is not null)
        {
            settings["Conciergus:Alerts:AllowedReceiverNetworks:0"] = allowed;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var time = new FakeTimeProvider(AlertTestHost.Start);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(new ConciergusDatabase(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = directory }), directory)));
        var ts = new TimeSeriesOptions();
        services.AddSingleton(new TimeSeriesCache(ts, time));
        services.AddSingleton(new UserCostLedger(ts, time));
        services.AddSingleton<Core.Audit.IAuditLog>(new FakeAuditLog());
        services.AddConciergusAlerts(configuration);
        services.AddConciergusAlertChannels(configuration);
        foreach (var circuit in services.Where(d => d.ImplementationType == typeof(OpenCircuitAlertChannel)).ToList())
        {
            services.Remove(circuit); // needs the resilience feature; not under test here
        }

        var provider = services.BuildServiceProvider();
        _providers.Add(provider);
        return new AlertService(
            provider.GetRequiredService<ConciergusDatabase>(),
            new AlertDataSources { Cache = provider.GetRequiredService<TimeSeriesCache>(), Ledger = provider.GetRequiredService<UserCostLedger>() },
            time,
            provider.GetRequiredService<IOptions<AlertsOptions>>(),
            provider.GetServices<IAlertChannel>(),
            [new FakeAuditLog()],
            networkGuard: provider.GetRequiredService<ReceiverNetworkGuard>());
    }
}
