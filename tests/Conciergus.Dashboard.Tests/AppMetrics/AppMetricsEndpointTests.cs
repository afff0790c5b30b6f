using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Google.Protobuf;
using static Conciergus.Dashboard.Tests.AppMetrics.OtelMetricFactory;

namespace Conciergus.Dashboard.Tests.AppMetrics;

public sealed class AppMetricsEndpointTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Timeseries_GenAiClientMetrics_ShownButNeverCountedAsCalls()
    {
        var client = _factory.CreateIngestionClient();
        var now = _factory.Time.GetUtcNow();
        var start = now.AddSeconds(-30);
        var duration = new Histogram { AggregationTemporality = AggregationTemporality.Delta };
        var point = new HistogramDataPoint { Count = 4, Sum = 6.0, TimeUnixNano = Nanos(now.AddSeconds(-2)), StartTimeUnixNano = Nanos(start) };
        point.Attributes.Add(OtlpRequests.Attr("gen_ai.request.model", "gpt-4o"));
        duration.DataPoints.Add(point);
        var tokens = Sum("gen_ai.client.token.usage", monotonic: true, delta: true,
            Point(1200, now.AddSeconds(-2), start, ("gen_ai.token.type", "input"), ("gen_ai.request.model", "gpt-4o")),
            Point(300, now.AddSeconds(-2), start, ("gen_ai.token.type", "output"), ("gen_ai.request.model", "gpt-4o")));
        var request = Request("chat-app", new Metric { Name = "gen_ai.client.operation.duration", Unit = "s", Histogram = duration }, tokens);

        var response = await client.PostAsync(new Uri("/v1/metrics", UriKind.Relative), OtlpRequests.Protobuf(request.ToByteArray()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(0, summary.GetProperty("requests").GetInt64());
        Assert.Equal(0, summary.GetProperty("inputTokens").GetInt64());
        var mean = await client.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=otel:gen_ai.client.operation.duration&window=5m&step=1m&groupBy=application");
        var line = Assert.Single(mean.GetProperty("series").EnumerateArray());
        Assert.Equal("chat-app", line.GetProperty("key").GetString());
        Assert.Contains(line.GetProperty("points").EnumerateArray(), p => p[1].ValueKind == JsonValueKind.Number && p[1].GetDouble() == 1.5);
        Assert.Equal("histogram", mean.GetProperty("kind").GetString());
        var byType = await client.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=otel:gen_ai.client.token.usage:sum&window=5m&step=5m&groupBy=attr.gen_ai.token.type");
        var sums = byType.GetProperty("series").EnumerateArray()
            .ToDictionary(l => l.GetProperty("key").GetString()!, l => l.GetProperty("points").EnumerateArray().Sum(p => p[1].ValueKind == JsonValueKind.Number ? p[1].GetDouble() : 0));
        Assert.Equal(1200, sums["input"]);
        Assert.Equal(300, sums["output"]);
    }

    [Theory]
    [InlineData("metric=otel:x&groupBy=model", "groupBy")]
    [InlineData("metric=otel:x:median", "metric")]
    [InlineData("metric=otel:x&model=gpt-4o", "model")]
    [InlineData("metric=otel:x&step=soon", "step")]
    public async Task Timeseries_BadOtelQuery_400SaysWhich(string query, string parameter)
    {
        var client = _factory.CreateIngestionClient();

        var response = await client.GetAsync(new Uri("/api/v1/timeseries?" + query, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(parameter, problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }
}
