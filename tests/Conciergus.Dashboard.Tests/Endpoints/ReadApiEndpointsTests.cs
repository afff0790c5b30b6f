using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Analytics;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Endpoints;

/// <summary>A batch posted to /api/v1/operations is reflected exactly in every read endpoint.</summary>
public sealed class ReadApiEndpointsTests : IDisposable
{
    // Public list prices per million tokens (OpenAI pricing page): gpt-4o input 2.50, cached input 1.25, output 10.00;
    // gpt-4o-mini input 0.15, cached 0.075, output 0.60.
    private static readonly Dictionary<string, (decimal Input, decimal Cached, decimal Output)> Prices = new()
    {
        ["gpt-4o"] = (2.50m, 1.25m, 10.00m),
        ["gpt-4o-mini"] = (0.15m, 0.075m, 0.60m),
    };

    private readonly ConciergusAppFactory _factory = new();
    private readonly List<Op> _ops = MakeOps(400);

    public void Dispose() => _factory.Dispose();

    private sealed record Op(string Model, double DurationMs, double? TtftMs, long Input, long Cached, long Output, bool Failed, string User, string App, string Operation);

    private static List<Op> MakeOps(int count)
    {
        var random = new Random(42);
        var ops = new List<Op>();
        for (var i = 0; i < count; i++)
        {
            // Log-normal latencies (median ~ 800 ms), a long tail, the kind an LLM API shows.
            var normal = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            var duration = Math.Round(Math.Exp(6.7 + (0.6 * normal)), 3);
            var input = random.Next(50, 4000);
            var cached = i % 3 == 0 ? random.Next(0, input) : 0;
            ops.Add(new Op(
                i % 4 == 0 ? "gpt-4o-mini" : "gpt-4o",
                duration,
                i % 2 == 0 ? Math.Round(duration / 4, 3) : null,
                input,
                cached,
                random.Next(1, 800),
                i % 10 == 0,
                $"user-{i % 7}",
                i % 5 == 0 ? "billing" : "support",
                i % 2 == 0 ? "chat" : "generate_text"));
        }

        return ops;
    }

    private async Task<HttpClient> PostBatchAsync()
    {
        var client = _factory.CreateIngestionClient();
        var start = _factory.Time.GetUtcNow().AddMinutes(-2);
        var items = _ops.Select(o => new Dictionary<string, object?>
        {
            ["timestamp"] = start.ToString("O", CultureInfo.InvariantCulture),
            ["provider"] = "openai",
            ["model"] = o.Model,
            ["durationMs"] = o.DurationMs,
            ["timeToFirstTokenMs"] = o.TtftMs,
            ["inputTokens"] = o.Input,
            ["cachedInputTokens"] = o.Cached,
            ["outputTokens"] = o.Output,
            ["status"] = o.Failed ? "error" : "ok",
            ["error"] = o.Failed ? new { httpStatus = 429, code = "rate_limit_exceeded", message = "Rate limit reached" } : null,
            ["userId"] = o.User,
            ["application"] = o.App,
            ["operation"] = o.Operation,
        });
        var response = await client.PostAsJsonAsync("/api/v1/operations", new { operations = items });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        client.Dispose();

        // Slices the cache cannot answer (costs by user) come from the operation store: commit what was sent
        // (on the fake clock the writer commits on flush; live, within a second).
        await _factory.Services.GetRequiredService<Conciergus.Core.Operations.IOperationStore>().FlushAsync();

        // Ingestion keys only ingest: the reads go with a Viewer API key.
        return _factory.CreateApiClient(ConciergusRole.Viewer);
    }

    private static decimal Cost(Op o)
    {
        var p = Prices[o.Model];
        return (((o.Input - o.Cached) * p.Input) + (o.Cached * p.Cached) + (o.Output * p.Output)) / 1_000_000m;
    }

