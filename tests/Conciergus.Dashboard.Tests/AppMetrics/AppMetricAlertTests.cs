using System.Net;
using System.Text;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Google.Protobuf;
using static Conciergus.Dashboard.Tests.AppMetrics.OtelMetricFactory;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>An alert rule on an otel: metric, through the evaluator and a real webhook receiver (as the alert tests do).</summary>
public sealed class AppMetricAlertTests : IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;
    private ConciergusAppFactory _app = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _app = new ConciergusAppFactory(new Dictionary<string, string?>
        {
            ["Conciergus:Alerts:AllowedReceiverNetworks:0"] = "127.0.0.0/8",
            ["Conciergus:Alerts:AllowedReceiverNetworks:1"] = "::1/128",
            ["Conciergus:Alerts:Receivers:0:Name"] = "ops",
            ["Conciergus:Alerts:Receivers:0:Url"] = _receiver.Url.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task OtelRule_MemoryAboveThresholdFor20s_FiresPerApplicationToTheReceiver()
    {
        using var admin = _app.CreateApiClient(ConciergusRole.Admin);
        var created = await admin.PostAsync(new Uri("/api/v1/alert-rules", UriKind.Relative), new StringContent(
            """{"name": "Memory high", "metric": "otel:process.memory.usage", "window": "1m", "groupBy": ["application"], "operator": ">", "threshold": 500000000, "for": "20s", "severity": "high", "receivers": ["ops"]}""",
            Encoding.UTF8,
            "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.JsonAsync();
        Assert.Equal("otel:process.memory.usage", rule.GetProperty("metric").GetString());

        var t0 = _app.Time.GetUtcNow();
        using var ingest = _app.CreateIngestionClient();
        while (_app.Time.GetUtcNow() < t0.AddSeconds(70))
        {
            var now = _app.Time.GetUtcNow();
            foreach (var (service, bytes) in new[] { ("api", 600_000_000d), ("worker", 100_000_000d) })
            {
                var body = Request(service, Gauge("process.memory.usage", Point(bytes, now))).ToByteArray();
                (await ingest.PostAsync(new Uri("/v1/metrics", UriKind.Relative), OtlpRequests.Protobuf(body))).EnsureSuccessStatusCode();
            }

            await _app.TickAsync();
        }

        var webhook = await NextOfRule("Memory high");
        Assert.Equal("firing", webhook.Json.GetProperty("status").GetString());
        var alert = Assert.Single(webhook.Json.GetProperty("alerts").EnumerateArray());
        Assert.Equal("api", alert.GetProperty("labels").GetProperty("application").GetString());
        Assert.Equal("high", alert.GetProperty("labels").GetProperty("severity").GetString());
        using var viewer = _app.CreateApiClient(ConciergusRole.Viewer);
        var firing = (await (await viewer.GetAsync(new Uri("/api/v1/alerts?state=firing", UriKind.Relative))).JsonAsync()).GetProperty("alerts");
        Assert.Equal(["api"], firing.EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "Memory high")
            .Select(a => a.GetProperty("labels").GetProperty("application").GetString()));
    }

    [Theory]
    [InlineData("otel:process.memory.usage", "[\"model\"]")]
    [InlineData("otel:process.memory.usage:median", "[]")]
    public async Task OtelRule_BadGroupOrAggregation_400(string metric, string groupBy)
    {
        using var admin = _app.CreateApiClient(ConciergusRole.Admin);
        var response = await admin.PostAsync(new Uri("/api/v1/alert-rules", UriKind.Relative), new StringContent(
            $$"""{"name": "x", "metric": "{{metric}}", "window": "1m", "groupBy": {{groupBy}}, "operator": ">", "threshold": 1}""",
            Encoding.UTF8,
            "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private async Task<ReceivedWebhook> NextOfRule(string name)
    {
        while (true)
        {
            var next = await _receiver.NextAsync();
            if (next.Json.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("labels").GetProperty("alertname").GetString() == name))
            {
                return next;
            }
        }
    }
}
