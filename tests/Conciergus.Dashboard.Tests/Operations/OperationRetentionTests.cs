using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>The compliance policy's "operations" class governs the store: a purge run deletes, archives to Parquet and audits the SHA-256.</summary>
public sealed class OperationRetentionTests : IDisposable
{
    private readonly string _archive = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
    private readonly ConciergusAppFactory _factory;

    public OperationRetentionTests() =>
        _factory = new ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Operations:ArchiveDirectory"] = _archive });

    public void Dispose()
    {
        _factory.Dispose();
        if (Directory.Exists(_archive))
        {
            Directory.Delete(_archive, recursive: true);
        }
    }

    [Fact]
    public async Task CompliancePurge_SavedPolicyOfTwoDays_PurgesOlderOperationsArchivesAndAudits()
    {
        // Arrange: operations 5 days old and 1 hour old; a saved policy keeping operations 2 days
        var store = _factory.Services.GetRequiredService<IOperationStore>();
        var now = _factory.Time.GetUtcNow();
        var ingest = _factory.CreateIngestionClient();
        var response = await ingest.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new object[]
            {
                new { model = "gpt-4o", durationMs = 100, inputTokens = 10, timestamp = now.AddDays(-5).ToString("O") },
                new { model = "gpt-4o", durationMs = 100, inputTokens = 10, timestamp = now.AddDays(-5).AddMinutes(1).ToString("O") },
                new { model = "gpt-4o", durationMs = 100, inputTokens = 10, timestamp = now.AddHours(-1).ToString("O") },
            },
        });
        response.EnsureSuccessStatusCode();
        await store.FlushAsync();
        Assert.Equal(3, store.Status.Appended);
        var admin = _factory.CreateApiKeyClient();
        (await admin.PutAsJsonAsync("/api/v1/compliance/retention", new { framework = "GDPR", days = new { operations = 2 } })).EnsureSuccessStatusCode();

        // Act
        var purge = await admin.PostAsync("/api/v1/compliance/retention/purge", null);

        // Assert
        purge.EnsureSuccessStatusCode();
        var rows = await store.AggregateAsync(new OperationQuery { From = now.AddDays(-30), To = now.AddDays(1) });
        Assert.Equal(1, rows[0].Requests);
        var archive = Assert.Single(Directory.GetFiles(_archive, "operations-*.parquet"));
        var audit = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/audit?action={OperationRetention.PurgeAction}");
        var entry = audit.GetProperty("entries").EnumerateArray().Single();
        var details = entry.GetProperty("details");
        Assert.Equal("2", details.GetProperty("operations.deleted").GetString());
        Assert.Equal(Path.GetFileName(archive), details.GetProperty("archive.0.file").GetString());
        Assert.Equal("2", details.GetProperty("archive.0.rows").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive))), details.GetProperty("archive.0.sha256").GetString());
    }
}
