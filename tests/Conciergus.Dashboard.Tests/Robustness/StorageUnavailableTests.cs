using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>
/// conciergus.db locked by another process, or the disk full: the app starts anyway, /healthz says why (the Health
/// page's line is <see cref="StorageHealthPanelTests"/>), ingestion and reads keep working in memory, and durable writes (audit, alerts, experiments) fail with a 503
/// that names the reason. The lock is real (an exclusive FileStream, which .NET turns into flock on Linux); disk full is
/// injected as the IOException (ENOSPC) through the database's open seam, since a small tmpfs needs root.
/// </summary>
public sealed class StorageUnavailableTests : IDisposable
{
    private const string LockedReason = "conciergus.db is locked by another process";

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "conciergus-storage-tests", Guid.NewGuid().ToString("N"));

    public StorageUnavailableTests() => Directory.CreateDirectory(_dataDirectory);

    private string DatabaseFile => Path.Combine(_dataDirectory, ConciergusDatabase.FileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    [Fact]
    public void Constructor_FileLockedByAnotherHandle_FallsBackToMemoryAndSaysLocked()
    {
        using var holder = new FileStream(DatabaseFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);

        using var database = new ConciergusDatabase(DataFolder());

        Assert.False(database.IsAvailable);
        Assert.Equal("unhealthy", database.Health.Status);
        Assert.StartsWith(LockedReason, database.Health.Reason, StringComparison.Ordinal);
        var error = Assert.Throws<StorageUnavailableException>(database.ThrowIfUnavailable);
        Assert.Contains(LockedReason, error.Message, StringComparison.Ordinal);

        // Readers and constructors of the features keep working against the empty in-memory database.
        var collection = database.Database.GetCollection("anything");
        collection.Insert(new BsonDocument { ["_id"] = 1 });
        Assert.Equal(1, collection.Count());
    }

    [Fact]
    public void Constructor_DiskFull_SaysDiskFull()
    {
        using var database = new ConciergusDatabase(DataFolder(), open: _ => throw DiskFull());

        Assert.False(database.IsAvailable);
        Assert.StartsWith("disk full: conciergus.db cannot be written", database.Health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_FileFree_IsHealthy()
    {
        using var database = new ConciergusDatabase(DataFolder());

        Assert.True(database.IsAvailable);
        Assert.Null(database.Health.Reason);
        database.ThrowIfUnavailable();
        Assert.True(File.Exists(DatabaseFile));
    }

    [Fact]
    public async Task App_DatabaseLocked_StartsReportsUnhealthyKeepsIngestingAndRefusesDurableWrites()
    {
        using var holder = new FileStream(DatabaseFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        using var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory);

        await AssertDegradedAsync(factory, LockedReason);

        // Local sign-in is refused too (a login must be audited): a clear 503, not a crash.
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var login = await ConciergusAppFactory.SignInAsync(client, "admin", ConciergusAppFactory.AdminPassword);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, login.StatusCode);
    }

    [Fact]
    public async Task App_DiskFull_StartsReportsUnhealthyKeepsIngestingAndRefusesDurableWrites()
    {
        using var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory, configureServices: services =>
            services.Replace(ServiceDescriptor.Singleton(sp => new ConciergusDatabase(sp.GetRequiredService<DataDirectory>(), open: _ => throw DiskFull()))));

        await AssertDegradedAsync(factory, "disk full: conciergus.db cannot be written");
    }

    [Fact]
    public async Task App_DatabaseFree_HealthzSaysStorageHealthy()
    {
        using var factory = new ConciergusAppFactory(dataDirectory: _dataDirectory);
        using var client = factory.CreateIngestionClient();

        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal("healthy", health.GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("storage").GetProperty("reason").ValueKind);
    }

    private static async Task AssertDegradedAsync(ConciergusAppFactory factory, string reason)
    {
        using var client = factory.CreateIngestionClient();

        // Up, and saying why storage is not.
        var health = await client.GetFromJsonAsync<JsonElement>("/healthz");
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        var storage = health.GetProperty("storage");
        Assert.Equal("unhealthy", storage.GetProperty("status").GetString());
        Assert.StartsWith(reason, storage.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // Ingestion keeps working in memory, counted exactly.
        var now = factory.Time.GetUtcNow();
        using var otlp = await client.PostAsync("/v1/traces", OtlpRequests.Protobuf(OtlpRequests.Request("degraded", OtlpRequests.ChatSpan(now, input: 100), OtlpRequests.ChatSpan(now, input: 200))));
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
        using var operations = await client.PostAsJsonAsync("/api/v1/operations", new[] { new { model = "gpt-4o", durationMs = 10, inputTokens = 1000 } });
        Assert.Equal(HttpStatusCode.Accepted, operations.StatusCode);
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(3, summary.GetProperty("requests").GetInt64());
        Assert.Equal(1300, summary.GetProperty("inputTokens").GetInt64());

        // Durable writes are refused with 503 and the reason; the process stays up.
        using var admin = factory.CreateApiClient(ConciergusRole.Admin);
        using var erase = await admin.DeleteAsync("/api/v1/subjects/someone");
        await AssertStorageUnavailableAsync(erase, reason);
        using var rule = await admin.PostAsync("/api/v1/alert-rules", new StringContent(
            """{"name": "Any traffic", "metric": "request_rate", "window": "5m", "operator": ">", "threshold": 0, "severity": "low"}""", Encoding.UTF8, "application/json"));
        await AssertStorageUnavailableAsync(rule, reason);
        using var after = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static async Task AssertStorageUnavailableAsync(HttpResponseMessage response, string reason)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} {body}");
        Assert.Contains(reason, body, StringComparison.Ordinal);
    }

    private DataDirectory DataFolder() =>
        new(Options.Create(new ConciergusOptions { DataDirectory = _dataDirectory }), _dataDirectory);

    /// <summary>What .NET throws on Linux for ENOSPC (HResult is the errno, 28).</summary>
    private static IOException DiskFull() => new("No space left on device : '/data/conciergus.db'", 28);
}
