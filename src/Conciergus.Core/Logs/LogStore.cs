using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Logs;

/// <summary>
/// The most recent application log records (OTLP logs), bounded by count and by estimated bytes, oldest evicted
/// first and every eviction counted. Indexed by trace id for the trace page; searched by application, severity,
/// trace and text. Knows which spans are AI calls (it is an <see cref="IAiOperationSink"/>), so with content capture
/// off the body of a record written inside an AI span is kept only as its length, whichever arrives first.
/// </summary>
public sealed partial class LogStore : ILogSink, IAiOperationSink
{
    private readonly Lock _gate = new();
    private readonly LogOptions _options;
    private readonly ContentCapturePolicy _content;
    private readonly IErrorCategorizer _categorizer;

    // Slots in arrival order (oldest at the head); a slot erased for a data subject stays in the queue, empty,
    // until it reaches the head, so erasure never walks the queue.
    private readonly Queue<Slot> _slots = new();
    private readonly Dictionary<string, List<Slot>> _byTrace = new(StringComparer.Ordinal);

    // Spans known to be AI calls (trace id, span id), bounded FIFO.
    private readonly HashSet<(string TraceId, string SpanId)> _aiSpans = [];
    private readonly Queue<(string TraceId, string SpanId)> _aiSpanOrder = new();

    private long _sequence;
    private int _count;
    private long _bytes;
    private long _added;
    private long _evicted;
    private long _withheld;
    private long _linked;

