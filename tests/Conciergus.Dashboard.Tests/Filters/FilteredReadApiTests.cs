using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>The read endpoints take the filters: exact figures, 400 for an unknown parameter, 503 when the store cannot answer.</summary>
public sealed class FilteredReadApiTests : IDisposable
{
    private readonly BruteForceOperationStore _store = new();
    private readonly ConciergusAppFactory _factory;

    public FilteredReadApiTests()
    {
        // The fake store receives every recorded (priced) operation, as the collector's store sink does.
        _factory = new ConciergusAppFactory(configureServices: services =>
        {
            services.AddSingleton<IOperationStore>(_store);
            services.AddSingleton<IAiOperationPreprocessor>(new StoreSink(_store));
        });
    }

    public void Dispose() => _factory.Dispose();

    private static readonly (string Model, string App, string? User, string? Env, string Tier, bool Failed)[] Items =
    [
        .. Enumerable.Range(0, 90).Select(i => (
            i % 3 == 0 ? "gpt-4o-mini" : (i % 3 == 1 ? "gpt-4o" : "mystery-model-x"),
            i % 2 == 0 ? "support-bot" : "billing",
            i % 5 == 0 ? null : "u-" + (i % 4).ToString(CultureInfo.InvariantCulture),
            i % 4 == 0 ? "eu" : (string?)null,
            i % 3 == 2 ? "pro" : "free",
            i % 7 == 0)),
    ];

    private async Task<HttpClient> PostAsync()
    {
        using var ingest = _factory.CreateIngestionClient();
        var start = _factory.Time.GetUtcNow().AddMinutes(-3);
        var body = Items.Select((o, i) => new Dictionary<string, object?>
        {
            ["timestamp"] = start.AddSeconds(i).ToString("O", CultureInfo.InvariantCulture),
            ["provider"] = "openai",
            ["model"] = o.Model,
            ["durationMs"] = 100 + (i * 7),
            ["inputTokens"] = 100 + i,
            ["outputTokens"] = 10 + i,
            ["status"] = o.Failed ? "error" : "ok",
            ["error"] = o.Failed ? new { httpStatus = 429, message = "slow down" } : null,
            ["userId"] = o.User,
            ["application"] = o.App,
            ["environment"] = o.Env,
            ["metadata"] = new Dictionary<string, string> { ["tier"] = o.Tier },
        });
        var response = await ingest.PostAsJsonAsync("/api/v1/operations", new { operations = body });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return _factory.CreateApiClient(ConciergusRole.Viewer);
    }

    [Theory]
    [InlineData("model=gpt-4o")]
    [InlineData("model=gpt-4o&application=support-bot")]
    [InlineData("user=u-1,u-2&status=error")]
    [InlineData("metadata.tier=pro&environment=eu")]
    [InlineData("application=billing&metadata.tier=free")]
    public async Task Summary_Filter_EqualsBruteForceOverTheStoredOperations(string query)
    {
        using var client = await PostAsync();
        var filter = SliceTestData.Filter(query);

        var body = await client.GetFromJsonAsync<JsonElement>($"/api/v1/summary?window=1h&{query}");

        var expected = BruteForceOperationStore.Row(await ReadAllAsync(filter));
        Assert.True(expected.Requests > 0);
        Assert.Equal(expected.Requests, body.GetProperty("requests").GetInt64());
        Assert.Equal(expected.Errors, body.GetProperty("errors").GetInt64());
        Assert.Equal(expected.InputTokens, body.GetProperty("inputTokens").GetInt64());
        Assert.Equal(expected.CostUsd, body.GetProperty("costUsd").GetDecimal());
        Assert.Equal(expected.UnpricedRequests, body.GetProperty("unpricedRequests").GetInt64());
    }

