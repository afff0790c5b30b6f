using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Resource;
using Conciergus.Core.Ingestion.Otlp.Proto.Rpc;
using Conciergus.Dashboard.Tests.Endpoints;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static Conciergus.Dashboard.Tests.Ingestion.OtlpRequests;

namespace Conciergus.Dashboard.Tests.Ingestion.Grpc;

/// <summary>The OTLP/gRPC receiver: key, limits, back-pressure, partial success, logs, and the same answers as OTLP/HTTP.</summary>
public sealed class OtlpGrpcReceiverTests
{
    private static readonly string[] RecordedPayloads = ["vercel-ai5-batch-1.pb", "dotnet-sdk-meai.pb", "ai-sdk7-batch-1.pb"];

    [Fact]
    public async Task Export_SamePayloadsOverGrpcAndHttp_SameRepliesAndSameReadModels()
    {
        var requests = RecordedPayloads.Select(f => ExportTraceServiceRequest.Parser.ParseFrom(File.ReadAllBytes(PayloadPath(f)))).ToList();
        var now = DateTimeOffset.UnixEpoch.AddTicks((long)(requests.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).Max(s => s.EndTimeUnixNano) / 100));
        var invalid = Request("partial", ChatSpan(now, input: 7, output: 3), new Core.Ingestion.Otlp.Proto.Trace.Span { Name = "no ids", StartTimeUnixNano = 1 });
        requests.Add(invalid);
        var logs = LogsRequest("app-with-logs", now, requests[1].ResourceSpans[0].ScopeSpans[0].Spans[0].TraceId);

