namespace Conciergus.Core.Logs;

/// <summary>One application log record as the log store keeps it (from OTLP logs, over HTTP or gRPC).</summary>
public sealed record LogRecordEntry
{
    /// <summary>Arrival order in the store (unique, increasing); the API's stable id of the record.</summary>
    public long Sequence { get; init; }

    /// <summary>When the event happened (the record's time, else its observed time, else arrival).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Trace id (32 lower-case hex), when the record was written inside a span.</summary>
    public string? TraceId { get; init; }

    /// <summary>Span id (16 lower-case hex), when the record was written inside a span.</summary>
    public string? SpanId { get; init; }

    /// <summary>OpenTelemetry severity number, 0 (unspecified) to 24 (fatal4).</summary>
    public int SeverityNumber { get; init; }

    /// <summary>Severity text as sent (for example "Error"), else the name of the number's range.</summary>
    public string SeverityText { get; init; } = "";

    /// <summary>The body as text; null when there was none or when it is kept only as its length.</summary>
    public string? Body { get; init; }

    /// <summary>Length of the body as sent, in characters (also when the body itself is not kept).</summary>
    public int BodyLength { get; init; }

    /// <summary>The body was not kept because it belongs to an AI span and content capture is off.</summary>
    public bool BodyWithheld { get; init; }

    /// <summary>The application (resource service.name).</summary>
    public string Application { get; init; } = "unknown";

    /// <summary>Instrumentation scope (for .NET: the logger category).</summary>
    public string? Scope { get; init; }

    /// <summary>Event name (OTLP <c>event_name</c>, else the <c>event.name</c> attribute).</summary>
    public string? EventName { get; init; }

    /// <summary>Attributes (bounded count and length, values as text).</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>Error category of the exception this record carries (error level with exception.type / message), else null.</summary>
    public string? ErrorCategory { get; init; }

    /// <summary>Whether the record is at error level or above (severity number 17 and up).</summary>
    public bool IsError => SeverityNumber >= LogSeverity.Error;

    /// <summary>The exception type the record carries (<c>exception.type</c>), if any.</summary>
    public string? ExceptionType => Attributes.TryGetValue("exception.type", out var t) && t.Length > 0 ? t : null;

    /// <summary>The exception message the record carries (<c>exception.message</c>), if any.</summary>
    public string? ExceptionMessage => Attributes.TryGetValue("exception.message", out var m) && m.Length > 0 ? m : null;
}

/// <summary>Where log records go (implemented by the log store). Never throws, never blocks for long.</summary>
public interface ILogSink
{
    /// <summary>Adds the records of one export request.</summary>
    void Add(IReadOnlyList<LogRecordEntry> records);

    /// <summary>
    /// The exception an error-level record of this trace carries (the record in <paramref name="spanId"/> first, else
    /// any record of the trace), or null. Lets a failed AI call take the application's exception as its error.
    /// </summary>
    LogRecordEntry? ErrorRecordOf(string traceId, string? spanId);
}

/// <summary>Severity numbers and names (OpenTelemetry log data model).</summary>
public static class LogSeverity
{
    /// <summary>First number of the TRACE range.</summary>
    public const int Trace = 1;

    /// <summary>First number of the DEBUG range.</summary>
    public const int Debug = 5;

    /// <summary>First number of the INFO range.</summary>
    public const int Info = 9;

    /// <summary>First number of the WARN range.</summary>
    public const int Warn = 13;

    /// <summary>First number of the ERROR range.</summary>
    public const int Error = 17;

    /// <summary>First number of the FATAL range.</summary>
    public const int Fatal = 21;

    /// <summary>The names accepted by the severity filter, lowest first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["trace", "debug", "info", "warn", "error", "fatal"];

    /// <summary>Lower-case name of the range a number falls in ("unspecified" for 0).</summary>
    public static string NameOf(int number) => number switch
    {
        >= Fatal => "fatal",
        >= Error => "error",
        >= Warn => "warn",
        >= Info => "info",
        >= Debug => "debug",
        >= Trace => "trace",
        _ => "unspecified",
    };

    /// <summary>The lowest number of a named range ("warning" and "critical" accepted), or null for an unknown name.</summary>
    public static int? Parse(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "TRACE" => Trace,
        "DEBUG" => Debug,
        "INFO" or "INFORMATION" => Info,
        "WARN" or "WARNING" => Warn,
        "ERROR" => Error,
        "FATAL" or "CRITICAL" => Fatal,
        _ => null,
    };

    /// <summary>
    /// A number for a record that only has text (some SDKs send no number): the range its text names, else 0.
    /// </summary>
    public static int FromText(string? text) => Parse(text) ?? 0;
}
