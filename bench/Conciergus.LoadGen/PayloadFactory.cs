using System.Globalization;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Resource;
using Conciergus.Core.Ingestion.Otlp.Proto.Trace;
using Google.Protobuf;

namespace Conciergus.LoadGen;

/// <summary>
/// Builds OTLP export requests as an instrumented .NET service sends them: per trace one HTTP server span
/// ("POST /api/chat") and one GenAI chat client span under it (semantic conventions 1.37: operation, provider,
/// request and response model, input/output tokens, finish reasons, server address). One service per request,
/// two scopes (ASP.NET Core, Microsoft.Extensions.AI). Batch n of seed s is always the same bytes apart from timestamps.
/// Scale runs (bench/scale.sh): <paramref name="models"/> &gt; 0 draws the model from that many distinct dated variants of
/// the five models (<c>gpt-4o-v17</c>: priced like <c>gpt-4o</c>), <paramref name="users"/> &gt; 0 adds a <c>user.id</c>
/// drawn from that many users; with both 0 the bytes are those of earlier runs.
/// </summary>
internal sealed class PayloadFactory(int seed, double errorRate, bool uniqueValues = false, int models = 0, int users = 0)
{
    private static readonly string[] Services = ["support-bot", "search-api", "checkout-assistant", "docs-qa", "agent-runner"];
    private static readonly (string Provider, string Model, string ResponseModel, string Server)[] Models =
    [
        ("openai", "gpt-4o", "gpt-4o-2024-08-06", "api.openai.com"),
        ("openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "api.openai.com"),
        ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "api.anthropic.com"),
        ("azure.ai.openai", "gpt-4.1", "gpt-4.1-2025-04-14", "contoso.openai.azure.com"),
        ("gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash", "generativelanguage.googleapis.com"),
    ];

    /// <summary>Spans in one trace (request span + chat span).</summary>
    public const int SpansPerTrace = 2;

    /// <summary>The serialized request for batch <paramref name="sequence"/>, with <paramref name="traces"/> traces ending now.</summary>
    public byte[] Batch(long sequence, int traces) => Build(sequence, traces, forceError: false).ToByteArray();

    /// <summary>The same request as <see cref="Batch"/>, as a message (the gRPC client serializes it).</summary>
    public ExportTraceServiceRequest Request(long sequence, int traces) => Build(sequence, traces, forceError: false);

    /// <summary>A one-trace batch whose chat span failed: the hub-mode marker (normal load has no errors then).</summary>
    public byte[] Marker(long sequence) => Build(sequence, 1, forceError: true).ToByteArray();

