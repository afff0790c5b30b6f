using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Metrics;

/// <summary>GET /metrics over operations posted to the JSON API: format, counters, histograms, escaping.</summary>
public sealed class MetricsEndpointTests : IDisposable
{
    private const string WeirdModel = "we\"ird\\model\nv2";

    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private sealed record Op(string Model, double DurationMs, double? TtftMs, long Input, long Cached, long Output, long Reasoning, bool Failed, string App);

    // 60 operations: 3 models (one with characters that need escaping), 2 applications, every 6th failed.
    private static readonly List<Op> Ops = [.. Enumerable.Range(0, 60).Select(i => new Op(
        (i % 3) switch { 0 => "gpt-4o", 1 => "gpt-4o-mini", _ => WeirdModel },
        DurationMs: 30 + (i * 97 % 5000),
        TtftMs: i % 2 == 0 ? 5 + (i * 13 % 900) : null,
        Input: 100 + i,
        Cached: i % 4 == 0 ? 50 : 0,
        Output: 20 + i,
        Reasoning: i % 5 == 0 ? 10 : 0,
        Failed: i % 6 == 0,
        App: i % 2 == 0 ? "support" : "billing"))];

    private async Task PostAsync(IEnumerable<Op> ops)
    {
        var client = _factory.CreateIngestionClient();
        var start = _factory.Time.GetUtcNow().AddMinutes(-1);
        var body = new
        {
            operations = ops.Select((o, i) => new Dictionary<string, object?>
            {
                ["timestamp"] = start.AddMilliseconds(i).ToString("O", CultureInfo.InvariantCulture),
                ["durationMs"] = o.DurationMs,
                ["timeToFirstTokenMs"] = o.TtftMs,
                ["provider"] = "openai",
                ["model"] = o.Model,
                ["inputTokens"] = o.Input,
                ["cachedInputTokens"] = o.Cached,
                ["outputTokens"] = o.Output,
                ["reasoningTokens"] = o.Reasoning,
                ["status"] = o.Failed ? "error" : "ok",
                ["error"] = o.Failed ? new { type = "RateLimitError", httpStatus = 429 } : null,
                ["application"] = o.App,
                ["traceId"] = (i + 1).ToString("x32", CultureInfo.InvariantCulture),
                ["spanId"] = (i + 1).ToString("x16", CultureInfo.InvariantCulture),
            }).ToList(),
        };
        var response = await client.PostAsJsonAsync("/api/v1/operations", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    private async Task<(HttpResponseMessage Response, PrometheusText Metrics)> ScrapeAsync()
    {
        var response = await _factory.CreateApiKeyClient().GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        return (response, PrometheusText.Parse(text));
    }

    [Fact]
    public async Task Metrics_Always_TextFormat004WithHelpAndTypeForEveryFamily()
    {
        await PostAsync(Ops);

        var (response, metrics) = await ScrapeAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(metrics.Types.Keys.Order(), metrics.Help.Keys.Order());
        Assert.All(metrics.Types.Where(t => t.Value == "counter"), t => Assert.EndsWith("_total", t.Key, StringComparison.Ordinal));
        Assert.All(metrics.Samples, s => Assert.True(s.Value >= 0 && !double.IsNaN(s.Value), $"{s.Name} = {s.Value}"));
        Assert.Contains("conciergus_ai_requests_total", metrics.Types.Keys);
        Assert.Contains("process_resident_memory_bytes", metrics.Types.Keys);
    }

    [Fact]
    public async Task Metrics_PostedOperations_CountersMatchExactly()
    {
        await PostAsync(Ops);

        var (_, m) = await ScrapeAsync();

        Assert.Equal(60, m.Sum("conciergus_ai_requests_total"));
        Assert.Equal(20, m.Sum("conciergus_ai_requests_total", s => s["model"] == "gpt-4o"));
        Assert.Equal(30, m.Sum("conciergus_ai_requests_total", s => s["application"] == "billing"));
        Assert.All(m.Named("conciergus_ai_requests_total"), s => Assert.Equal("openai", s["provider"]));
        Assert.Equal(10, m.Sum("conciergus_ai_errors_total"));
        Assert.All(m.Named("conciergus_ai_errors_total"), s => Assert.Equal("rate_limit", s["category"]));
        Assert.Equal(Ops.Sum(o => o.Input), m.Sum("conciergus_ai_tokens_total", s => s["type"] == "input"));
        Assert.Equal(Ops.Sum(o => o.Cached), m.Sum("conciergus_ai_tokens_total", s => s["type"] == "cached_input"));
        Assert.Equal(Ops.Sum(o => o.Output), m.Sum("conciergus_ai_tokens_total", s => s["type"] == "output"));
        Assert.Equal(Ops.Sum(o => o.Reasoning), m.Sum("conciergus_ai_tokens_total", s => s["type"] == "reasoning"));
        Assert.Equal(0, m.Sum("conciergus_ai_tokens_total", s => s["type"] == "cache_creation"));
        Assert.True(m.Sum("conciergus_ai_cost_usd_total", s => s["model"] == "gpt-4o") > 0);
        Assert.Equal(20, m.Sum("conciergus_ai_unpriced_requests_total", s => s["model"] == WeirdModel));
        Assert.Equal(60, m.Sum("conciergus_ingestion_operations_total", s => s["result"] == "recorded"));
        Assert.Equal(0, m.Sum("conciergus_ingestion_operations_total", s => s["result"] == "dropped"));
        Assert.Equal(60, m.Sum("conciergus_traces_stored"));
        Assert.True(m.Sum("conciergus_timeseries_series") > 0);
    }

    [Fact]
    public async Task Metrics_Histograms_BucketsCumulativeAndCountsMatch()
    {
        await PostAsync(Ops);

        var (_, m) = await ScrapeAsync();

        foreach (var (family, expectedCount) in new[] { ("conciergus_ai_request_duration_seconds", 60), ("conciergus_ai_time_to_first_token_seconds", 30) })
        {
            Assert.Equal("histogram", m.Types[family]);
            var total = 0d;
            foreach (var model in new[] { "gpt-4o", "gpt-4o-mini", WeirdModel })
            {
                var buckets = m.Named(family + "_bucket").Where(s => s["model"] == model).ToList();
                var bounds = buckets.Select(b => b["le"] == "+Inf" ? double.PositiveInfinity : double.Parse(b["le"]!, CultureInfo.InvariantCulture)).ToList();
                Assert.Equal(bounds.Order(), bounds);
                Assert.True(double.IsPositiveInfinity(bounds[^1]));
                for (var i = 1; i < buckets.Count; i++)
                {
                    Assert.True(buckets[i].Value >= buckets[i - 1].Value, $"{family} {model} bucket {bounds[i]} < previous");
                }

                var count = m.Named(family + "_count").Single(s => s["model"] == model).Value;
                Assert.Equal(count, buckets[^1].Value);
                total += count;

                // Every observation at or below a bound is in that bound's bucket.
                var observed = Ops.Where(o => o.Model == model)
                    .Select(o => family.Contains("duration", StringComparison.Ordinal) ? o.DurationMs : o.TtftMs)
                    .OfType<double>().Select(ms => ms / 1000).ToList();
                for (var i = 0; i < buckets.Count - 1; i++)
                {
                    Assert.Equal(observed.Count(v => v <= bounds[i]), buckets[i].Value);
                }

                Assert.Equal(observed.Sum(), m.Named(family + "_sum").Single(s => s["model"] == model).Value, 6);
            }

            Assert.Equal(expectedCount, total);
        }
    }

    [Fact]
    public async Task Metrics_LabelValueWithQuoteBackslashNewline_EscapedAndReadBackExactly()
    {
        await PostAsync(Ops.Where(o => o.Model == WeirdModel));

        var response = await _factory.CreateApiKeyClient().GetStringAsync("/metrics");

        Assert.Contains("model=\"we\\\"ird\\\\model\\nv2\"", response, StringComparison.Ordinal);
        var m = PrometheusText.Parse(response);
        Assert.Equal(20, m.Sum("conciergus_ai_requests_total", s => s["model"] == WeirdModel));
    }

    [Fact]
    public async Task Metrics_MorePosted_CountersNeverDecrease()
    {
        await PostAsync(Ops.Take(30));
        var (_, before) = await ScrapeAsync();

        // Time passes beyond the windows of the finest ring buffer; counters are cumulative regardless.
        _factory.Time.Advance(TimeSpan.FromHours(2));
        await PostAsync(Ops.Skip(30));
        var (_, after) = await ScrapeAsync();

        foreach (var sample in before.Samples.Where(s => before.Types.GetValueOrDefault(s.Name) == "counter"))
        {
            var later = after.Named(sample.Name).Single(s => s.Labels.Count == sample.Labels.Count && s.Labels.All(l => sample[l.Key] == l.Value));
            Assert.True(later.Value >= sample.Value, $"{sample.Name} went from {sample.Value} to {later.Value}");
        }

        Assert.Equal(60, after.Sum("conciergus_ai_requests_total"));
    }

    [Fact]
    public async Task Metrics_OtlpSpansPosted_IngestionCountersShowAcceptedAndRejected()
    {
        // One valid GenAI span and one without a start time (refused in a partial success).
        var end = _factory.Time.GetUtcNow().AddSeconds(-1).ToUnixTimeMilliseconds() * 1_000_000;
        var start = end - 500_000_000;
        var json = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"app\"}}]},"
            + "\"scopeSpans\":[{\"spans\":["
            + Span("eee19b7ec3c1b174", start, end) + ","
            + Span("aaa19b7ec3c1b175", 0, end)
            + "]}]}]}";
        using var client = _factory.CreateIngestionClient();
        var response = await client.PostAsync("/v1/traces", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var text = await _factory.CreateApiKeyClient().GetStringAsync("/metrics");

        Assert.Contains("conciergus_otlp_spans_total{result=\"accepted\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("conciergus_otlp_spans_total{result=\"rejected\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("conciergus_otlp_requests_total{result=\"ok\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE conciergus_otlp_pending_child_spans gauge", text, StringComparison.Ordinal);

        static string Span(string spanId, long startNanos, long endNanos) =>
            "{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"" + spanId + "\",\"name\":\"chat gpt-4o\",\"kind\":3,"
            + "\"startTimeUnixNano\":\"" + startNanos.ToString(CultureInfo.InvariantCulture) + "\",\"endTimeUnixNano\":\"" + endNanos.ToString(CultureInfo.InvariantCulture) + "\","
            + "\"attributes\":[{\"key\":\"gen_ai.operation.name\",\"value\":{\"stringValue\":\"chat\"}},"
            + "{\"key\":\"gen_ai.provider.name\",\"value\":{\"stringValue\":\"openai\"}},"
            + "{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}}]}";
    }
}
