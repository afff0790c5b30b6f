using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Resilience;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Experiments;

using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Resilience;

public sealed class ResilienceEndpointsTests : IDisposable
{
    private readonly FakeAuditLog _audit = new();
    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Conciergus:Resilience:Signals:ConcurrencyPerReplica"] = "4",
    });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task ForceOpen_AsOperator_PinsTheCircuitAndIsAudited()
    {
        var app = App();
        using var operatorClient = app.CreateApiKeyClient(ConciergusRole.Operator);
        using var viewer = app.CreateApiKeyClient(ConciergusRole.Viewer);

        var opened = await operatorClient.PostAsync("/api/v1/circuits/openai/gpt-4o/open", null);

        Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        var snapshot = await opened.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("openai", snapshot.GetProperty("provider").GetString());
        Assert.Equal(CircuitStatus.Open, app.Services.GetRequiredService<CircuitRegistry>().StateOf(new ModelTarget("openai", "gpt-4o")));
        var entry = Assert.Single(_audit.Events, e => e.Action.StartsWith("circuit.", StringComparison.Ordinal));
        Assert.Equal(("circuit.force_open", "openai/gpt-4o", "Operator"), (entry.Action, entry.Target, entry.Role));
        Assert.Equal("Open", entry.Details!["forced"]);

        var list = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/circuits");
        var circuit = Assert.Single(list.GetProperty("circuits").EnumerateArray().ToList());
        Assert.Equal("gpt-4o", circuit.GetProperty("model").GetString());

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync("/api/v1/circuits/openai/gpt-4o/close", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync("/api/v1/circuits/openai/gpt-4o/reset", null)).StatusCode);
        Assert.Equal(
            ["circuit.force_open", "circuit.force_close", "circuit.reset"],
            _audit.Events.Select(e => e.Action).Where(a => a.StartsWith("circuit.", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ForceOpen_AsViewer_IsForbiddenAndNotAudited()
    {
        var app = App();
        using var viewer = app.CreateApiKeyClient(ConciergusRole.Viewer);

        var response = await viewer.PostAsync("/api/v1/circuits/openai/gpt-4o/open", null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(_audit.Events, e => e.Action.StartsWith("circuit.", StringComparison.Ordinal));
        Assert.Null(app.Services.GetRequiredService<CircuitRegistry>().Find("openai", "gpt-4o"));
    }

    [Fact]
    public async Task Signals_RisingRateAndLatency_FollowLittlesLawWithTrendAndHeadroom()
    {
        var app = App();
        using var viewer = app.CreateApiKeyClient(ConciergusRole.Viewer);
        var recorder = app.Services.GetRequiredService<IAiOperationRecorder>();
        var start = _factory.Time.GetUtcNow();
        _factory.Time.Advance(TimeSpan.FromMinutes(2)); // the cache takes completed calls, not calls from the future

        // Window before: 60 calls of 1 s (1/s). Last window: 120 calls of 2 s (2/s).
        for (var i = 0; i < 60; i++)
        {
            recorder.Record(Operation(start.AddSeconds(i + 0.5), 1000));
        }

        for (var i = 0; i < 120; i++)
        {
            recorder.Record(Operation(start.AddSeconds(60.25 + (i * 0.5)), 2000));
        }

        var body = await viewer.GetFromJsonAsync<JsonElement>("/api/v1/signals?window=1m");

        Assert.Equal(60, body.GetProperty("windowSeconds").GetDouble());
        var shop = Assert.Single(body.GetProperty("applications").EnumerateArray().ToList());
        Assert.Equal("shop", shop.GetProperty("application").GetString());
        Assert.Equal(2.0, shop.GetProperty("requestsPerSecond").GetDouble(), 9);
        Assert.Equal(1.0, shop.GetProperty("previousRequestsPerSecond").GetDouble(), 9);
        Assert.Equal(1.0, shop.GetProperty("rateTrend").GetDouble(), 9);
        Assert.Equal(2000, shop.GetProperty("meanLatencyMs").GetDouble(), 6);
        Assert.Equal(1.0, shop.GetProperty("latencyTrend").GetDouble(), 6);
        Assert.Equal(4.0, shop.GetProperty("inFlight").GetDouble(), 6); // 2/s x 2 s
        Assert.Equal(3.0, shop.GetProperty("projectedRequestsPerSecond").GetDouble(), 9); // 2 + (2 - 1)
        Assert.Equal(8, shop.GetProperty("recommendedConcurrency").GetInt32()); // ceil(3 x 2 x 1.25) = ceil(7.5)
        Assert.Equal(2, shop.GetProperty("replicaHint").GetInt32()); // ceil(8 / 4)

        using var metrics = await viewer.GetAsync("/metrics");
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("conciergus_recommended_concurrency{application=\"shop\"} 8", text, StringComparison.Ordinal);
        Assert.Contains("conciergus_replica_hint{application=\"shop\"} 2", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Signals_BadWindow_IsAProblem()
    {
        using var viewer = App().CreateApiKeyClient(ConciergusRole.Viewer);

        var response = await viewer.GetAsync("/api/v1/signals?window=3d");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void Signal_NoTrafficBefore_UsesTheCurrentRateAndHasNoTrend()
    {
        var current = new Core.TimeSeries.WindowAggregate { Requests = 30 };
        for (var i = 0; i < 30; i++)
        {
            current.Latency.Add(400);
        }

        var signal = ScalingSignals.Signal("a", current, new Core.TimeSeries.WindowAggregate(), TimeSpan.FromMinutes(1), new ScalingSignalSettings());

        // rate 0.5/s, projected max(0.5, 0.5 + 0.5) = 1/s; ceil(1 x 0.4 x 1.25) = 1.
        Assert.Equal((0.5, (double?)null, 1, 1), (signal.RequestsPerSecond, signal.RateTrend, signal.RecommendedConcurrency, signal.ReplicaHint));
        Assert.Equal(0.2, signal.InFlight, 9);
    }

    private static AiOperation Operation(DateTimeOffset end, double durationMs) => new()
    {
        OperationId = Guid.NewGuid().ToString("N")[..16],
        StartTime = end.AddMilliseconds(-durationMs),
        DurationMs = durationMs,
        Provider = "openai",
        RequestModel = "gpt-4o",
        Application = "shop",
    };

    private WebApplicationFactory<Program> App() =>
        _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IAuditLog>(_audit)));
}