    private ExportTraceServiceRequest Build(long sequence, int traces, bool forceError)
    {
        var random = new Random(HashCode.Combine(seed, sequence));
        // Cardinality attack (--unique-values): every request a new application and environment, every chat span a new
        // provider and model, so each operation asks the time-series cache for new series.
        var service = uniqueValues ? $"attack-app-{seed}-{sequence}" : Services[(int)(sequence % Services.Length)];
        var resource = new Resource();
        resource.Attributes.Add(Text("service.name", service));
        resource.Attributes.Add(Text("service.version", "1.4.2"));
        resource.Attributes.Add(Text("service.instance.id", $"{service}-{sequence % 3}"));
        resource.Attributes.Add(Text("deployment.environment.name", uniqueValues ? $"attack-env-{seed}-{sequence}" : "production"));
        resource.Attributes.Add(Text("telemetry.sdk.name", "opentelemetry"));
        resource.Attributes.Add(Text("telemetry.sdk.language", "dotnet"));
        resource.Attributes.Add(Text("telemetry.sdk.version", "1.13.1"));

        var http = new ScopeSpans { Scope = new InstrumentationScope { Name = "Microsoft.AspNetCore", Version = "10.0.0" } };
        var ai = new ScopeSpans { Scope = new InstrumentationScope { Name = "Experimental.Microsoft.Extensions.AI", Version = "9.10.0" } };
        var endNanos = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L);
        var id = new byte[16];
        for (var t = 0; t < traces; t++)
        {
            random.NextBytes(id);
            var traceId = ByteString.CopyFrom(id);
            var parentId = ByteString.CopyFrom(id, 0, 8);
            random.NextBytes(id.AsSpan(0, 8));
            var chatId = ByteString.CopyFrom(id, 0, 8);
            var model = Models[random.Next(Models.Length)];
            if (models > 0)
            {
                var k = random.Next(models);
                var standard = Models[k % Models.Length];
                var variant = string.Create(CultureInfo.InvariantCulture, $"{standard.Model}-v{k}");
                model = (standard.Provider, variant, variant, standard.Server);
            }

            if (uniqueValues)
            {
                var unique = $"{seed}-{sequence}-{t}";
                model = ("attack-provider-" + unique, "attack-model-" + unique, "attack-model-" + unique, model.Server);
            }

            var chatMs = 300 + random.Next(4000);
            var start = endNanos - (ulong)(chatMs + 40) * 1_000_000UL;
            var failed = forceError || random.NextDouble() < errorRate;

            var request = new Span
            {
                TraceId = traceId,
                SpanId = parentId,
                Name = "POST /api/chat",
                Kind = Span.Types.SpanKind.Server,
                StartTimeUnixNano = start,
                EndTimeUnixNano = endNanos,
                Flags = 0x301,
                Status = new Status { Code = failed ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset },
            };
            request.Attributes.Add(Text("http.request.method", "POST"));
            request.Attributes.Add(Text("http.route", "/api/chat"));
            request.Attributes.Add(Text("url.path", "/api/chat"));
            request.Attributes.Add(Text("url.scheme", "https"));
            request.Attributes.Add(Int("http.response.status_code", failed ? 500 : 200));
            request.Attributes.Add(Text("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)"));
            http.Spans.Add(request);

            var chat = new Span
            {
                TraceId = traceId,
                SpanId = chatId,
                ParentSpanId = parentId,
                Name = $"chat {model.Model}",
                Kind = Span.Types.SpanKind.Client,
                StartTimeUnixNano = start + 20_000_000UL,
                EndTimeUnixNano = start + 20_000_000UL + (ulong)chatMs * 1_000_000UL,
                Flags = 0x301,
                Status = failed
                    ? new Status { Code = Status.Types.StatusCode.Error, Message = "Rate limit reached for requests" }
                    : new Status(),
            };
            chat.Attributes.Add(Text("gen_ai.operation.name", "chat"));
            chat.Attributes.Add(Text("gen_ai.provider.name", model.Provider));
            chat.Attributes.Add(Text("gen_ai.request.model", model.Model));
            chat.Attributes.Add(Text("server.address", model.Server));
            chat.Attributes.Add(Int("server.port", 443));
            chat.Attributes.Add(Int("gen_ai.request.max_tokens", 1024));
            chat.Attributes.Add(new KeyValue { Key = "gen_ai.request.temperature", Value = new AnyValue { DoubleValue = 0.2 } });
            if (users > 0)
            {
                chat.Attributes.Add(Text("user.id", string.Create(CultureInfo.InvariantCulture, $"user-{random.Next(users)}")));
            }

            if (failed)
            {
                chat.Attributes.Add(Text("error.type", "429"));
            }
            else
            {
                chat.Attributes.Add(Text("gen_ai.response.model", model.ResponseModel));
                chat.Attributes.Add(Text("gen_ai.response.id", $"chatcmpl-{sequence:x}{t:x4}"));
                chat.Attributes.Add(Int("gen_ai.usage.input_tokens", 200 + random.Next(3000)));
                chat.Attributes.Add(Int("gen_ai.usage.output_tokens", 20 + random.Next(800)));
                var reasons = new ArrayValue();
                reasons.Values.Add(new AnyValue { StringValue = "stop" });
                chat.Attributes.Add(new KeyValue { Key = "gen_ai.response.finish_reasons", Value = new AnyValue { ArrayValue = reasons } });
            }

            ai.Spans.Add(chat);
        }

        var resourceSpans = new ResourceSpans { Resource = resource };
        resourceSpans.ScopeSpans.Add(http);
        resourceSpans.ScopeSpans.Add(ai);
        var export = new ExportTraceServiceRequest();
        export.ResourceSpans.Add(resourceSpans);
        return export;
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static KeyValue Int(string key, long value) => new() { Key = key, Value = new AnyValue { IntValue = value } };
}
