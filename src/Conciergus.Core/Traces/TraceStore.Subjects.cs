using Conciergus.Core.Audit;

namespace Conciergus.Core.Traces;

/// <summary>Data-subject requests reach the trace store: export lists the user's spans, erasure removes the user id.</summary>
public sealed partial class TraceStore : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "traces";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var found = new List<SubjectSpan>();
        foreach (var entry in SnapshotEntries())
        {
            cancellationToken.ThrowIfCancellationRequested();
            lock (_gate)
            {
                foreach (var span in entry.Spans.Values)
                {
                    if (Names(span, userId))
                    {
                        var op = span.Operation;
                        found.Add(new SubjectSpan(
                            span.TraceId, span.SpanId, span.Name, span.StartTime, span.DurationMs, span.Application,
                            op?.Model, op?.InputTokens, op?.OutputTokens, op?.CostUsd, span.Status, span.Attributes));
                    }
                }
            }
        }

        found.Sort(static (a, b) => a.StartTime.CompareTo(b.StartTime));
        return ValueTask.FromResult<object?>(new { spans = found });
    }

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        long changed = 0;
        foreach (var entry in SnapshotEntries())
        {
            cancellationToken.ThrowIfCancellationRequested();

            // One trace per lock hold, so ingestion keeps flowing during a large erasure.
            lock (_gate)
            {
                if (!_traces.ContainsKey(entry.TraceId))
                {
                    continue; // evicted meanwhile
                }

                foreach (var span in entry.Spans.Values.Where(s => Names(s, userId)).ToList())
                {
                    var erased = Erase(span, userId);
                    entry.Include(span, -1);
                    entry.Spans[span.SpanId] = erased;
                    entry.Include(erased, +1);
                    changed++;
                }
            }
        }

        return ValueTask.FromResult(changed);
    }

    // Every trace: attributes are not aggregated, so any span may name the user.
    private List<TraceEntry> SnapshotEntries()
    {
        lock (_gate)
        {
            return [.. _byUpdate];
        }
    }

    private static bool Names(SpanRecord span, string userId) =>
        UserIdOf(span) == userId
        || span.Attributes.Values.Contains(userId)
        || (span.Operation?.Metadata?.Values.Contains(userId) ?? false);

    /// <summary>The span without the user id: removed from the AI call, its metadata and the attributes.</summary>
    private static SpanRecord Erase(SpanRecord span, string userId)
    {
        var attributes = span.Attributes.Where(a => a.Value != userId).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        var op = span.Operation;
        if (op is not null)
        {
            op = op with
            {
                UserId = op.UserId == userId ? null : op.UserId,
                Metadata = op.Metadata?.Values.Contains(userId) == true
                    ? op.Metadata.Where(m => m.Value != userId).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal)
                    : op.Metadata,
            };
        }

        return span with { Attributes = attributes, Operation = op };
    }
}