    [Theory]
    [InlineData("metadata.tier")]
    [InlineData("status")]
    [InlineData("user")]
    [InlineData("model")]
    public async Task Costs_GroupByWithFilter_EveryGroupCarriesUnpricedRequests(string groupBy)
    {
        using var client = await PostAsync();

        var body = await client.GetFromJsonAsync<JsonElement>($"/api/v1/costs?window=1h&groupBy={groupBy}&application=support-bot");

        var ops = await ReadAllAsync(SliceTestData.Filter("application=support-bot"));
        var groups = body.GetProperty("groups").EnumerateArray().ToList();
        Assert.NotEmpty(groups);
        foreach (var group in groups)
        {
            var key = group.GetProperty("key").GetString()!;
            var mine = ops.Where(o => (groupBy == "model" ? $"{o.Provider}/{o.Model}" : FilterFields.ValueOf(o, groupBy)) == key).ToList();
            Assert.Equal(mine.Count, group.GetProperty("requests").GetInt64());
            Assert.Equal(mine.Count(o => o.Pricing == PricingStatus.Unpriced), group.GetProperty("unpricedRequests").GetInt64());
        }

        // The unknown model is "unpriced", never a silent $0 with nothing else.
        Assert.Contains(groups, g => g.GetProperty("unpricedRequests").GetInt64() > 0);
    }

    [Fact]
    public async Task TimeSeries_GroupByStatusWithFilter_LinesSumToTheFilteredCounts()
    {
        using var client = await PostAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=requests&window=15m&step=1m&groupBy=status&model=gpt-4o,gpt-4o-mini");

        var ops = await ReadAllAsync(SliceTestData.Filter("model=gpt-4o,gpt-4o-mini"));
        var series = body.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("points").EnumerateArray().Sum(p => p[1].GetDouble()));
        Assert.Equal(ops.Count(o => o.Status == AiOperationStatus.Error), series["error"]);
        Assert.Equal(ops.Count(o => o.Status == AiOperationStatus.Ok), series["ok"]);
    }

    [Theory]
    [InlineData("/api/v1/summary?window=1h&planet=mars", "planet")]
    [InlineData("/api/v1/costs?groupBy=model&modle=gpt-4o", "modle")]
    [InlineData("/api/v1/timeseries?metric=requests&colour=red", "colour")]
    [InlineData("/api/v1/errors?foo=1", "foo")]
    [InlineData("/api/v1/models?user_id=u-1", "user_id")]
    [InlineData("/api/v1/traces?limit=5&provider2=x", "provider2")]
    public async Task Read_UnknownParameter_400ListsTheValidOnes(string url, string name)
    {
        using var client = _factory.CreateApiClient(ConciergusRole.Viewer);

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(name, problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("model", detail, StringComparison.Ordinal);
        Assert.Contains("metadata.<key>", detail, StringComparison.Ordinal);
        Assert.Contains("window", problem.GetProperty("validParameters").EnumerateArray().Select(v => v.GetString()).Concat(["window"]));
    }

    [Fact]
    public async Task Read_StoreSwitchedOff_StoreSliceIs503MemorySliceIs200()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Operations:Enabled"] = "false" });
        using var client = factory.CreateApiClient(ConciergusRole.Viewer);

        var refused = await client.GetAsync("/api/v1/summary?window=1h&user=u-1");
        var served = await client.GetAsync("/api/v1/summary?window=1h&model=gpt-4o,gpt-4o-mini");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("operation store", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task Read_StoreDegraded_503SaysWhy()
    {
        using var client = await PostAsync();
        _store.State = OperationStoreState.Degraded;
        _store.Reason = "database is locked";

        var refused = await client.GetAsync("/api/v1/costs?window=1h&groupBy=session");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("database is locked", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<List<AiOperation>> ReadAllAsync(OperationFilter filter)
    {
        var now = _factory.Time.GetUtcNow();
        var list = new List<AiOperation>();
        await foreach (var op in _store.ReadAsync(now.AddHours(-2), now.AddHours(1), filter))
        {
            list.Add(op);
        }

        return list;
    }

    private sealed class StoreSink(IOperationStore store) : IAiOperationPreprocessor
    {
        public AiOperation Process(AiOperation operation)
        {
            store.TryAppend(operation);
            return operation;
        }
    }
}