    /// <summary>Creates the store.</summary>
    public LogStore(IOptions<LogOptions> options, ContentCapturePolicy content, IErrorCategorizer categorizer)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _content = content;
        _categorizer = categorizer;
    }

    /// <summary>Counters for /metrics and the health page.</summary>
    public LogStoreStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new LogStoreStats(_count, _bytes, _added, _evicted, _withheld, Interlocked.Read(ref _linked));
            }
        }
    }

    /// <inheritdoc />
    public void Add(IReadOnlyList<LogRecordEntry> records)
    {
        ArgumentNullException.ThrowIfNull(records);

        // Categorising and redacting happen outside the lock: only the queue and index updates are inside.
        var prepared = new LogRecordEntry[records.Count];
        for (var i = 0; i < records.Count; i++)
        {
            prepared[i] = Categorise(records[i]);
        }

        lock (_gate)
        {
            foreach (var record in prepared)
            {
                var entry = record with { Sequence = ++_sequence };
                if (entry.Body is not null && IsAiContent(entry))
                {
                    entry = Withhold(entry);
                }

                var slot = new Slot(entry, Estimate(entry));
                _slots.Enqueue(slot);
                if (entry.TraceId is { } traceId)
                {
                    if (!_byTrace.TryGetValue(traceId, out var list))
                    {
                        _byTrace[traceId] = list = [];
                    }

                    list.Add(slot);
                }

                _count++;
                _bytes += slot.Bytes;
                _added++;
                EvictOverflow();
            }
        }
    }

    /// <inheritdoc />
    public LogRecordEntry? ErrorRecordOf(string traceId, string? spanId)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        lock (_gate)
        {
            if (!_byTrace.TryGetValue(traceId, out var list))
            {
                return null;
            }

            LogRecordEntry? any = null;
            foreach (var slot in list)
            {
                if (slot.Entry is { IsError: true } e && (e.ExceptionType is not null || e.ExceptionMessage is not null))
                {
                    if (spanId is not null && e.SpanId == spanId)
                    {
                        return e;
                    }

                    any ??= e;
                }
            }

            return any;
        }
    }

    /// <summary>Counts a failed AI call that took its error from a log record (for the health page).</summary>
    public void CountLinked() => Interlocked.Increment(ref _linked);

    /// <summary>Records of one trace, oldest first (ties by arrival).</summary>
    public IReadOnlyList<LogRecordEntry> ForTrace(string traceId)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        List<LogRecordEntry> result;
        lock (_gate)
        {
            if (!_byTrace.TryGetValue(traceId.ToLowerInvariant(), out var list))
            {
                return [];
            }

            result = new List<LogRecordEntry>(list.Count);
            foreach (var slot in list)
            {
                if (slot.Entry is { } e)
                {
                    result.Add(e);
                }
            }
        }

        result.Sort(static (a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.Sequence.CompareTo(b.Sequence));
        return result;
    }

    /// <summary>Matching records, newest first.</summary>
    public LogPage Query(LogQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, LogQuery.MaxLimit);
        LogRecordEntry[] candidates;
        lock (_gate)
        {
            if (query.TraceId is { Length: > 0 } traceId)
            {
                candidates = _byTrace.TryGetValue(traceId.ToLowerInvariant(), out var list)
                    ? [.. list.Select(s => s.Entry).OfType<LogRecordEntry>()]
                    : [];
            }
            else
            {
                // Copy references under the lock (records are immutable); filter outside it.
                candidates = [.. _slots.Select(s => s.Entry).OfType<LogRecordEntry>()];
            }
        }

        var matched = new List<LogRecordEntry>();
        for (var i = candidates.Length - 1; i >= 0; i--)
        {
            if (Matches(candidates[i], query))
            {
                matched.Add(candidates[i]);
            }
        }

        matched.Sort(static (a, b) => b.Timestamp != a.Timestamp ? b.Timestamp.CompareTo(a.Timestamp) : b.Sequence.CompareTo(a.Sequence));
        return new LogPage(matched.Count > limit ? matched.GetRange(0, limit) : matched, matched.Count);
    }

    /// <inheritdoc />
    /// <remarks>Remembers the AI span and, with capture off, withholds the bodies of its records already kept.</remarks>
    public void Accept(AiOperation operation)
    {
        if (operation?.TraceId is not { Length: > 0 } traceId || operation.SpanId is not { Length: > 0 } spanId)
        {
            return;
        }

        lock (_gate)
        {
            if (_aiSpans.Add((traceId, spanId)))
            {
                _aiSpanOrder.Enqueue((traceId, spanId));
                while (_aiSpanOrder.Count > _options.MaxRememberedAiSpans)
                {
                    _aiSpans.Remove(_aiSpanOrder.Dequeue());
                }
            }

            if (_byTrace.TryGetValue(traceId, out var list))
            {
                foreach (var slot in list)
                {
                    if (slot.Entry is { Body: not null } e && e.SpanId == spanId && !e.BodyWithheld)
                    {
                        var withheld = Withhold(e);
                        if (!ReferenceEquals(withheld, e))
                        {
                            var bytes = Estimate(withheld);
                            _bytes += bytes - slot.Bytes;
                            slot.Bytes = bytes;
                            slot.Entry = withheld;
                        }
                    }
                }
            }
        }
    }

    private LogRecordEntry Categorise(LogRecordEntry record)
    {
        if (!record.IsError || (record.ExceptionType is null && record.ExceptionMessage is null))
        {
            return record;
        }

        var category = _categorizer.Categorize(LogErrorDetails.From(record));
        return record with { ErrorCategory = category.ToWireName() };
    }

    /// <summary>Content of an AI span: written inside a known AI span, or a GenAI / AI SDK event or attribute.</summary>
    private bool IsAiContent(LogRecordEntry entry)
    {
        if (entry.TraceId is { } t && entry.SpanId is { } s && _aiSpans.Contains((t, s)))
        {
            return true;
        }

        if (entry.EventName is { } name && (name.StartsWith("gen_ai.", StringComparison.Ordinal) || name.StartsWith("ai.", StringComparison.Ordinal)))
        {
            return true;
        }

        foreach (var key in entry.Attributes.Keys)
        {
            if (key.StartsWith("gen_ai.", StringComparison.Ordinal) || key.StartsWith("ai.", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>With capture off, the body becomes its length; with capture on, it is redacted.</summary>
    private LogRecordEntry Withhold(LogRecordEntry entry)
    {
        if (_content.CaptureContent)
        {
            return entry.Body is null ? entry : entry with { Body = _content.Redact(entry.Body) };
        }

        _withheld++;
        if (entry.Body is { Length: > 0 })
        {
            _content.Withheld.Add(); // content arrived although capture is off (a compliance violation metric)
        }

        return entry with { Body = null, BodyWithheld = true, Attributes = WithholdAttributes(entry.Attributes) };
    }

    /// <summary>
    /// Structured logging puts the message's arguments in attributes (a logged prompt is both body and attribute):
    /// inside an AI span only the values that describe the record, not its content, are kept; the others become their length.
    /// </summary>
    private static Dictionary<string, string> WithholdAttributes(IReadOnlyDictionary<string, string> attributes)
    {
        var kept = new Dictionary<string, string>(attributes.Count, StringComparer.Ordinal);
        foreach (var (key, value) in attributes)
        {
            kept[key] = key is "exception.type" or "event.name" or "{OriginalFormat}" || key.StartsWith("code.", StringComparison.Ordinal)
                || key.StartsWith("thread.", StringComparison.Ordinal) || key.StartsWith("log.", StringComparison.Ordinal)
                ? value
                : $"[withheld: {value.Length} chars]";
        }

        return kept;
    }

    private void EvictOverflow()
    {
        while (_slots.Count > 0 && (_count > _options.MaxRecords || _bytes > _options.MaxBytes || _slots.Peek().Entry is null))
        {
            var slot = _slots.Dequeue();
            if (slot.Entry is null)
            {
                continue; // erased for a data subject: already uncounted
            }

            Unindex(slot);
            _count--;
            _bytes -= slot.Bytes;
            _evicted++;
            slot.Entry = null;
        }
    }

    private void Unindex(Slot slot)
    {
        if (slot.Entry?.TraceId is { } traceId && _byTrace.TryGetValue(traceId, out var list))
        {
            list.Remove(slot);
            if (list.Count == 0)
            {
                _byTrace.Remove(traceId);
            }
        }
    }

    private static bool Matches(LogRecordEntry e, LogQuery q)
    {
        if (q.Application is { Length: > 0 } app && !e.Application.Equals(app, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (q.MinSeverity is { } min && e.SeverityNumber < min)
        {
            return false;
        }

        if (q.TraceId is { Length: > 0 } trace && !string.Equals(e.TraceId, trace, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (q.Text is { Length: > 0 } text)
        {
            return Contains(e.Body, text) || Contains(e.EventName, text) || Contains(e.Scope, text)
                || e.Attributes.Values.Any(v => Contains(v, text));
        }

        return true;
    }

    private static bool Contains(string? haystack, string needle) =>
        haystack is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    /// <summary>Rough memory of one record: object headers plus two bytes per character of every string.</summary>
    private static long Estimate(LogRecordEntry e)
    {
        long chars = (e.Body?.Length ?? 0) + e.SeverityText.Length + e.Application.Length + (e.Scope?.Length ?? 0)
            + (e.EventName?.Length ?? 0) + (e.TraceId?.Length ?? 0) + (e.SpanId?.Length ?? 0);
        foreach (var (key, value) in e.Attributes)
        {
            chars += key.Length + value.Length + 16;
        }

        return 256 + (2 * chars);
    }

    /// <summary>A place in the queue: the record, or null once evicted or erased.</summary>
    private sealed class Slot(LogRecordEntry entry, long bytes)
    {
        public LogRecordEntry? Entry { get; set; } = entry;

        public long Bytes { get; set; } = bytes;
    }
}
