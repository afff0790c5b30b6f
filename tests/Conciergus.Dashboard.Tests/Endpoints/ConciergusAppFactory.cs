using System.Net;
using System.Text.RegularExpressions;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Endpoints;

/// <summary>
/// The real app in-process: its own temp data folder, a known ingestion key, one API key per role, a known initial
/// admin password, a fake clock, no demo traffic.
/// </summary>
public sealed partial class ConciergusAppFactory : WebApplicationFactory<Program>
{
    public const string IngestionKey = "test-ingestion-key-0123456789";
    public const string SecondaryIngestionKey = "test-secondary-key-9876543210";
    public const string AdminPassword = "test-admin-password-0123";

    /// <summary>Password of the users <see cref="EnsureUser"/> creates.</summary>
    public const string UserPassword = "test-user-password-0123";

    /// <summary>The configured API key for each role (Conciergus:Api:Keys).</summary>
    public static IReadOnlyDictionary<ConciergusRole, string> ApiKeys { get; } = new Dictionary<ConciergusRole, string>
    {
        [ConciergusRole.Viewer] = "test-api-key-viewer-0123456789",
        [ConciergusRole.Operator] = "test-api-key-operator-0123456789",
        [ConciergusRole.Admin] = "test-api-key-admin-0123456789",
    };

    private readonly Dictionary<string, string?> _settings;
    private readonly bool _realClock;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly bool _ownsDataDirectory;
    private IHost? _host;

    /// <param name="settings">Configuration overrides.</param>
    /// <param name="realClock">Use the system clock (browser tests, where timers must tick by themselves).</param>
    /// <param name="configureServices">Replaces services after the app registered its own (fakes at the edges).</param>
    /// <param name="dataDirectory">An existing data folder (restart tests: a second app on the first one's data); the caller deletes it.</param>
    public ConciergusAppFactory(Dictionary<string, string?>? settings = null, bool realClock = false, Action<IServiceCollection>? configureServices = null, string? dataDirectory = null)
    {
        _realClock = realClock;
        _configureServices = configureServices;
        _ownsDataDirectory = dataDirectory is null;
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "conciergus-tests", Guid.NewGuid().ToString("N"));
        _settings = new Dictionary<string, string?>
        {
            ["Conciergus:DataDirectory"] = DataDirectory,
            ["Conciergus:Ingestion:ApiKeys:0"] = IngestionKey,
            ["Conciergus:Ingestion:ApiKeys:1"] = SecondaryIngestionKey,
            ["Conciergus:Demo:Enabled"] = "false",
            ["Conciergus:Auth:InitialAdminPassword"] = AdminPassword,

            // No history restore on the fake clock (alert tests step it from a fixed instant); tests/History covers it with real processes.
            ["Conciergus:History:Enabled"] = "false",
            // No OTLP/gRPC listener unless a test asks for one (on a free port): tests run in parallel.
            ["Conciergus:Ingestion:Otlp:GrpcEndpoint"] = "",
            // Browser tests sign in through the form many times a minute from 127.0.0.1 against one shared app; the
            // limit itself (10 a minute by default) is tested in LoginTests with its own setting.
            ["Conciergus:Auth:LoginRequestsPerMinute"] = "1000",
            // Backups go beside the test's data (deleted with it), never into the source tree's content root.
            ["Conciergus:Storage:BackupDirectory"] = Path.Combine(DataDirectory, "backups"),
        };
        var i = 0;
        foreach (var (role, key) in ApiKeys)
        {
            _settings[$"Conciergus:Api:Keys:{i}:Key"] = key;
            _settings[$"Conciergus:Api:Keys:{i}:Role"] = role.ToString();
            i++;
        }

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

