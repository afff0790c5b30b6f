using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Dashboard.Tests.Endpoints;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using static Conciergus.Dashboard.Tests.Ingestion.OtlpRequests;
using RpcStatus = Conciergus.Core.Ingestion.Otlp.Proto.Rpc.Status;

namespace Conciergus.Dashboard.Tests.Ingestion;

public sealed class OtlpEndpointsTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?>
    {
        ["Conciergus:Ingestion:MaxRequestBytes"] = "65536",
        ["Conciergus:Ingestion:Otlp:MaxDecompressedBytes"] = "262144",
        ["Conciergus:Ingestion:Otlp:MaxAttributesPerSpan"] = "8",
        ["Conciergus:Ingestion:Otlp:MaxAttributeValueLength"] = "100",
    });

    public void Dispose() => _factory.Dispose();

    private DateTimeOffset Now => _factory.Time.GetUtcNow();

    private async Task<JsonElement> SummaryAsync(HttpClient client) => await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");

    private OtlpIngestionSnapshot Stats => _factory.Services.GetRequiredService<OtlpIngestionStats>().Snapshot();

    /// <summary>Sends one good span and checks that it and everything accepted before are counted.</summary>
    private async Task AssertHealthyWithAsync(HttpClient client, long expectedRequests, long expectedInput)
    {
        var response = await client.PostAsync("/v1/traces", Protobuf(Request("app", ChatSpan(Now, input: 1, output: 1))));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var summary = await SummaryAsync(client);
        Assert.Equal(expectedRequests + 1, summary.GetProperty("requests").GetInt64());
        Assert.Equal(expectedInput + 1, summary.GetProperty("inputTokens").GetInt64());
    }

    [Fact]
    public async Task PostTraces_Protobuf_RepliesEmptyResponseAndCountsOperations()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("billing", ChatSpan(Now, 1200, 300), ChatSpan(Now, 800, 100, "gpt-4o-mini"))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-protobuf", response.Content.Headers.ContentType?.MediaType);
        var reply = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(reply.PartialSuccess);
        var summary = await SummaryAsync(client);
        Assert.Equal(2, summary.GetProperty("requests").GetInt64());
        Assert.Equal(2000, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(400, summary.GetProperty("outputTokens").GetInt64());
        var costs = await client.GetFromJsonAsync<JsonElement>("/api/v1/costs?window=5m&groupBy=application");
        Assert.Equal("billing", costs.GetProperty("groups")[0].GetProperty("key").GetString());
        Assert.Equal(2, Stats.Operations);
        Assert.Equal(2, Stats.AcceptedSpans);
    }

    [Fact]
    public async Task PostTraces_JsonWithHexIdsSnakeCaseAndStringInts_RepliesEmptyJson()
    {
        using var client = _factory.CreateIngestionClient();
        var end = OtlpRequests.Nanos(Now);
        var start = end - 250_000_000;
        var json = """
        {"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"json-app"}},
          {"key":"deployment.environment","value":{"stringValue":"staging"}}]},
          "scopeSpans":[{"spans":[{"traceId":"5B8EFFF798038103D269B633813FC60C","span_id":"eee19b7ec3c1b174","name":"chat claude",
            "kind":"SPAN_KIND_CLIENT","startTimeUnixNano":"START","end_time_unix_nano":END,
            "attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.system","value":{"stringValue":"anthropic"}},
              {"key":"gen_ai.request.model","value":{"stringValue":"claude-sonnet-4-5"}},
              {"key":"gen_ai.usage.input_tokens","value":{"intValue":"700"}},{"key":"gen_ai.usage.output_tokens","value":{"int_value":70}},
              {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"end_turn"}]}}}],
            "status":{"code":2,"message":"overloaded_error"}}]}]}]}
        """.Replace("START", start.ToString(CultureInfo.InvariantCulture)).Replace("END", end.ToString(CultureInfo.InvariantCulture));

        var response = await client.PostAsync("/v1/traces", Json(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync());
        var summary = await SummaryAsync(client);
        Assert.Equal(1, summary.GetProperty("requests").GetInt64());
        Assert.Equal(1, summary.GetProperty("errors").GetInt64());
        Assert.Equal(700, summary.GetProperty("inputTokens").GetInt64());
        var errors = await client.GetFromJsonAsync<JsonElement>("/api/v1/errors?window=5m");
        var sample = errors.GetProperty("categories")[0].GetProperty("sample");
        Assert.Equal("5b8efff798038103d269b633813fc60c", sample.GetProperty("traceId").GetString());
        Assert.Equal("overloaded_error", sample.GetProperty("type").GetString());
    }

    [Fact]
    public async Task PostTraces_GzipJson_IsAccepted()
    {
        using var client = _factory.CreateIngestionClient();
        var json = JsonFormatter.Default.Format(Request("app", ChatSpan(Now, 5, 5)));
        var hex = HexIds(json);

        var response = await client.PostAsync("/v1/traces", Json(hex, gzip: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await SummaryAsync(client)).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task PostTraces_SomeSpansInvalid_PartialSuccessKeepsTheOthers()
    {
        using var client = _factory.CreateIngestionClient();
        var badSpanId = ChatSpan(Now, 50, 5);
        badSpanId.SpanId = ByteString.CopyFrom(1, 2, 3);
        var noStart = ChatSpan(Now, 60, 6);
        noStart.StartTimeUnixNano = 0;

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("app", ChatSpan(Now, 100, 10), badSpanId, noStart)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(2, reply.PartialSuccess.RejectedSpans);
        Assert.Contains("span_id must be 8 bytes", reply.PartialSuccess.ErrorMessage);
        Assert.Contains("start_time_unix_nano is required", reply.PartialSuccess.ErrorMessage);
        Assert.Equal(100, (await SummaryAsync(client)).GetProperty("inputTokens").GetInt64());
        Assert.Equal(2, Stats.RejectedSpans);
    }

    [Fact]
    public async Task PostTraces_JsonPartialSuccess_RepliesInJson()
    {
        using var client = _factory.CreateIngestionClient();
        var json = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"00ff","name":"x","startTimeUnixNano":"1"}]}]}]}""";

        var response = await client.PostAsync("/v1/traces", Json(json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var partial = body.GetProperty("partialSuccess");
        Assert.Equal("1", partial.GetProperty("rejectedSpans").GetString());
        Assert.Contains("span_id", partial.GetProperty("errorMessage").GetString());
    }

    [Fact]
    public async Task PostTraces_TooManyAndTooLongAttributes_TruncatedAndCounted()
    {
        using var client = _factory.CreateIngestionClient();
        var span = ChatSpan(Now, 10, 1);
        span.Attributes.Add(Attr("long", new string('x', 500)));
        for (var i = 0; i < 5; i++)
        {
            span.Attributes.Add(Attr($"extra.{i}", "v"));
        }

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("app", span)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, Stats.TruncatedAttributes);
        Assert.Equal(3, Stats.DroppedAttributes); // 5 GenAI + long + 2 extras = 8 kept; 3 extras dropped
        Assert.Equal(10, (await SummaryAsync(client)).GetProperty("inputTokens").GetInt64());
    }

    [Fact]
    public async Task PostTraces_WithoutKey_Returns401()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("app", ChatSpan(Now))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PostTraces_SecondaryKeyAsBearer_IsAccepted()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ConciergusAppFactory.SecondaryIngestionKey);

        var response = await client.PostAsync("/v1/traces", Protobuf(Request("app", ChatSpan(Now))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public static TheoryData<string, Func<DateTimeOffset, HttpContent>, HttpStatusCode, string> BadBodies => new()
    {
        { "garbage protobuf", _ => Protobuf([0x0a, 0xff, 0xff, 0xff, 0x0f]), HttpStatusCode.BadRequest, "not a valid protobuf" },
        { "truncated protobuf", now => Protobuf(Request("app", ChatSpan(now)).ToByteArray()[..^7]), HttpStatusCode.BadRequest, "not a valid protobuf" },
        { "not JSON", _ => Json("{\"resourceSpans\": [", gzip: false), HttpStatusCode.BadRequest, "not valid JSON" },
        { "base64 ids in JSON", _ => Json("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"W47/95gDgQPSabYzgT/GDA==","spanId":"7uGbfsPBsXQ="}]}]}]}"""), HttpStatusCode.BadRequest, "must be hexadecimal" },
        { "odd-length hex id", _ => Json("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abc"}]}]}]}"""), HttpStatusCode.BadRequest, "must be hexadecimal" },
        { "wrong JSON shape", _ => Json("""{"resourceSpans":{"a":1}}"""), HttpStatusCode.BadRequest, "OTLP JSON" },
        { "bad gzip", _ => WithEncoding(Protobuf([1, 2, 3]), "gzip"), HttpStatusCode.BadRequest, "not valid gzip" },
        { "brotli", _ => WithEncoding(Protobuf([1, 2, 3]), "br"), HttpStatusCode.UnsupportedMediaType, "Content-Encoding 'br'" },
        { "oversized", _ => Protobuf(new byte[70_000]), HttpStatusCode.RequestEntityTooLarge, "exceeds 65536 bytes" },
        { "gzip bomb", _ => Protobuf(new byte[50_000_000], gzip: true), HttpStatusCode.RequestEntityTooLarge, "decompressed body exceeds 262144" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task PostTraces_BadBody_RightStatusNothingLostServerHealthy(string _, Func<DateTimeOffset, HttpContent> body, HttpStatusCode status, string message)
    {
        using var client = _factory.CreateIngestionClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/traces", Protobuf(Request("app", ChatSpan(Now, 100, 10))))).StatusCode);

        var response = await client.PostAsync("/v1/traces", body(Now));

        Assert.Equal(status, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var text = response.Content.Headers.ContentType?.MediaType == "application/x-protobuf"
            ? RpcStatus.Parser.ParseFrom(bytes).Message
            : JsonDocument.Parse(bytes).RootElement.GetProperty("detail").GetString();
        Assert.Contains(message, text);
        Assert.Equal(1, Stats.FailedRequests);
        await AssertHealthyWithAsync(client, expectedRequests: 1, expectedInput: 100);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/grpc")]
    [InlineData(null)]
    public async Task PostTraces_UnsupportedContentType_Returns415(string? contentType)
    {
        using var client = _factory.CreateIngestionClient();
        var content = new ByteArrayContent(Request("app", ChatSpan(Now)).ToByteArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await client.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertHealthyWithAsync(client, expectedRequests: 0, expectedInput: 0);
    }

    [Fact]
    public async Task PostMetrics_GenAiTokenUsage_IsCountedNotTurnedIntoOperations()
    {
        using var client = _factory.CreateIngestionClient();
        var metric = new Metric { Name = "gen_ai.client.token.usage", Unit = "{token}", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Cumulative } };
        var point = new HistogramDataPoint { Count = 3, Sum = 1500, TimeUnixNano = OtlpRequests.Nanos(Now) };
        point.Attributes.Add(Attr("gen_ai.token.type", "input"));
        metric.Histogram.DataPoints.Add(point);
        var duration = new Metric { Name = "gen_ai.client.operation.duration", Histogram = new Histogram() };
        duration.Histogram.DataPoints.Add(new HistogramDataPoint { Count = 3, Sum = 2.5 });
        var scope = new ScopeMetrics();
        scope.Metrics.Add(metric);
        scope.Metrics.Add(duration);
        var resourceMetrics = new ResourceMetrics();
        resourceMetrics.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(resourceMetrics);

        var proto = await client.PostAsync("/v1/metrics", Protobuf(request));
        var json = await client.PostAsync("/v1/metrics", Json(JsonFormatter.Default.Format(request)));

        Assert.Equal(HttpStatusCode.OK, proto.StatusCode);
        Assert.Null(ExportMetricsServiceResponse.Parser.ParseFrom(await proto.Content.ReadAsByteArrayAsync()).PartialSuccess);
        Assert.Equal("{}", await json.Content.ReadAsStringAsync());
        Assert.Equal(4, Stats.MetricDataPoints);
        Assert.Equal(0, (await SummaryAsync(client)).GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task PostLogs_AreCounted()
    {
        using var client = _factory.CreateIngestionClient();
        var scope = new ScopeLogs();
        scope.LogRecords.Add(new LogRecord { Body = new AnyValue { StringValue = "hello" }, SeverityNumber = SeverityNumber.Info });
        scope.LogRecords.Add(new LogRecord { Body = new AnyValue { StringValue = "world" } });
        var resourceLogs = new ResourceLogs();
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);

        var response = await client.PostAsync("/v1/logs", Protobuf(request, gzip: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(ExportLogsServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess);
        Assert.Equal(2, Stats.LogRecords);
    }

    [Fact]
    public async Task PostTraces_VercelChildWithoutParent_CountedWhenTheHoldEnds()
    {
        using var client = _factory.CreateIngestionClient();
        var child = ChatSpan(Now, 40, 4);
        child.Name = "ai.streamText.doStream";
        child.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString("00000000000000aa"));
        child.Attributes.Add(Attr("ai.operationId", "ai.streamText.doStream"));
        child.Attributes.Add(Attr("ai.telemetry.functionId", "lonely"));

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/traces", Protobuf(Request("app", child)))).StatusCode);
        Assert.Equal(0, (await SummaryAsync(client)).GetProperty("requests").GetInt64());
        Assert.Equal(1, Stats.PendingChildren);

        _factory.Time.Advance(TimeSpan.FromSeconds(11)); // the default hold is 10 s; the expiry timer runs on the app's clock

        var summary = await SummaryAsync(client);
        Assert.Equal(1, summary.GetProperty("requests").GetInt64());
        Assert.Equal(40, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(0, Stats.PendingChildren);
    }

    [Fact]
    public async Task PostTraces_ErrorWithExceptionEvent_ErrorTypeAndMessageFromTheEvent()
    {
        using var client = _factory.CreateIngestionClient();
        var span = ChatSpan(Now);
        span.Status = new Core.Ingestion.Otlp.Proto.Trace.Status { Code = Core.Ingestion.Otlp.Proto.Trace.Status.Types.StatusCode.Error, Message = "failed" };
        var exception = new Core.Ingestion.Otlp.Proto.Trace.Span.Types.Event { Name = "exception", TimeUnixNano = OtlpRequests.Nanos(Now) };
        exception.Attributes.Add(Attr("exception.type", "AI_APICallError"));
        exception.Attributes.Add(Attr("exception.message", "Rate limit reached for gpt-4o"));
        span.Events.Add(exception);

        await client.PostAsync("/v1/traces", Protobuf(Request("app", span)));

        var errors = await client.GetFromJsonAsync<JsonElement>("/api/v1/errors?window=5m");
        var category = errors.GetProperty("categories")[0];
        Assert.Equal("AI_APICallError", category.GetProperty("sample").GetProperty("type").GetString());
        Assert.Equal("Rate limit reached for gpt-4o", category.GetProperty("sample").GetProperty("message").GetString());
        Assert.Equal("rate_limit", category.GetProperty("category").GetString());
    }

    /// <summary>Google.Protobuf writes bytes as base64; OTLP/JSON wants hex ids.</summary>
    private static string HexIds(string protobufJson)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(protobufJson)!;
        foreach (var span in node["resourceSpans"]![0]!["scopeSpans"]![0]!["spans"]!.AsArray())
        {
            foreach (var key in new[] { "traceId", "spanId" })
            {
                span![key] = Convert.ToHexStringLower(Convert.FromBase64String(span[key]!.GetValue<string>()));
            }
        }

        return node.ToJsonString();
    }

    private static HttpContent WithEncoding(HttpContent content, string encoding)
    {
        content.Headers.ContentEncoding.Add(encoding);
        return content;
    }
}
