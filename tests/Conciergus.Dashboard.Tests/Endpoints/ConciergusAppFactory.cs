using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Endpoints;

/// <summary>The real app in-process: its own temp data folder, a known ingestion key, a fake clock, no demo traffic.</summary>
public sealed class ConciergusAppFactory : WebApplicationFactory<Program>
{
    public const string IngestionKey = "test-ingestion-key-0123456789";
    public const string SecondaryIngestionKey = "test-secondary-key-9876543210";

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _realClock;

    /// <param name="settings">Configuration overrides.</param>
    /// <param name="realClock">Use the system clock (browser tests, where timers must tick by themselves).</param>
    public ConciergusAppFactory(Dictionary<string, string?>? settings = null, bool realClock = false)
    {
        _realClock = realClock;
        DataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Conciergus:DataDirectory"] = DataDirectory,
            ["Conciergus:Ingestion:ApiKeys:0"] = IngestionKey,
            ["Conciergus:Ingestion:ApiKeys:1"] = SecondaryIngestionKey,
            ["Conciergus:Demo:Enabled"] = "false",
        };
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }
    }

    /// <summary>The app's clock: starts at a fixed instant, moves only when a test advances it.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public string DataDirectory { get; }

    /// <summary>Starts the app on a real Kestrel socket on 127.0.0.1 (free port) and returns its base address.</summary>
    public Uri StartKestrel()
    {
        UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        return new Uri(addresses.First());
    }

    public HttpClient CreateIngestionClient(string key = IngestionKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-otlp-api-key", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseStaticWebAssets();
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (!_realClock)
        {
            builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
        }
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
