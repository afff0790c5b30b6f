using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Trace;
using Conciergus.Core.Logs;
using Conciergus.Core.Traces;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Outcome of one export request: how many items were accepted and refused, and why.</summary>
/// <param name="Accepted">Items accepted.</param>
/// <param name="Rejected">Items refused (reported as partial success).</param>
/// <param name="ErrorMessage">Why items were refused (the first reasons), or null.</param>
public sealed record OtlpExportResult(long Accepted, long Rejected, string? ErrorMessage);

/// <summary>
/// Turns decoded OTLP export requests into spans for the trace store (every span) and AI operations for the
/// collector (one per call). Never throws for bad items: a span that cannot be used is refused and counted,
/// the others go through. Log records go to the log store (<see cref="ILogSink"/>); metrics are counted only.
/// </summary>
public sealed partial class OtlpTraceIngestor : IDisposable
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly IAiOperationRecorder _recorder;
    private readonly ITraceSink[] _sinks;
    private readonly ILogSink[] _logSinks;
    private readonly OtlpIngestionStats _stats;
    private readonly OtlpOptions _options;
    private readonly TimeProvider _time;
    private readonly AiCallAssembler _assembler;
    private readonly ITimer? _expiryTimer;

    /// <summary>
    /// Creates the ingestor; the trace and log sinks are optional (no trace sink: spans only feed operations; no log
    /// sink: log records are counted only).
    /// </summary>
    public OtlpTraceIngestor(
        IAiOperationRecorder recorder,
        IEnumerable<ITraceSink> sinks,
        OtlpIngestionStats stats,
        IOptions<OtlpOptions> options,
        TimeProvider time,
        IEnumerable<ILogSink>? logSinks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _recorder = recorder;
        _sinks = sinks.ToArray();
        _logSinks = logSinks?.ToArray() ?? [];
        _stats = stats;
        _options = options.Value;
        _time = time;
        _assembler = new AiCallAssembler(_options);
        if (_options.ChildHold > TimeSpan.Zero)
        {
            // Held do* spans must be counted even when no further request arrives to trigger the check.
            var period = TimeSpan.FromTicks(Math.Max(_options.ChildHold.Ticks / 4, TimeSpan.FromMilliseconds(250).Ticks));
            _expiryTimer = time.CreateTimer(static state => ((OtlpTraceIngestor)state!).FlushExpired(), this, period, period);
        }
    }

    /// <summary>Spans and operations from one trace export request.</summary>
    public OtlpExportResult Ingest(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mapped = new List<MappedSpan>();
        long rejected = 0;
        long truncated = 0;
        long dropped = 0;
        var errors = new List<string>();
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var resource = resourceSpans.Resource?.Attributes;
            var application = ResourceText(resource, "service.name") ?? "unknown";
            var environment = ResourceText(resource, "deployment.environment.name") ?? ResourceText(resource, "deployment.environment");
            foreach (var scopeSpans in resourceSpans.ScopeSpans)
            {
                foreach (var span in scopeSpans.Spans)
                {
                    try
                    {
                        if (Validate(span) is { } problem)
                        {
                            rejected++;
                            AddError(errors, problem);
                            continue;
                        }

                        var record = ToRecord(span, application, ref truncated, ref dropped);
                        mapped.Add(GenAiSpanMapper.Map(record, environment));
                    }
#pragma warning disable CA1031 // One span that breaks the mapping is refused; the rest of the request goes through.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        rejected++;
                        AddError(errors, $"span '{span.Name}' could not be read: {e.Message}");
                    }
                }
            }
        }

        var assembled = _assembler.Assemble(mapped, _time.GetUtcNow(), out var duplicates);
        TakeErrorsFromLogs(assembled);
        Publish(assembled);
        _stats.Spans(mapped.Count, rejected);
        _stats.Attributes(truncated, dropped);
        _stats.DuplicateSpans(duplicates);
        _stats.PendingChildren(_assembler.PendingCount);
        return new OtlpExportResult(mapped.Count, rejected, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    /// <summary>
    /// Counts the data points of a metrics export. Metrics never become operations: spans are the source of truth
    /// for calls, so <c>gen_ai.client.token.usage</c> and <c>gen_ai.client.operation.duration</c> from the same
    /// app would otherwise count every call twice.
    /// </summary>
    public OtlpExportResult Ingest(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        long points = 0;
        foreach (var resourceMetrics in request.ResourceMetrics)
        {
            foreach (var scope in resourceMetrics.ScopeMetrics)
            {
                foreach (var metric in scope.Metrics)
                {
                    points += metric.Gauge?.DataPoints.Count ?? 0;
                    points += metric.Sum?.DataPoints.Count ?? 0;
                    points += metric.Histogram?.DataPoints.Count ?? 0;
                    points += metric.ExponentialHistogram?.DataPoints.Count ?? 0;
                    points += metric.Summary?.DataPoints.Count ?? 0;
                }
            }
        }

        _stats.MetricDataPoints(points);
        return new OtlpExportResult(points, 0, null);
    }

    /// <summary>Counts held Vercel do* spans whose parent did not arrive in time (called by a timer, and by tests).</summary>
    public void FlushExpired()
    {
        try
        {
            var expired = _assembler.TakeExpired(_time.GetUtcNow());
            TakeErrorsFromLogs(expired);
            Publish(expired);
            _stats.PendingChildren(_assembler.PendingCount);
        }
#pragma warning disable CA1031 // A timer callback must never take the process down.
        catch (Exception)
#pragma warning restore CA1031
        {
            _stats.FailedRequest();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _expiryTimer?.Dispose();

    private void Publish(List<SpanRecord> spans)
    {
        long operations = 0;
        foreach (var span in spans)
        {
            foreach (var sink in _sinks)
            {
                try
                {
                    sink.Add(span);
                }
#pragma warning disable CA1031 // The trace store must not stop operations from being counted.
                catch (Exception)
#pragma warning restore CA1031
                {
                }
            }

            if (span.Operation is { } operation)
            {
                _recorder.Record(operation);
                operations++;
            }
        }

        _stats.Operations(operations);
    }

    private static string? Validate(Span span)
    {
        if (span.TraceId.Length != 16 || IsAllZero(span.TraceId))
        {
            return $"span '{Short(span.Name)}': trace_id must be 16 bytes, not all zero (got {span.TraceId.Length})";
        }

        if (span.SpanId.Length != 8 || IsAllZero(span.SpanId))
        {
            return $"span '{Short(span.Name)}': span_id must be 8 bytes, not all zero (got {span.SpanId.Length})";
        }

        if (span.ParentSpanId.Length is not (0 or 8))
        {
            return $"span '{Short(span.Name)}': parent_span_id must be empty or 8 bytes (got {span.ParentSpanId.Length})";
        }

        // Any fixed64 of nanoseconds (up to year 2554) fits a DateTimeOffset; zero means "not set".
        if (span.StartTimeUnixNano == 0)
        {
            return $"span '{Short(span.Name)}': start_time_unix_nano is required";
        }

        return null;
    }

    private SpanRecord ToRecord(Span span, string application, ref long truncated, ref long dropped)
    {
        var attributes = new Dictionary<string, string>(Math.Min(span.Attributes.Count, _options.MaxAttributesPerSpan) + 2, StringComparer.Ordinal);
        AddAttributes(attributes, span.Attributes, ref truncated, ref dropped);
        var isError = span.Status?.Code == Proto.Trace.Status.Types.StatusCode.Error;
        if (isError)
        {
            // Exceptions are recorded as "exception" events; their type and message describe the failure.
            foreach (var e in span.Events)
            {
                if (e.Name == "exception")
                {
                    foreach (var kv in e.Attributes)
                    {
                        if (kv.Key is "exception.type" or "exception.message" && !attributes.ContainsKey(kv.Key))
                        {
                            attributes[kv.Key] = Limit(ToText(kv.Value), ref truncated);
                        }
                    }

                    break;
                }
            }
        }

        var start = FromUnixNanos(span.StartTimeUnixNano);
        var durationMs = span.EndTimeUnixNano > span.StartTimeUnixNano ? (span.EndTimeUnixNano - span.StartTimeUnixNano) / 1_000_000.0 : 0;
        return new SpanRecord
        {
            TraceId = Convert.ToHexStringLower(span.TraceId.Span),
            SpanId = Convert.ToHexStringLower(span.SpanId.Span),
            ParentSpanId = span.ParentSpanId.Length == 8 ? Convert.ToHexStringLower(span.ParentSpanId.Span) : null,
            Name = Limit(span.Name, ref truncated),
            Kind = span.Kind switch
            {
                Span.Types.SpanKind.Server => "server",
                Span.Types.SpanKind.Client => "client",
                Span.Types.SpanKind.Producer => "producer",
                Span.Types.SpanKind.Consumer => "consumer",
                _ => "internal",
            },
            StartTime = start,
            DurationMs = durationMs,
            Status = span.Status?.Code switch
            {
                Proto.Trace.Status.Types.StatusCode.Ok => "ok",
                Proto.Trace.Status.Types.StatusCode.Error => "error",
                _ => "unset",
            },
            StatusMessage = string.IsNullOrEmpty(span.Status?.Message) ? null : Limit(span.Status.Message, ref truncated),
            Application = application,
            Attributes = attributes,
        };
    }

    private void AddAttributes(Dictionary<string, string> target, RepeatedField<KeyValue> source, ref long truncated, ref long dropped)
    {
        foreach (var kv in source)
        {
            if (target.Count >= _options.MaxAttributesPerSpan && !target.ContainsKey(kv.Key))
            {
                dropped++;
                continue;
            }

            target[kv.Key] = Limit(ToText(kv.Value), ref truncated);
        }
    }

    private string Limit(string text, ref long truncated)
    {
        if (text.Length <= _options.MaxAttributeValueLength)
        {
            return text;
        }

        truncated++;
        return text[.._options.MaxAttributeValueLength];
    }

    private static string? ResourceText(RepeatedField<KeyValue>? attributes, string key)
    {
        if (attributes is null)
        {
            return null;
        }

        foreach (var kv in attributes)
        {
            if (kv.Key == key && kv.Value?.ValueCase == AnyValue.ValueOneofCase.StringValue && !string.IsNullOrWhiteSpace(kv.Value.StringValue))
            {
                var value = kv.Value.StringValue.Trim();
                return value.Length > OperationJsonReader.MaxTextLength ? value[..OperationJsonReader.MaxTextLength] : value;
            }
        }

        return null;
    }

    /// <summary>An attribute value as text: scalars as themselves, arrays and maps as JSON, bytes as base64.</summary>
    internal static string ToText(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        AnyValue.ValueOneofCase.ArrayValue or AnyValue.ValueOneofCase.KvlistValue => ToJson(value),
        _ => "",
    };

    private static string ToJson(AnyValue value)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions))
        {
            WriteJson(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteJson(Utf8JsonWriter writer, AnyValue? value)
    {
        switch (value?.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue:
                writer.WriteStringValue(value.StringValue);
                break;
            case AnyValue.ValueOneofCase.BoolValue:
                writer.WriteBooleanValue(value.BoolValue);
                break;
            case AnyValue.ValueOneofCase.IntValue:
                writer.WriteNumberValue(value.IntValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue when double.IsFinite(value.DoubleValue):
                writer.WriteNumberValue(value.DoubleValue);
                break;
            case AnyValue.ValueOneofCase.DoubleValue:
                writer.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                break;
            case AnyValue.ValueOneofCase.BytesValue:
                writer.WriteBase64StringValue(value.BytesValue.Span);
                break;
            case AnyValue.ValueOneofCase.ArrayValue:
                writer.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                writer.WriteStartObject();
                foreach (var kv in value.KvlistValue.Values)
                {
                    writer.WritePropertyName(kv.Key);
                    WriteJson(writer, kv.Value);
                }

                writer.WriteEndObject();
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static DateTimeOffset FromUnixNanos(ulong nanos) => DateTimeOffset.UnixEpoch.AddTicks((long)(nanos / 100));

    private static bool IsAllZero(ByteString bytes)
    {
        foreach (var b in bytes.Span)
        {
            if (b != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string Short(string name) => name.Length > 64 ? name[..64] + "..." : name;

    private static void AddError(List<string> errors, string message)
    {
        // A few reasons are enough for the sender; a batch of a million bad spans must not build a huge reply.
        if (errors.Count < 5)
        {
            errors.Add(message);
        }
    }
}