    private static double Exact(IEnumerable<double> values, double q)
    {
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Floor(q * (sorted.Length - 1))];
    }

    private static void AssertWithin2Percent(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 0.02 * expected, $"expected {expected} within 2%, got {actual}");

    [Fact]
    public async Task Summary_AfterBatch_ReflectsCountsTokensCostAndPercentiles()
    {
        using var client = await PostBatchAsync();

        var s = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");

        Assert.Equal(_ops.Count, s.GetProperty("requests").GetInt64());
        Assert.Equal(_ops.Count(o => o.Failed), s.GetProperty("errors").GetInt64());
        Assert.Equal((double)_ops.Count(o => o.Failed) / _ops.Count, s.GetProperty("errorRate").GetDouble(), 12);
        Assert.Equal(_ops.Sum(o => o.Input), s.GetProperty("inputTokens").GetInt64());
        Assert.Equal(_ops.Sum(o => o.Output), s.GetProperty("outputTokens").GetInt64());
        Assert.Equal(_ops.Sum(o => o.Cached), s.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal(0, s.GetProperty("reasoningTokens").GetInt64());
        Assert.Equal(_ops.Sum(Cost), s.GetProperty("costUsd").GetDecimal());
        var latency = s.GetProperty("latencyMs");
        AssertWithin2Percent(Exact(_ops.Select(o => o.DurationMs), 0.50), latency.GetProperty("p50").GetDouble());
        AssertWithin2Percent(Exact(_ops.Select(o => o.DurationMs), 0.95), latency.GetProperty("p95").GetDouble());
        AssertWithin2Percent(Exact(_ops.Select(o => o.DurationMs), 0.99), latency.GetProperty("p99").GetDouble());
        Assert.Equal(_ops.Average(o => o.DurationMs), latency.GetProperty("avg").GetDouble(), 6);
        var ttfts = _ops.Where(o => o.TtftMs is not null).Select(o => o.TtftMs!.Value).ToList();
        AssertWithin2Percent(Exact(ttfts, 0.50), s.GetProperty("ttftMs").GetProperty("p50").GetDouble());
        AssertWithin2Percent(Exact(ttfts, 0.95), s.GetProperty("ttftMs").GetProperty("p95").GetDouble());
        Assert.Equal(_ops.Count / 300.0, s.GetProperty("requestsPerSecond").GetDouble(), 9);
    }

    [Fact]
    public async Task Models_AfterBatch_OneRowPerModelWithExactFigures()
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/models?window=15m");

        var rows = body.GetProperty("models").EnumerateArray().ToList();
        Assert.Equal(2, rows.Count);
        foreach (var row in rows)
        {
            var model = row.GetProperty("model").GetString()!;
            var mine = _ops.Where(o => o.Model == model).ToList();
            Assert.Equal("openai", row.GetProperty("provider").GetString());
            Assert.True(row.GetProperty("priced").GetBoolean());
            var stats = row.GetProperty("stats");
            Assert.Equal(mine.Count, stats.GetProperty("requests").GetInt64());
            Assert.Equal(mine.Sum(Cost), stats.GetProperty("costUsd").GetDecimal());
            AssertWithin2Percent(Exact(mine.Select(o => o.DurationMs), 0.95), stats.GetProperty("latencyMs").GetProperty("p95").GetDouble());
        }
    }

    [Theory]
    [InlineData("model")]
    [InlineData("provider")]
    [InlineData("operation")]
    [InlineData("application")]
    [InlineData("user")]
    [InlineData("day")]
    public async Task Costs_EveryGroupBy_GroupsSumToTotal(string groupBy)
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>($"/api/v1/costs?window=1h&groupBy={groupBy}");

        var total = _ops.Sum(Cost);
        Assert.Equal(total, body.GetProperty("totalUsd").GetDecimal());
        var groups = body.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(total, groups.Sum(g => g.GetProperty("costUsd").GetDecimal()));
        Assert.Equal(_ops.Count, groups.Sum(g => g.GetProperty("requests").GetInt64()));
        Assert.Equal(1.0, groups.Sum(g => g.GetProperty("share").GetDouble()), 9);
        Func<Op, string> key = groupBy switch
        {
            "model" => o => "openai/" + o.Model,
            "provider" => _ => "openai",
            "operation" => o => o.Operation,
            "application" => o => o.App,
            "user" => o => o.User,
            _ => _ => "2026-11-27",
        };
        foreach (var expected in _ops.GroupBy(key))
        {
            var group = groups.Single(g => g.GetProperty("key").GetString() == expected.Key);
            Assert.Equal(expected.Sum(Cost), group.GetProperty("costUsd").GetDecimal());
            Assert.Equal(expected.Sum(o => o.Input), group.GetProperty("inputTokens").GetInt64());
        }
    }

    [Fact]
    public async Task Costs_Limit_KeepsTheHighestCostGroupsAndSaysHowManyThereAre()
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/costs?window=1h&groupBy=user&limit=3");

        var expected = _ops.GroupBy(o => o.User).Select(g => (g.Key, Cost: g.Sum(Cost))).OrderByDescending(g => g.Cost).ToList();
        Assert.Equal(7, expected.Count);
        var groups = body.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(expected.Take(3).Select(g => g.Key), groups.Select(g => g.GetProperty("key").GetString()));
        Assert.Equal(expected.Take(3).Select(g => g.Cost), groups.Select(g => g.GetProperty("costUsd").GetDecimal()));
        Assert.Equal(7, body.GetProperty("groupCount").GetInt32());
        Assert.True(body.GetProperty("truncated").GetBoolean());
        Assert.Equal(_ops.Sum(Cost), body.GetProperty("totalUsd").GetDecimal());

        var all = await client.GetFromJsonAsync<JsonElement>("/api/v1/costs?window=1h&groupBy=user");
        Assert.Equal(7, all.GetProperty("groups").GetArrayLength());
        Assert.Equal(7, all.GetProperty("groupCount").GetInt32());
        Assert.False(all.GetProperty("truncated").GetBoolean());
    }

    [Fact]
    public void CostBreakdown_Top_CutsGroupsOnlyAndKeepsTheCount()
    {
        var groups = Enumerable.Range(0, 5).Select(i => new CostGroup($"k{i}", 5 - i, 1, 0, 0, 0.2)).ToList();
        var breakdown = new CostBreakdown("user", 15, 0, groups);

        var top = breakdown.Top(2);

        Assert.Equal(["k0", "k1"], top.Groups.Select(g => g.Key));
        Assert.Equal(5, top.GroupCount);
        Assert.True(top.Truncated);
        Assert.Equal(15, top.TotalUsd);
        Assert.Same(breakdown, breakdown.Top(5));
        Assert.False(breakdown.Truncated);
        Assert.Throws<ArgumentOutOfRangeException>(() => breakdown.Top(-1));
    }

    [Fact]
    public async Task TimeSeries_Requests_PointsSumToBatchSize()
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=requests&window=15m&step=1m&groupBy=model");

        Assert.Equal(60_000, body.GetProperty("stepMs").GetInt64());
        var series = body.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(["openai/gpt-4o", "openai/gpt-4o-mini"], series.Select(s => s.GetProperty("key").GetString()));
        var sum = series.Sum(s => s.GetProperty("points").EnumerateArray().Sum(p => p[1].GetDouble()));
        Assert.Equal(_ops.Count, sum);
    }

    [Fact]
    public async Task Errors_AfterBatch_CategorisesWithSample()
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/errors?window=5m");

        var category = Assert.Single(body.GetProperty("categories").EnumerateArray());
        Assert.Equal("rate_limit", category.GetProperty("category").GetString());
        Assert.Equal(_ops.Count(o => o.Failed), category.GetProperty("count").GetInt64());
        Assert.Equal(1.0, category.GetProperty("share").GetDouble());
        Assert.Equal(429, category.GetProperty("sample").GetProperty("httpStatus").GetInt32());
    }

    [Theory]
    [InlineData("/api/v1/summary?window=5x", "window")]
    [InlineData("/api/v1/summary?window=31d", "window")]
    [InlineData("/api/v1/summary?window=30s", "window")]
    [InlineData("/api/v1/costs?groupBy=planet", "groupBy")]
    [InlineData("/api/v1/costs?groupBy=user&limit=0", "limit")]
    [InlineData("/api/v1/costs?groupBy=user&limit=100001", "limit")]
    [InlineData("/api/v1/costs?groupBy=user&limit=-5", "limit")]
    [InlineData("/api/v1/costs?groupBy=user&limit=ten", "limit")]
    [InlineData("/api/v1/timeseries?metric=happiness", "metric")]
    [InlineData("/api/v1/timeseries?metric=requests&window=1h&step=7s", "step")]
    public async Task Read_BadParameter_Returns400ProblemThatSaysWhatIsAllowed(string url, string parameter)
    {
        using var client = _factory.CreateApiClient(ConciergusRole.Viewer);

        var response = await client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(parameter, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task Summary_OperationsOutsideWindow_AreNotCounted()
    {
        using var client = await PostBatchAsync();

        _factory.Time.Advance(TimeSpan.FromMinutes(4));
        var s = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1m");

        Assert.Equal(0, s.GetProperty("requests").GetInt64());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("latencyMs").GetProperty("p95").ValueKind);
    }

    [Fact]
    public async Task Healthz_ReportsRecordedCount()
    {
        using var client = await PostBatchAsync();

        var body = await client.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(_ops.Count, body.GetProperty("collector").GetProperty("recorded").GetInt64());
    }
}
