using Conciergus.Core.Audit;

namespace Conciergus.Core.Traces;

/// <summary>
/// Data-subject requests reach the trace store. A trace belongs to the subject when any stored string of any of its
/// spans mentions the user id (<see cref="SubjectMatch"/>: the user id field, but also a status or error message, a
/// session id "sess-&lt;id&gt;", a conversation id, a metadata value, a prompt attribute): export returns those whole
/// traces, erasure removes them whole (a trace is one request: what is left of it without the subject is not worth the
/// risk of a missed mention).
/// </summary>
public sealed partial class TraceStore : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "traces";

    /// <summary>What <see cref="EraseAsync"/> counts.</summary>
    public string ErasedUnit => "traces removed";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var found = new List<SubjectSpan>();
        foreach (var entry in SnapshotEntries())
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<SpanRecord> spans;
            lock (_gate)
            {
                spans = [.. entry.Spans.Values];
            }

            if (!spans.Any(s => Mentions(s, userId)))
            {
                continue;
            }

            foreach (var span in spans)
            {
                var op = span.Operation;
                found.Add(new SubjectSpan(
                    span.TraceId, span.SpanId, span.Name, span.StartTime, span.DurationMs, span.Application,
                    op?.Model, op?.InputTokens, op?.OutputTokens, op?.CostUsd, span.Status, span.Attributes));
            }
        }

        found.Sort(static (a, b) => a.StartTime.CompareTo(b.StartTime));
        return ValueTask.FromResult<object?>(new { spans = found });
    }

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        long removed = 0;
        foreach (var entry in SnapshotEntries())
        {
            cancellationToken.ThrowIfCancellationRequested();

            // One trace per lock hold, so ingestion keeps flowing during a large erasure. Spans are immutable records,
            // so the match runs on a copy outside the lock; a span added meanwhile is checked again under it.
            List<SpanRecord> spans;
            lock (_gate)
            {
                spans = [.. entry.Spans.Values];
            }

            if (!spans.Any(s => Mentions(s, userId)))
            {
                continue;
            }

            lock (_gate)
            {
                if (!_traces.TryGetValue(entry.TraceId, out var current) || !ReferenceEquals(current, entry))
                {
                    continue; // evicted meanwhile
                }

                _traces.Remove(entry.TraceId);
                _byUpdate.Remove(entry.Node!);
                _spanCount -= entry.Spans.Count;
                removed++;
            }
        }

        return ValueTask.FromResult(removed);
    }

    // Every trace: attributes are not aggregated, so any span may name the user.
    private List<TraceEntry> SnapshotEntries()
    {
        lock (_gate)
        {
            return [.. _byUpdate];
        }
    }

    /// <summary>Whether any stored string of the span mentions the subject.</summary>
    internal static bool Mentions(SpanRecord span, string userId) =>
        SubjectMatch.Mentions(span.StatusMessage, userId)
        || SubjectMatch.Mentions(span.Name, userId)
        || SubjectMatch.Mentions(span.Application, userId)
        || SubjectMatch.Mentions(span.Attributes, userId)
        || SubjectMatch.Mentions(span.Operation, userId);
}