        using var grpc = new GrpcTestApp();
        using var http = new GrpcTestApp();
        grpc.Factory.Time.SetUtcNow(now.AddSeconds(1));
        http.Factory.Time.SetUtcNow(now.AddSeconds(1));
        using var ingest = http.Factory.CreateIngestionClient();
        foreach (var request in requests)
        {
            var overGrpc = await grpc.Traces.ExportAsync(request, GrpcTestApp.Key());
            var response = await ingest.PostAsync("/v1/traces", Protobuf(request.ToByteArray()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var overHttp = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(overHttp, overGrpc);
        }

        var logsOverGrpc = await grpc.Logs.ExportAsync(logs, GrpcTestApp.Key());
        var logsResponse = await ingest.PostAsync("/v1/logs", Protobuf(logs.ToByteArray()));
        Assert.Equal(ExportLogsServiceResponse.Parser.ParseFrom(await logsResponse.Content.ReadAsByteArrayAsync()), logsOverGrpc);

        // The partial success names the refused span, the same way on both transports.
        var partial = await grpc.Traces.ExportAsync(invalid, GrpcTestApp.Key());
        Assert.Equal(1, partial.PartialSuccess.RejectedSpans);
        Assert.Contains("'no ids'", partial.PartialSuccess.ErrorMessage, StringComparison.Ordinal);

        using var readGrpc = grpc.CreateReadClient();
        using var readHttp = http.CreateReadClient();
        foreach (var path in new[] { "/api/v1/summary?window=1h", "/api/v1/models?window=1h", "/api/v1/traces?limit=500", "/api/v1/logs?limit=1000" })
        {
            var a = await readGrpc.GetStringAsync(path);
            var b = await readHttp.GetStringAsync(path);
            Assert.Equal(Normalize(b), Normalize(a));
        }

        var summary = await readGrpc.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h");
        Assert.True(summary.GetProperty("requests").GetInt64() > 10);
    }

    [Fact]
    public async Task Export_WithoutKeyOrWithWrongKey_Unauthenticated_WithBearer_Accepted()
    {
        using var app = new GrpcTestApp();
        var request = Request("keys", ChatSpan(app.Factory.Time.GetUtcNow()));

        var none = await Assert.ThrowsAsync<RpcException>(() => app.Traces.ExportAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        var wrong = await Assert.ThrowsAsync<RpcException>(() => app.Traces.ExportAsync(request, GrpcTestApp.Key("not-the-key")).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, wrong.StatusCode);

        var bearer = await app.Traces.ExportAsync(request, new Metadata { { "authorization", "Bearer " + ConciergusAppFactory.SecondaryIngestionKey } });
        Assert.Null(bearer.PartialSuccess);
        var metrics = await app.Metrics.ExportAsync(new ExportMetricsServiceRequest(), GrpcTestApp.Key());
        Assert.Null(metrics.PartialSuccess);
        Assert.Equal(1, app.Factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot().AcceptedSpans);
    }

    [Fact]
    public async Task Export_GateFull_ResourceExhaustedWithRetryInfo_ThenAcceptedOnceASlotIsFree()
    {
        using var app = new GrpcTestApp(new() { ["Conciergus:Ingestion:MaxConcurrentRequests"] = "1", ["Conciergus:Ingestion:OverloadRetryAfter"] = "00:00:03" });
        var gate = app.Factory.Services.GetRequiredService<IngestionGate>();
        var request = Request("gate", ChatSpan(app.Factory.Time.GetUtcNow()));
        Assert.True(gate.TryEnter(IngestionEndpoint.Otlp)); // another request holds the only slot

        var refused = await Assert.ThrowsAsync<RpcException>(() => app.Traces.ExportAsync(request, GrpcTestApp.Key()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var details = refused.Trailers.GetValueBytes("grpc-status-details-bin");
        Assert.NotNull(details);
        var status = Core.Ingestion.Otlp.Proto.Rpc.Status.Parser.ParseFrom(details);
        Assert.Equal(8, status.Code);
        var retry = status.Details.Single().Unpack<RetryInfo>();
        Assert.Equal(TimeSpan.FromSeconds(3), retry.RetryDelay.ToTimeSpan());
        Assert.Equal(1, gate.Snapshot().ThrottledOtlp);

        gate.Exit();
        await app.Traces.ExportAsync(request, GrpcTestApp.Key());
        Assert.Equal(1, app.Factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot().AcceptedSpans);
    }

    [Fact]
    public async Task Export_MessageOverMaxRequestBytes_ResourceExhausted_NothingApplied()
    {
        using var app = new GrpcTestApp(new() { ["Conciergus:Ingestion:MaxRequestBytes"] = "2048" });
        var big = Request("big", Enumerable.Range(0, 40).Select(_ => ChatSpan(app.Factory.Time.GetUtcNow())).ToArray());
        Assert.True(big.CalculateSize() > 2048);

        var refused = await Assert.ThrowsAsync<RpcException>(() => app.Traces.ExportAsync(big, GrpcTestApp.Key()).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        var stats = app.Factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot();
        Assert.Equal(0, stats.AcceptedSpans);
        Assert.Equal(1, stats.FailedRequests);
    }

    [Fact]
    public async Task Export_GzipOverMaxDecompressedBytes_ResourceExhausted_UnderIt_Accepted()
    {
        using var app = new GrpcTestApp(new() { ["Conciergus:Ingestion:Otlp:MaxDecompressedBytes"] = "4096" });
        var compressed = new Metadata { { "x-otlp-api-key", ConciergusAppFactory.IngestionKey }, { "grpc-internal-encoding-request", "gzip" } };
        var big = Request("bomb", Enumerable.Range(0, 60).Select(_ => ChatSpan(app.Factory.Time.GetUtcNow())).ToArray());
        Assert.True(big.CalculateSize() > 4096);

        var refused = await Assert.ThrowsAsync<RpcException>(() => app.Traces.ExportAsync(big, compressed).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("decompressed", refused.Status.Detail, StringComparison.Ordinal);

        var small = Request("small", ChatSpan(app.Factory.Time.GetUtcNow()), ChatSpan(app.Factory.Time.GetUtcNow()));
        var accepted = await app.Traces.ExportAsync(small, compressed);
        Assert.Null(accepted.PartialSuccess);
        Assert.Equal(2, app.Factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot().AcceptedSpans);
    }

    [Fact]
    public async Task ExportLogs_OverGrpc_KeptAndSearchable_BadIdsRefusedByName()
    {
        using var app = new GrpcTestApp();
        var now = app.Factory.Time.GetUtcNow();
        var trace = ByteString.CopyFrom(Convert.FromHexString("0af7651916cd43dd8448eb211c80319c"));
        var request = LogsRequest("billing", now, trace);
        request.ResourceLogs[0].ScopeLogs[0].LogRecords.Add(new LogRecord { TimeUnixNano = Nanos(now), TraceId = ByteString.CopyFrom(1, 2, 3), Body = new AnyValue { StringValue = "bad id" } });

        var response = await app.Logs.ExportAsync(request, GrpcTestApp.Key());
        Assert.Equal(1, response.PartialSuccess.RejectedLogRecords);
        Assert.Contains("trace_id", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);

        using var read = app.CreateReadClient();
        var errors = await read.GetFromJsonAsync<JsonElement>("/api/v1/logs?application=billing&severity=error");
        var record = Assert.Single(errors.GetProperty("records").EnumerateArray());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", record.GetProperty("traceId").GetString());
        Assert.Equal("rate_limit", record.GetProperty("errorCategory").GetString());
        var byText = await read.GetFromJsonAsync<JsonElement>("/api/v1/logs?q=STARTED");
        Assert.Equal(1, byText.GetProperty("matched").GetInt32());
        var byTrace = await read.GetFromJsonAsync<JsonElement>("/api/v1/logs?traceId=0AF7651916CD43DD8448EB211C80319C");
        Assert.Equal(2, byTrace.GetProperty("matched").GetInt32());
        var unknown = await read.GetAsync("/api/v1/logs?level=error");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("application, severity, traceId, q, limit", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    /// <summary>An info record and an error record with a rate-limit exception, both in <paramref name="traceId"/>.</summary>
    internal static ExportLogsServiceRequest LogsRequest(string application, DateTimeOffset now, ByteString traceId)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Shop.Checkout" } };
        scope.LogRecords.Add(new LogRecord
        {
            TimeUnixNano = Nanos(now.AddMilliseconds(-20)),
            SeverityNumber = SeverityNumber.Info,
            SeverityText = "Information",
            Body = new AnyValue { StringValue = "checkout started" },
            TraceId = traceId,
        });
        var error = new LogRecord
        {
            TimeUnixNano = Nanos(now.AddMilliseconds(-10)),
            SeverityNumber = SeverityNumber.Error,
            SeverityText = "Error",
            Body = new AnyValue { StringValue = "model call failed" },
            TraceId = traceId,
        };
        error.Attributes.Add(Attr("exception.type", "System.ClientModel.ClientResultException"));
        error.Attributes.Add(Attr("exception.message", "HTTP 429 (requests: rate_limit_exceeded)\n\nRate limit reached for gpt-4o"));
        scope.LogRecords.Add(error);
        var resource = new Resource();
        resource.Attributes.Add(Attr("service.name", application));
        var resourceLogs = new ResourceLogs { Resource = resource };
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);
        return request;
    }

    /// <summary>Read models as JSON, with what differs between two apps by construction (ingestion order ids) left alone.</summary>
    private static string Normalize(string json) => json;
}
