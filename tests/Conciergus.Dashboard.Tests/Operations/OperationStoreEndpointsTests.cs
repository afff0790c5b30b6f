using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>The store inside the real app: fed by ingestion, erased by the data-subject API, re-priced, shown on /healthz and /metrics.</summary>
public sealed class OperationStoreEndpointsTests : IDisposable
{
    private const string UserId = "subject-7d1e4b";

    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private IOperationStore Store => _factory.Services.GetRequiredService<IOperationStore>();

    private DateTimeOffset Now => _factory.Time.GetUtcNow();

    [Fact]
    public async Task PostOperations_Ingested_StoredWithPriceAndUser()
    {
        await IngestAsync();

        var rows = await Store.AggregateAsync(new OperationQuery { From = Now.AddHours(-1), To = Now.AddHours(1), GroupBy = "user" });

        var user = rows.Single(r => r.Group == UserId);
        Assert.Equal(2, user.Requests);
        Assert.Equal(1, user.Errors);
        Assert.True(user.CostUsd > 0m);
        Assert.Equal(3, rows.Sum(r => r.Requests));
    }

    [Fact]
    public async Task DeleteSubject_OperationsInStore_ErasedAndFileNoLongerHoldsTheId()
    {
        // Arrange
        await IngestAsync();
        var file = Store.Status.FilePath;
        Assert.True(Contains(file, UserId) || Contains(file + ".wal", UserId), "the id must be on disk first for the test to mean anything");
        var export = await _factory.CreateApiKeyClient().GetFromJsonAsync<JsonElement>($"/api/v1/subjects/{UserId}/export");
        Assert.Equal(2, export.GetProperty("stores").GetProperty("operationStore").GetArrayLength());

        // Act
        var response = await _factory.CreateApiKeyClient().DeleteAsync($"/api/v1/subjects/{UserId}");

        // Assert
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("stores").GetProperty("operationStore").GetInt64());
        var rows = await Store.AggregateAsync(new OperationQuery { From = Now.AddHours(-1), To = Now.AddHours(1), Filter = new OperationFilter([new FilterClause("user", [UserId])]) });
        Assert.Equal(0, rows[0].Requests);
        Assert.False(Contains(file, UserId), "the database file still contains the erased id");
        Assert.False(Contains(file + ".wal", UserId), "the write-ahead log still contains the erased id");
        Assert.True(Contains(file, "other-user") || Contains(file + ".wal", "other-user"), "other users' operations must stay");
    }

    [Fact]
    public async Task Recompute_Admin_RepricesAndAudits_ViewerForbidden()
    {
        await IngestAsync();
        var from = Uri.EscapeDataString(Now.AddHours(-1).ToString("O"));
        var to = Uri.EscapeDataString(Now.AddHours(1).ToString("O"));

        var forbidden = await _factory.CreateApiKeyClient(ConciergusRole.Viewer).PostAsync($"/api/v1/pricing/recompute?from={from}&to={to}", null);
        var response = await _factory.CreateApiKeyClient().PostAsync($"/api/v1/pricing/recompute?from={from}&to={to}", null);
        var bad = await _factory.CreateApiKeyClient().PostAsync($"/api/v1/pricing/recompute?from={to}&to={from}", null);

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(3, body.GetProperty("read").GetInt64());
        Assert.Equal(0, body.GetProperty("updated").GetInt64()); // priced with the current catalog already
        var audit = await _factory.CreateApiKeyClient().GetFromJsonAsync<JsonElement>("/api/v1/audit?action=pricing.recompute");
        Assert.Contains("pricing.recompute", audit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthAndMetrics_ShowTheStore()
    {
        await IngestAsync();

        var health = await _factory.CreateClient().GetFromJsonAsync<JsonElement>("/healthz");
        var metrics = await _factory.CreateApiKeyClient().GetStringAsync("/metrics");

        var store = health.GetProperty("operationStore");
        Assert.Equal("healthy", store.GetProperty("status").GetString());
        Assert.Equal(3, store.GetProperty("appended").GetInt64());
        Assert.Contains("conciergus_operation_store_appended_total{kind=\"operation\"} 3", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_operation_store_dropped_total 0", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_operation_store_up 1", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public void TraceSink_Registered_DecoratesTheTraceStore()
    {
        var sink = Assert.IsType<OperationStoreTraceSink>(_factory.Services.GetRequiredService<ITraceSink>());

        Assert.IsType<TraceStore>(sink.Inner);
    }

    private async Task IngestAsync()
    {
        var client = _factory.CreateIngestionClient();
        var at = Now.AddMinutes(-5).ToString("O");
        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new object[]
            {
                new { model = "gpt-4o", provider = "openai", durationMs = 120, inputTokens = 1000, outputTokens = 500, userId = UserId, timestamp = at },
                new { model = "gpt-4o", provider = "openai", durationMs = 300, status = "error", error = new { httpStatus = 429 }, userId = UserId, timestamp = at },
                new { model = "gpt-4o-mini", provider = "openai", durationMs = 80, inputTokens = 10, outputTokens = 5, userId = "other-user", timestamp = at },
            },
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await Store.FlushAsync();
        Assert.Equal(3, Store.Status.Appended);
    }

    private static bool Contains(string path, string text) =>
        File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