        // Reads the client makes after ingesting go with a Viewer API key (an ingestion key never reads).
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKeys[ConciergusRole.Viewer]);
        return client;
    }

    /// <summary>A client that sends the configured API key of <paramref name="role"/> as Authorization: Bearer.</summary>
    public HttpClient CreateApiClient(ConciergusRole role)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiKeys[role]);
        return client;
    }

    /// <summary>Creates a local user "&lt;role&gt;-user" with <see cref="UserPassword"/> unless it exists; returns the name.</summary>
    public string EnsureUser(ConciergusRole role)
    {
        var name = role.ToString().ToLowerInvariant() + "-user";
        Services.GetRequiredService<UserStore>().Create(name, UserPassword, role);
        return name;
    }

    /// <summary>A cookie client (no auto-redirect) signed in through the login form as a user with <paramref name="role"/>.</summary>
    public async Task<HttpClient> CreateSignedInClientAsync(ConciergusRole role)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        var response = await SignInAsync(client, EnsureUser(role), UserPassword);
        if (response.StatusCode != HttpStatusCode.Redirect || response.Headers.Location?.OriginalString.StartsWith("/login", StringComparison.Ordinal) == true)
        {
            throw new InvalidOperationException($"Sign-in as {role} failed: {(int)response.StatusCode} {response.Headers.Location}");
        }

        return client;
    }

    /// <summary>Posts the login form (with the antiforgery token read from GET /login) and returns the response.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string userName, string password, string returnUrl = "/")
    {
        var page = await client.GetStringAsync("/login");
        var token = AntiforgeryField().Match(page).Groups[1].Value;
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
            ["UserName"] = userName,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        });
        return await client.PostAsync("/auth/login", form);
    }

    private static void StopAndWaitForDatabase(IHost host)
    {
        ConciergusDatabase? database;
        try
        {
            database = host.Services.GetService<ConciergusDatabase>();
            host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        }
        catch (ObjectDisposedException)
        {
            return; // already stopped and disposed (a derived factory from WithWebHostBuilder disposes its own host)
        }

        // Longer than the host's shutdown timeout (30 s), after which the host gives up on a slow hosted service and
        // disposes the rest anyway: a wait that ends before it would fail a stop that is only slow.
        if (database is not null && !database.WhenClosed.Wait(TimeSpan.FromSeconds(90)))
        {
            ThreadPool.GetMinThreads(out var minimum, out _);
            throw new TimeoutException(
                $"The app did not close its database within 90 s of stopping (thread pool: {ThreadPool.ThreadCount} threads, " +
                $"minimum {minimum}, {ThreadPool.PendingWorkItemCount} queued work items).");
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

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

        if (_configureServices is not null)
        {
            builder.ConfigureTestServices(_configureServices);
        }
    }

    protected override IHost CreateHost(IHostBuilder builder)
    {
        _host = base.CreateHost(builder);
        return _host;
    }

    /// <summary>
    /// Stops the app the way a real process stops, and returns only once its database file is closed. With minimal
    /// hosting the app's own <c>app.Run()</c> runs the host on the entry-point thread and stops and disposes it when the
    /// app stops, while WebApplicationFactory's dispose stops and disposes the same host on the test thread: two stops
    /// racing, and the factory returning while the other one still closes LiteDB. A restart test that reopened the data
    /// folder then read a half-closed file ("Page type must be data page", lost last writes). So: stop the application
    /// (one stop path, the entry point's), wait until the file is closed, then let the factory dispose what remains.
    /// </summary>
    /// <summary>
    /// <c>await using</c> takes this path: the base class's DisposeAsync stops its host and then calls
    /// <see cref="Dispose(bool)"/>, which would find the host gone and skip the wait for the database file. So the same
    /// stop-and-wait as <see cref="Dispose(bool)"/> runs first (on a pool thread: the wait blocks).
    /// </summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            await Task.Run(() => StopAndWaitForDatabase(host));
        }

        try
        {
            await base.DisposeAsync();
        }
        catch (ObjectDisposedException)
        {
            // The entry point already stopped and disposed the host (above).
        }

        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _host, null) is { } host)
        {
            StopAndWaitForDatabase(host);
        }

        try
        {
            base.Dispose(disposing);
        }
        catch (ObjectDisposedException)
        {
            // The entry point already stopped and disposed the host (above); the factory's second stop finds it disposed.
        }
        if (!_ownsDataDirectory)
        {
            return;
        }

        // The database is closed by now (StopAndWaitForDatabase waited for it); a folder that still cannot be deleted
        // is left in the temp folder, which is not a test failure.
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // left behind in /tmp/conciergus-tests
        }
    }
}
