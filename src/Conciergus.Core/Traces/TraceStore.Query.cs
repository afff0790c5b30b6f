namespace Conciergus.Core.Traces;

public sealed partial class TraceStore
{
    /// <summary>Traces matching <paramref name="query"/>, newest start first, one page of them.</summary>
    public TracePage List(TraceQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var limit = Math.Clamp(query.Limit, 1, TraceQuery.MaxLimit);
        var offset = Math.Max(0, query.Offset);
        var matches = new List<TraceSummary>();
        lock (_gate)
        {
            // Filters read the running aggregates, so a query costs O(traces), never O(spans).
            foreach (var entry in _byUpdate)
            {
                if (Matches(entry, query))
                {
                    matches.Add(entry.Summarize());
                }
            }
        }

        matches.Sort(static (a, b) =>
        {
            var byStart = b.StartTime.CompareTo(a.StartTime);
            return byStart != 0 ? byStart : string.CompareOrdinal(a.TraceId, b.TraceId);
        });
        var page = offset >= matches.Count ? [] : matches.GetRange(offset, Math.Min(limit, matches.Count - offset));
        return new TracePage(page, matches.Count, offset, limit);
    }

    /// <summary>One trace with its spans in waterfall order, or null when the store does not hold it.</summary>
    public TraceDetail? Get(string traceId)
    {
        if (NormalizeId(traceId) is not { } id)
        {
            return null;
        }

        SpanRecord[] spans;
        TraceSummary summary;
        lock (_gate)
        {
            if (!_traces.TryGetValue(id, out var entry))
            {
                return null;
            }

            spans = [.. entry.Spans.Values];
            summary = entry.Summarize();
        }

        return new TraceDetail(summary, Waterfall(spans, summary.StartTime));
    }

    /// <summary>Whether the store holds the trace.</summary>
    public bool Contains(string traceId)
    {
        if (NormalizeId(traceId) is not { } id)
        {
            return false;
        }

        lock (_gate)
        {
            return _traces.ContainsKey(id);
        }
    }

    // Under _gate.
    private static bool Matches(TraceEntry entry, TraceQuery query)
    {
        if (query.Model is { Length: > 0 } model && !entry.Models.ContainsKey(model) && !entry.ResponseModels.ContainsKey(model))
        {
            return false;
        }

        if (query.Application is { Length: > 0 } application && !entry.Applications.ContainsKey(application))
        {
            return false;
        }

        if (query.UserId is { Length: > 0 } user && !entry.Users.ContainsKey(user))
        {
            return false;
        }

        if ((query.StartedFrom is { } from && entry.Start < from) || (query.StartedBefore is { } before && entry.Start >= before))
        {
            return false;
        }

        if (query.HasError is { } hasError && hasError != entry.ErrorSpans > 0)
        {
            return false;
        }

        if (!query.Filter.IsEmpty && !AnyOperationMatches(entry, query.Filter))
        {
            return false;
        }

        return query.MinDurationMs is not { } minDuration || (entry.End - entry.Start).TotalMilliseconds >= minDuration;
    }

    // Under _gate. Only filtered lists pay O(spans) for the traces the cheaper filters above let through.
    private static bool AnyOperationMatches(TraceEntry entry, Operations.OperationFilter filter)
    {
        foreach (var span in entry.Spans.Values)
        {
            if (span.Operation is { } operation && filter.Matches(operation))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Depth-first order, siblings by start time: each span follows its parent, as a waterfall reads. Spans
    /// whose parent is not held are roots (flagged); a parent cycle (malformed input) is broken, never looped.
    /// </summary>
    internal static IReadOnlyList<TraceSpanNode> Waterfall(IReadOnlyList<SpanRecord> spans, DateTimeOffset traceStart)
    {
        var byId = new Dictionary<string, SpanRecord>(spans.Count, StringComparer.Ordinal);
        foreach (var span in spans)
        {
            byId[span.SpanId] = span;
        }

        var children = new Dictionary<string, List<SpanRecord>>(StringComparer.Ordinal);
        var roots = new List<SpanRecord>();
        foreach (var span in spans)
        {
            if (span.ParentSpanId is { } parent && parent != span.SpanId && byId.ContainsKey(parent))
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(span);
            }
            else
            {
                roots.Add(span);
            }
        }

        Comparison<SpanRecord> byStart = static (a, b) =>
        {
            var c = a.StartTime.CompareTo(b.StartTime);
            return c != 0 ? c : string.CompareOrdinal(a.SpanId, b.SpanId);
        };
        roots.Sort(byStart);
        foreach (var list in children.Values)
        {
            list.Sort(byStart);
        }

        var result = new List<TraceSpanNode>(spans.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(SpanRecord Span, int Depth)>();

        void Walk(SpanRecord root)
        {
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (span, depth) = stack.Pop();
                if (!visited.Add(span.SpanId))
                {
                    continue;
                }

                var kids = children.GetValueOrDefault(span.SpanId);
                result.Add(new TraceSpanNode(
                    span,
                    depth,
                    Math.Max(0, (span.StartTime - traceStart).TotalMilliseconds),
                    span.Operation is not null,
                    IsError(span),
                    depth == 0 && span.ParentSpanId is not null,
                    kids?.Count ?? 0));
                if (kids is not null)
                {
                    for (var i = kids.Count - 1; i >= 0; i--)
                    {
                        stack.Push((kids[i], depth + 1));
                    }
                }
            }
        }

        foreach (var root in roots)
        {
            Walk(root);
        }

        // Spans only reachable through a cycle: show them as roots rather than hide them.
        if (result.Count < byId.Count)
        {
            var rest = spans.Where(s => !visited.Contains(s.SpanId)).ToList();
            rest.Sort(byStart);
            foreach (var span in rest)
            {
                Walk(span);
            }
        }

        return result;
    }
}
