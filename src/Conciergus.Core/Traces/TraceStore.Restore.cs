namespace Conciergus.Core.Traces;

public sealed partial class TraceStore
{
    /// <summary>
    /// Loads spans read back from the operation store at start (history restore). A span already held (it arrived live,
    /// or twice from the store) is kept as it is; a stored span joins its trace only when missing. Traces new to the
    /// store go to the eviction end (the oldest position), newest trace first, and only while the bounds leave room, so a
    /// restore never evicts a trace received live and never holds more than <see cref="TraceOptions"/> allow.
    /// </summary>
    /// <returns>Traces added and spans added.</returns>
    public TraceRestoreResult Restore(IReadOnlyList<SpanRecord> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var byTrace = new Dictionary<string, List<SpanRecord>>(StringComparer.Ordinal);
        foreach (var span in spans)
        {
            if (span is null || NormalizeId(span.TraceId) is not { } traceId || NormalizeId(span.SpanId) is not { } spanId)
            {
                continue;
            }

            if (!byTrace.TryGetValue(traceId, out var list))
            {
                byTrace[traceId] = list = [];
            }

            list.Add(span with { TraceId = traceId, SpanId = spanId, ParentSpanId = NormalizeId(span.ParentSpanId) });
        }

        // Newest trace first: each new one is put before the ones restored so far, so the eviction order ends up oldest first.
        var ordered = byTrace.OrderByDescending(t => t.Value.Max(s => s.StartTime)).ThenBy(t => t.Key, StringComparer.Ordinal);
        var tracesAdded = 0;
        var spansAdded = 0;
        foreach (var (traceId, traceSpans) in ordered)
        {
            // One lock per trace: live ingestion is held back for one trace's worth of dictionary inserts at most.
            lock (_gate)
            {
                if (_traces.TryGetValue(traceId, out var held))
                {
                    foreach (var span in traceSpans)
                    {
                        if (held.Spans.Count >= _options.MaxSpansPerTrace || _spanCount >= _options.MaxTotalSpans)
                        {
                            break;
                        }

                        if (held.Spans.TryAdd(span.SpanId, span))
                        {
                            held.Include(span, +1);
                            _spanCount++;
                            spansAdded++;
                        }
                    }

                    continue;
                }

                var distinct = traceSpans.DistinctBy(s => s.SpanId, StringComparer.Ordinal).Take(_options.MaxSpansPerTrace).ToList();
                if (_traces.Count >= _options.MaxTraces || _spanCount + distinct.Count > _options.MaxTotalSpans)
                {
                    // Full: older traces would not fit either (they are visited newest first).
                    break;
                }

                var entry = new TraceEntry(traceId);
                foreach (var span in distinct)
                {
                    entry.Spans.Add(span.SpanId, span);
                    entry.Include(span, +1);
                }

                entry.LastUpdated = entry.End;
                _traces.Add(traceId, entry);
                entry.Node = _byUpdate.AddFirst(entry);
                _spanCount += distinct.Count;
                tracesAdded++;
                spansAdded += distinct.Count;
            }
        }

        return new TraceRestoreResult(tracesAdded, spansAdded);
    }

    /// <summary>Whether the bounds are reached (a restore reading further back would add nothing).</summary>
    public bool IsFull
    {
        get
        {
            lock (_gate)
            {
                return _traces.Count >= _options.MaxTraces || _spanCount >= _options.MaxTotalSpans;
            }
        }
    }

    /// <summary>
    /// A trace built from spans read from the operation store (the trace is no longer held in memory): the same summary
    /// and waterfall as <see cref="Get"/>; null when <paramref name="spans"/> is empty.
    /// </summary>
    public static TraceDetail? FromSpans(IReadOnlyList<SpanRecord> spans)
    {
        ArgumentNullException.ThrowIfNull(spans);
        var normalized = spans
            .Where(s => s is not null && NormalizeId(s.TraceId) is not null && NormalizeId(s.SpanId) is not null)
            .Select(s => s with { TraceId = NormalizeId(s.TraceId)!, SpanId = NormalizeId(s.SpanId)!, ParentSpanId = NormalizeId(s.ParentSpanId) })
            .DistinctBy(s => s.SpanId, StringComparer.Ordinal)
            .ToList();
        if (normalized.Count == 0)
        {
            return null;
        }

        var entry = new TraceEntry(normalized[0].TraceId);
        foreach (var span in normalized)
        {
            entry.Spans.Add(span.SpanId, span);
            entry.Include(span, +1);
        }

        entry.LastUpdated = entry.End;
        var summary = entry.Summarize();
        return new TraceDetail(summary, Waterfall(normalized, summary.StartTime));
    }
}

/// <summary>What a trace restore added.</summary>
/// <param name="Traces">Traces new to the store.</param>
/// <param name="Spans">Spans added (to new traces and to traces already held).</param>
public sealed record TraceRestoreResult(int Traces, int Spans);
