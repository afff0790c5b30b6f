using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.AppMetrics;
using Conciergus.Core.Model;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using static Conciergus.Dashboard.Tests.AppMetrics.OtelMetricFactory;

namespace Conciergus.Dashboard.Tests.AppMetrics;

public sealed class RecoverySeriesTests
{
    private static AiOperation Op(string model, DateTimeOffset end, int retries = 0, bool fallback = false) => new()
    {
        OperationId = Guid.NewGuid().ToString("N"),
        StartTime = end.AddMilliseconds(-100),
        DurationMs = 100,
        Provider = "openai",
        RequestModel = model,
        RetryCount = retries,
        FallbackUsed = fallback,
    };

    [Fact]
    public void Accept_RetriesAndFallbacks_RatesPerModelAndLines()
    {
        var (store, time) = Store();
        time.Advance(TimeSpan.FromMinutes(1));
        var recovery = new RecoverySeries(store, time);
        var at = time.GetUtcNow().AddSeconds(-30);
        for (var i = 0; i < 10; i++)
        {
            recovery.Accept(Op("gpt-4o", at, retries: i < 3 ? 2 : 0, fallback: i == 9));
        }

        for (var i = 0; i < 4; i++)
        {
            recovery.Accept(Op("gpt-4o-mini", at, fallback: i < 2));
        }

        var from = time.GetUtcNow().AddMinutes(-5);
        var to = time.GetUtcNow().AddTicks(1);
        Assert.Equal([("openai/gpt-4o", 0.3), ("openai/gpt-4o-mini", 0.0)], store.Values(RecoverySeries.RetryRate, OtelAggregation.Sum, "attr.model", from, to));
        Assert.Equal([("openai/gpt-4o", 0.1), ("openai/gpt-4o-mini", 0.5)], store.Values(RecoverySeries.FallbackRate, OtelAggregation.Sum, "attr.model", from, to));
        Assert.Equal(6, store.Value(RecoverySeries.Retries, OtelAggregation.Sum, null, from, to));
        var (retry, fallback, _) = recovery.Lines(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(1));
        Assert.Equal(3.0 / 14, Assert.Single(retry, p => p[1] is not null)[1]!.Value, 9);
        Assert.Equal(3.0 / 14, Assert.Single(fallback, p => p[1] is not null)[1]!.Value, 9);
        Assert.Equal((14d, 3d, 3d, 0d), recovery.Totals(TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Api_OperationsWithRetries_FallbackSeriesAndAlertRuleAccepted()
    {
        using var factory = new ConciergusAppFactory();
        using var ingest = factory.CreateIngestionClient();
        var posted = await ingest.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 100, retryCount = 1, fallbackUsed = true, timestamp = factory.Time.GetUtcNow() },
            new { model = "gpt-4o", provider = "openai", durationMs = 100, timestamp = factory.Time.GetUtcNow() },
        });
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);

        var series = await ingest.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=otel:conciergus.model.fallbacks:sum&window=5m&step=5m&groupBy=attr.model");
        var line = Assert.Single(series.GetProperty("series").EnumerateArray());
        Assert.Equal("openai/gpt-4o", line.GetProperty("key").GetString());
        Assert.Equal(1, line.GetProperty("points").EnumerateArray().Sum(p => p[1].ValueKind == JsonValueKind.Number ? p[1].GetDouble() : 0));

        using var admin = factory.CreateApiClient(ConciergusRole.Admin);
        var rule = await admin.PostAsync(new Uri("/api/v1/alert-rules", UriKind.Relative), new StringContent(
            """{"name": "Falling back", "metric": "otel:conciergus.model.fallback_rate", "window": "15m", "groupBy": ["attr.model"], "operator": ">", "threshold": 0.1, "for": "5m", "severity": "high"}""",
            Encoding.UTF8,
            "application/json"));
        Assert.Equal(HttpStatusCode.Created, rule.StatusCode);
    }
}
