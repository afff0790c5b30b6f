using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Logs;
using Conciergus.Core.Logs;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Google.Protobuf;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Log records: OTLP logs -> <see cref="LogRecordEntry"/> for the log store, and failed AI calls -> the application's exception.</summary>
public sealed partial class OtlpTraceIngestor
{
    /// <summary>
    /// The records of a logs export, for every <see cref="ILogSink"/>. A record whose trace or span id has the wrong
    /// length is refused (partial success); the others are kept.
    /// </summary>
    public OtlpExportResult Ingest(ExportLogsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var entries = new List<LogRecordEntry>();
        long rejected = 0;
        long truncated = 0;
        long dropped = 0;
        var errors = new List<string>();
        var arrival = _time.GetUtcNow();
        foreach (var resourceLogs in request.ResourceLogs)
        {
            var application = ResourceText(resourceLogs.Resource?.Attributes, "service.name") ?? "unknown";
            foreach (var scopeLogs in resourceLogs.ScopeLogs)
            {
                var scope = string.IsNullOrEmpty(scopeLogs.Scope?.Name) ? null : Limit(scopeLogs.Scope.Name, ref truncated);
                foreach (var record in scopeLogs.LogRecords)
                {
                    try
                    {
                        if (Validate(record) is { } problem)
                        {
                            rejected++;
                            AddError(errors, problem);
                            continue;
                        }

                        entries.Add(ToEntry(record, application, scope, arrival, ref truncated, ref dropped));
                    }
#pragma warning disable CA1031 // One record that breaks the mapping is refused; the rest of the request goes through.
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        rejected++;
                        AddError(errors, $"log record could not be read: {e.Message}");
                    }
                }
            }
        }

        foreach (var sink in _logSinks)
        {
            try
            {
                sink.Add(entries);
            }
#pragma warning disable CA1031 // The log store must not turn an accepted request into a failure.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        _stats.LogRecords(entries.Count);
        _stats.Attributes(truncated, dropped);
        return new OtlpExportResult(entries.Count, rejected, errors.Count == 0 ? null : string.Join("; ", errors));
    }

    /// <summary>
    /// A failed AI call whose span leaves something out (exception type, message, HTTP status) takes it from the
    /// exception of an error-level log record of the same trace (same span first), so the error categoriser sees the
    /// application's exception and the Errors page's sample (which links to the trace) shows it. Works when the log
    /// record arrived before the span; a call already counted keeps its category (counts are final).
    /// </summary>
    private void TakeErrorsFromLogs(List<SpanRecord> spans)
    {
        if (_logSinks.Length == 0)
        {
            return;
        }

        for (var i = 0; i < spans.Count; i++)
        {
            if (spans[i].Operation is not { Status: AiOperationStatus.Error, TraceId: { } traceId } operation)
            {
                continue;
            }

            var current = operation.Error;
            var typeIsStatusText = current?.Type is null || current.Type == spans[i].StatusMessage;
            if (current is { Message: not null, HttpStatus: not null } && !typeIsStatusText)
            {
                continue; // the span already says everything a log record could add
            }

            foreach (var sink in _logSinks)
            {
                if (sink.ErrorRecordOf(traceId, operation.SpanId) is not { } log || LogErrorDetails.From(log) is not { } fromLog)
                {
                    continue;
                }

                var error = new ErrorDetails
                {
                    Type = typeIsStatusText ? fromLog.Type ?? current?.Type : current!.Type,
                    HttpStatus = current?.HttpStatus ?? fromLog.HttpStatus,
                    Code = current?.Code ?? fromLog.Code,
                    Message = current?.Message ?? fromLog.Message,
                };
                if (error != current)
                {
                    spans[i] = spans[i] with { Operation = operation with { Error = error, ErrorCategory = ErrorCategory.None } };
                    (sink as LogStore)?.CountLinked();
                }

                break;
            }
        }
    }

    private static string? Validate(LogRecord record)
    {
        if (record.TraceId.Length is not (0 or 16))
        {
            return $"log record: trace_id must be empty or 16 bytes (got {record.TraceId.Length})";
        }

        if (record.SpanId.Length is not (0 or 8))
        {
            return $"log record: span_id must be empty or 8 bytes (got {record.SpanId.Length})";
        }

        return null;
    }

    private LogRecordEntry ToEntry(LogRecord record, string application, string? scope, DateTimeOffset arrival, ref long truncated, ref long dropped)
    {
        var attributes = new Dictionary<string, string>(Math.Min(record.Attributes.Count, _options.MaxAttributesPerSpan), StringComparer.Ordinal);
        AddAttributes(attributes, record.Attributes, ref truncated, ref dropped);
        var body = record.Body is null || record.Body.ValueCase == AnyValue.ValueOneofCase.None ? null : ToText(record.Body);
        var time = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano;
        var severity = (int)record.SeverityNumber;
        if (severity is < 0 or > 24)
        {
            severity = 0;
        }

        if (severity == 0)
        {
            severity = LogSeverity.FromText(record.SeverityText);
        }

        var eventName = !string.IsNullOrEmpty(record.EventName) ? record.EventName : attributes.GetValueOrDefault("event.name");
        return new LogRecordEntry
        {
            Timestamp = time != 0 ? FromUnixNanos(time) : arrival,
            TraceId = IsSet(record.TraceId) ? Convert.ToHexStringLower(record.TraceId.Span) : null,
            SpanId = IsSet(record.SpanId) ? Convert.ToHexStringLower(record.SpanId.Span) : null,
            SeverityNumber = severity,
            SeverityText = string.IsNullOrEmpty(record.SeverityText) ? LogSeverity.NameOf(severity) : Limit(record.SeverityText, ref truncated),
            Body = body is null ? null : Limit(body, ref truncated),
            BodyLength = body?.Length ?? 0,
            Application = application,
            Scope = scope,
            EventName = eventName is null ? null : Limit(eventName, ref truncated),
            Attributes = attributes,
        };
    }

    private static bool IsSet(ByteString id) => id.Length > 0 && !IsAllZero(id);
}
