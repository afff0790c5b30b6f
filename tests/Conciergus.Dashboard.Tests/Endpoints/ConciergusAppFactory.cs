using Microsoft.AspNetCore.Hosting;
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

    public ConciergusAppFactory(Dictionary<string, string?>? settings = null)
    {
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

    public HttpClient CreateIngestionClient(string key = IngestionKey)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("x-otlp-api-key", key);
        return client;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<TimeProvider>(Time)));
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
