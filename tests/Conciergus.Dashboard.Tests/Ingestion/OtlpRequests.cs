using System.IO.Compression;
using System.Net.Http.Headers;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Resource;
using Conciergus.Core.Ingestion.Otlp.Proto.Trace;
using Google.Protobuf;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Builds OTLP export requests with our own generated types (same wire format as the SDKs).</summary>
internal static class OtlpRequests
{
    private static int _nextId;

    public static string PayloadPath(string file) => Path.Combine(AppContext.BaseDirectory, "Ingestion", "Payloads", file);

    public static ulong Nanos(DateTimeOffset time) => (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100;

    public static Span ChatSpan(DateTimeOffset end, long input = 100, long output = 10, string model = "gpt-4o", double durationMs = 500, string? traceHex = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceHex ?? $"{id:x32}")),
            SpanId = ByteString.CopyFrom(Convert.FromHexString($"{id:x16}")),
            Name = "chat " + model,
            Kind = Span.Types.SpanKind.Client,
            StartTimeUnixNano = Nanos(end.AddMilliseconds(-durationMs)),
            EndTimeUnixNano = Nanos(end),
        };
        span.Attributes.Add(Attr("gen_ai.operation.name", "chat"));
        span.Attributes.Add(Attr("gen_ai.provider.name", "openai"));
        span.Attributes.Add(Attr("gen_ai.request.model", model));
        span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = input } });
        span.Attributes.Add(new KeyValue { Key = "gen_ai.usage.output_tokens", Value = new AnyValue { IntValue = output } });
        return span;
    }

    public static KeyValue Attr(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ExportTraceServiceRequest Request(string application, params Span[] spans)
    {
        var scope = new ScopeSpans { Scope = new InstrumentationScope { Name = "tests" } };
        scope.Spans.AddRange(spans);
        var resource = new Resource();
        resource.Attributes.Add(Attr("service.name", application));
        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(scope);
        var request = new ExportTraceServiceRequest();
        request.ResourceSpans.Add(resourceSpans);
        return request;
    }

    public static ByteArrayContent Protobuf(byte[] body, bool gzip = false)
    {
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    public static ByteArrayContent Protobuf(IMessage message, bool gzip = false) => Protobuf(message.ToByteArray(), gzip);

    public static ByteArrayContent Json(string json, bool gzip = false)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(json);
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (gzip)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }

        return content;
    }

    public static byte[] Gzip(byte[] body)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(body);
        }

        return output.ToArray();
    }
}
