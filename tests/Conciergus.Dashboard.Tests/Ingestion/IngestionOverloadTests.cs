using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Conciergus.Dashboard.Tests.Ingestion.OtlpRequests;
using RpcStatus = Conciergus.Core.Ingestion.Otlp.Proto.Rpc.Status;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Back-pressure: a full <see cref="IngestionGate"/> makes every ingestion endpoint answer 429, counted everywhere.</summary>
public sealed class IngestionOverloadTests : IDisposable
{
    private const int Limit = 2;

    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Conciergus:Ingestion:MaxConcurrentRequests"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Conciergus:Ingestion:OverloadRetryAfter"] = "00:00:03",
    });

    public void Dispose() => _factory.Dispose();

    private IngestionGate Gate => _factory.Services.GetRequiredService<IngestionGate>();

    private DateTimeOffset Now => _factory.Time.GetUtcNow();

    /// <summary>Holds every slot, as <see cref="Limit"/> slow requests in flight would.</summary>
    private void FillGate()
    {
        for (var i = 0; i < Limit; i++)
        {
            Assert.True(Gate.TryEnter(IngestionEndpoint.Otlp));
        }
    }

    private void EmptyGate()
    {
        for (var i = 0; i < Limit; i++)
        {
            Gate.Exit();
        }
    }

    [Fact]
    public async Task PostTraces_GateFull_Returns429WithRetryAfterAndResourceExhaustedStatus()
    {
        // Arrange
        using var client = _factory.CreateIngestionClient();
        FillGate();

        // Act
        var response = await client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now), ChatSpan(Now))));

        // Assert: 429, Retry-After from the options, a google.rpc.Status RESOURCE_EXHAUSTED; nothing was ingested
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var status = RpcStatus.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, status.Code);
        Assert.Contains("limit of 2 concurrent requests", status.Message, StringComparison.Ordinal);
        var otlp = _factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot();
        Assert.Equal(0, otlp.Requests);
        Assert.Equal(0, otlp.AcceptedSpans);
        var gate = Gate.Snapshot();
        Assert.Equal(1, gate.ThrottledOtlp);
        Assert.Equal(0, gate.ThrottledJson);
        Assert.Equal(Limit, gate.InFlight);
    }

    [Fact]
    public async Task PostTraces_AfterSlotsFreed_AcceptsAgainAndCountsExactly()
    {
        // Arrange: two refused while full, then the slots come back
        using var client = _factory.CreateIngestionClient();
        FillGate();
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now))))).StatusCode);
        }

        EmptyGate();

        // Act
        var response = await client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now), ChatSpan(Now), ChatSpan(Now))));

        // Assert: the retried request is accepted whole; the counters say 2 throttled, 3 spans accepted, 1 request
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess);
        var otlp = _factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot();
        Assert.Equal(1, otlp.Requests);
        Assert.Equal(3, otlp.AcceptedSpans);
        var gate = Gate.Snapshot();
        Assert.Equal(2, gate.ThrottledOtlp);
        Assert.Equal(0, gate.InFlight);
        Assert.Equal(Limit, gate.PeakInFlight);
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(3, summary.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task PostTraces_ConcurrentFlood_EveryRequestAcceptedOrThrottledAndCountersReconcile()
    {
        // Arrange: one slot held, so the 32 concurrent requests share one; how many get 429 depends on timing,
        // but each is either accepted whole or refused whole, and every counter must agree with the replies.
        using var client = _factory.CreateIngestionClient();
        Assert.True(Gate.TryEnter(IngestionEndpoint.Otlp));

        // Act
        var replies = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
            client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now), ChatSpan(Now), ChatSpan(Now))))));

        // Assert
        var ok = replies.Count(r => r.StatusCode == HttpStatusCode.OK);
        var throttled = replies.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal(32, ok + throttled);
        var otlp = _factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot();
        Assert.Equal(ok, otlp.Requests);
        Assert.Equal(3L * ok, otlp.AcceptedSpans);
        var gate = Gate.Snapshot();
        Assert.Equal(throttled, gate.ThrottledOtlp);
        Assert.Equal(1, gate.InFlight);
        Assert.True(gate.PeakInFlight <= Limit, $"peak {gate.PeakInFlight} over the limit {Limit}");
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(3L * ok, summary.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task PostTracesJson_GateFull_Returns429ProblemWithCode()
    {
        using var client = _factory.CreateIngestionClient();
        FillGate();

        var response = await client.PostAsync("/v1/traces", Json("{\"resourceSpans\":[]}"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(8, problem.GetProperty("code").GetInt32());
        Assert.Equal(1, Gate.Snapshot().ThrottledOtlp);
    }

    [Fact]
    public async Task PostOperations_GateFull_Returns429AndCountsJson()
    {
        using var client = _factory.CreateIngestionClient();
        FillGate();
        var body = new StringContent("[{\"model\":\"gpt-4o\",\"inputTokens\":1,\"outputTokens\":1}]", Encoding.UTF8, "application/json");

        var response = await client.PostAsync("/api/v1/operations", body);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        var gate = Gate.Snapshot();
        Assert.Equal(1, gate.ThrottledJson);
        Assert.Equal(0, gate.ThrottledOtlp);
    }

    [Fact]
    public async Task PostTraces_WithoutKeyWhileGateFull_Returns401AndTakesNoSlot()
    {
        using var client = _factory.CreateClient();
        FillGate();

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, Gate.Snapshot().ThrottledOtlp);
    }

    [Fact]
    public async Task MetricsAndHealthz_AfterThrottling_ShowTheCounters()
    {
        // Arrange: one OTLP and one JSON request refused
        using var ingest = _factory.CreateIngestionClient();
        FillGate();
        await ingest.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now))));
        await ingest.PostAsync("/api/v1/operations", new StringContent("[]", Encoding.UTF8, "application/json"));
        using var viewer = _factory.CreateApiClient(ConciergusRole.Viewer);

        // Act
        var metrics = await viewer.GetStringAsync("/metrics");
        var health = await viewer.GetFromJsonAsync<JsonElement>("/healthz");

        // Assert
        Assert.Contains("conciergus_ingestion_throttled_requests_total{endpoint=\"otlp\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_ingestion_throttled_requests_total{endpoint=\"json\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_ingestion_in_flight_requests 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("conciergus_ingestion_max_concurrent_requests 2\n", metrics, StringComparison.Ordinal);
        var gate = health.GetProperty("ingestion").GetProperty("gate");
        Assert.Equal(1, gate.GetProperty("throttledOtlp").GetInt64());
        Assert.Equal(1, gate.GetProperty("throttledJson").GetInt64());
        Assert.Equal(0, health.GetProperty("ingestion").GetProperty("otlp").GetProperty("acceptedSpans").GetInt64());
    }
}

/// <summary>The gate on its own: exact admission and counting, also when callers race.</summary>
public sealed class IngestionGateTests
{
    private static IngestionGate Gate(int limit) => new(Options.Create(new IngestionOptions { MaxConcurrentRequests = limit }));

    [Fact]
    public void TryEnter_AtLimit_RefusesAndCountsPerEndpoint()
    {
        var gate = Gate(2);

        Assert.True(gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.True(gate.TryEnter(IngestionEndpoint.Json));
        Assert.False(gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.False(gate.TryEnter(IngestionEndpoint.Json));
        Assert.False(gate.TryEnter(IngestionEndpoint.Json));

        Assert.Equal(new IngestionGateSnapshot(2, 2, 2, 2, 1, 2), gate.Snapshot());
    }

    [Fact]
    public void Exit_AfterRefusal_FreesTheSlot()
    {
        var gate = Gate(1);
        Assert.True(gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.False(gate.TryEnter(IngestionEndpoint.Otlp));

        gate.Exit();

        Assert.True(gate.TryEnter(IngestionEndpoint.Otlp));
        Assert.Equal(new IngestionGateSnapshot(1, 1, 1, 2, 1, 0), gate.Snapshot());
    }

    [Fact]
    public async Task TryEnter_ManyRacingCallers_AdmitsExactlyTheLimit()
    {
        // 64 tasks x 500 attempts, nobody exits: exactly 10 admissions, every other attempt counted as throttled.
        var gate = Gate(10);
        using var start = new ManualResetEventSlim();
        var admitted = 0;
        var tasks = Enumerable.Range(0, 64).Select(_ => Task.Run(() =>
        {
            start.Wait();
            for (var i = 0; i < 500; i++)
            {
                if (gate.TryEnter(IngestionEndpoint.Otlp))
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })).ToArray();

        start.Set();
        await Task.WhenAll(tasks);

        Assert.Equal(10, admitted);
        var s = gate.Snapshot();
        Assert.Equal(10, s.InFlight);
        Assert.Equal(10, s.Admitted);
        Assert.Equal((64 * 500) - 10, s.ThrottledOtlp);
        Assert.Equal(10, s.PeakInFlight);
    }

    [Theory]
    [InlineData(0, "00:00:01", "MaxConcurrentRequests must be between 1 and 100000")]
    [InlineData(8, "00:00:00.500", "OverloadRetryAfter must be between 00:00:01 and 00:10:00")]
    public void Validate_BadOverloadOptions_SaysWhatIsWrong(int maxConcurrent, string retryAfter, string expected)
    {
        var options = new IngestionOptions { MaxConcurrentRequests = maxConcurrent, OverloadRetryAfter = TimeSpan.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture) };

        var result = new IngestionOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }
}
