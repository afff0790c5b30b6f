using Conciergus.Core.Model;
using Conciergus.Core.Traces;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>
/// Counts every AI call exactly once although several spans describe it, across export requests:
/// <list type="bullet">
/// <item><b>Vercel AI SDK</b> (<c>ai.generateText</c> with its <c>ai.generateText.doGenerate</c> children): the
/// call span is the operation, completed from its children. Children end first, so they often arrive first (a
/// simple span processor exports each span on its own; a batch may be cut between child and parent). A child
/// whose parent is not in the same request waits in a bounded pending map keyed by trace id + parent span id for
/// <see cref="OtlpOptions.ChildHold"/>; the parent claims it when it arrives. If the parent never arrives, the
/// children are counted on their own when the hold expires (or at once when the map is full, oldest first), and
/// the parent is remembered as counted so a very late parent is not counted again. A provider span with no
/// parent at all (an app without a context manager: every span is its own trace) is never counted, because its
/// call span still arrives as a root of its own and counts.</item>
/// <item><b>GenAI conventions</b> (<c>chat</c>, <c>embeddings</c>, <c>invoke_agent</c> ...): nested GenAI spans of
/// one call (an agent and its model calls, or two instrumentations wrapping the same call) are counted once: the
/// innermost span that arrives first counts, and any GenAI span that is the direct parent or child of a counted
/// one is not counted. Within a request, spans are taken in end-time order, so model calls count rather than
/// the agent span that wraps them (per-model tokens and cost stay right). GenAI spans that are not model calls
/// (<c>agent_step</c>, <c>execute_tool</c>) pass the marks through, so AI SDK 7's invoke_agent > step > chat counts
/// the chat span once and not the agent.</item>
/// <item>Counted keys live in bounded FIFO sets (<see cref="OtlpOptions.MaxRememberedCalls"/>); a re-sent span
/// (exporter retry) is recognised as counted and not counted again.</item>
/// </list>
/// Thread-safe: one short lock per request; operations are recorded by the caller outside it.
/// </summary>
public sealed class AiCallAssembler
{
    private readonly OtlpOptions _options;
    private readonly Lock _gate = new();
    private readonly Dictionary<SpanKey, Pending> _pending = [];
    private readonly Queue<(SpanKey Key, long Sequence)> _pendingOrder = new();
    private readonly BoundedKeySet _countedCalls;
    private readonly BoundedKeySet _countedGenAi;
    private readonly BoundedKeySet _countedGenAiParents;
    private long _sequence;

    /// <summary>Creates the assembler.</summary>
    public AiCallAssembler(OtlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _countedCalls = new BoundedKeySet(options.MaxRememberedCalls);
        _countedGenAi = new BoundedKeySet(options.MaxRememberedCalls);
        _countedGenAiParents = new BoundedKeySet(options.MaxRememberedCalls);
    }

    /// <summary>Vercel provider spans waiting for their call span.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>
    /// Assembles one request's spans: every span comes back once (AI spans that count carry their operation),
    /// plus, with their operation, held children whose wait ended. <paramref name="duplicates"/> counts AI spans
    /// that describe a call counted through another span.
    /// </summary>
    public List<SpanRecord> Assemble(IReadOnlyList<MappedSpan> batch, DateTimeOffset now, out int duplicates)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var result = new List<SpanRecord>(batch.Count);
        duplicates = 0;

        // Index the Vercel call spans and their children present in this request.
        Dictionary<SpanKey, List<AiOperation>>? childrenInBatch = null;
        HashSet<SpanKey>? callsInBatch = null;
        List<MappedSpan>? genAi = null;
        foreach (var span in batch)
        {
            if (span.Role == AiSpanRole.VercelCall)
            {
                (callsInBatch ??= []).Add(new SpanKey(span.Span.TraceId, span.Span.SpanId));
            }
            else if (span.Role is AiSpanRole.GenAi or AiSpanRole.GenAiStep)
            {
                (genAi ??= []).Add(span);
            }
        }

        foreach (var span in batch)
        {
            if (span.Role == AiSpanRole.VercelModelCall && span.Span.ParentSpanId is { } parent
                && callsInBatch?.Contains(new SpanKey(span.Span.TraceId, parent)) == true)
            {
                childrenInBatch ??= [];
                var key = new SpanKey(span.Span.TraceId, parent);
                if (!childrenInBatch.TryGetValue(key, out var list))
                {
                    childrenInBatch[key] = list = [];
                }

                list.Add(span.Operation!);
            }
        }

        lock (_gate)
        {
            // Everything below touches only the maps and sets guarded by _gate and allocates a little; the
            // collector and the trace store are called by the ingestor after the lock is released.
            foreach (var span in batch)
            {
                switch (span.Role)
                {
                    case AiSpanRole.VercelCall:
                        result.Add(TakeCall(span, childrenInBatch, ref duplicates));
                        break;
                    case AiSpanRole.VercelModelCall:
                        result.Add(HoldChild(span, callsInBatch, now, result, ref duplicates));
                        break;
                    case AiSpanRole.GenAi or AiSpanRole.GenAiStep:
                        break;
                    default:
                        result.Add(span.Span);
                        break;
                }
            }

            if (genAi is not null)
            {
                var byId = new Dictionary<SpanKey, MappedSpan>(genAi.Count);
                foreach (var span in genAi)
                {
                    byId[new SpanKey(span.Span.TraceId, span.Span.SpanId)] = span;
                }

                // Inner spans end first: in end-time order, model calls are seen before the agent span around them.
                foreach (var span in genAi.OrderBy(s => s.Span.StartTime.AddMilliseconds(s.Span.DurationMs)))
                {
                    result.Add(span.Role == AiSpanRole.GenAi ? CountGenAi(span, byId, ref duplicates) : LinkStep(span));
                }
            }

            ExpireLocked(now, result);
        }

        return result;
    }

    /// <summary>Held children whose wait is over, each group as one operation (the first child's span carries it).</summary>
    public List<SpanRecord> TakeExpired(DateTimeOffset now)
    {
        var result = new List<SpanRecord>();
        lock (_gate)
        {
            ExpireLocked(now, result);
        }

        return result;
    }

    private SpanRecord TakeCall(MappedSpan span, Dictionary<SpanKey, List<AiOperation>>? childrenInBatch, ref int duplicates)
    {
        var key = new SpanKey(span.Span.TraceId, span.Span.SpanId);
        if (!_countedCalls.Add(key))
        {
            // Counted already: a re-sent span, or its children were counted on their own after the hold.
            _pending.Remove(key);
            duplicates++;
            return span.Span;
        }

        List<AiOperation> children = [];
        if (_pending.Remove(key, out var pending))
        {
            children.AddRange(pending.Children.Select(c => c.Operation!));
        }

        if (childrenInBatch?.TryGetValue(key, out var inBatch) == true)
        {
            children.AddRange(inBatch);
        }

        children.Sort((x, y) => x.StartTime.CompareTo(y.StartTime));
        duplicates += children.Count;
        return span.Span with { Operation = GenAiSpanMapper.MergeVercel(span.Operation!, children) };
    }

    private SpanRecord HoldChild(MappedSpan span, HashSet<SpanKey>? callsInBatch, DateTimeOffset now, List<SpanRecord> result, ref int duplicates)
    {
        if (span.Span.ParentSpanId is not { } parent)
        {
            // The SDK always wraps a provider span in its call span. With no parent, the app has no context
            // manager (every span is a root of its own trace) and the call span arrives as another root and
            // counts: counting this one too would count the call twice.
            duplicates++;
            return span.Span;
        }

        var parentKey = new SpanKey(span.Span.TraceId, parent);
        if (callsInBatch?.Contains(parentKey) == true)
        {
            return span.Span; // TakeCall merges it and counts it as a duplicate.
        }

        if (_countedCalls.Contains(parentKey))
        {
            duplicates++;
            return span.Span;
        }

        if (_pending.TryGetValue(parentKey, out var pending))
        {
            if (!pending.Children.Any(c => c.Span.SpanId == span.Span.SpanId))
            {
                pending.Children.Add(span);
            }

            return span.Span;
        }

        if (_options.ChildHold <= TimeSpan.Zero || _options.MaxPendingChildren == 0)
        {
            _countedCalls.Add(parentKey);
            return span.Span with { Operation = GenAiSpanMapper.FromModelCalls([span.Operation!]) };
        }

        while (_pending.Count >= _options.MaxPendingChildren && _pendingOrder.TryDequeue(out var oldest))
        {
            // Full: the oldest waiting group is counted on its own now rather than dropped.
            if (_pending.TryGetValue(oldest.Key, out var evicted) && evicted.Sequence == oldest.Sequence)
            {
                _pending.Remove(oldest.Key);
                result.Add(Complete(oldest.Key, evicted));
            }
        }

        var sequence = ++_sequence;
        _pending[parentKey] = new Pending(now + _options.ChildHold, sequence, [span]);
        _pendingOrder.Enqueue((parentKey, sequence));
        return span.Span;
    }

    private SpanRecord CountGenAi(MappedSpan span, Dictionary<SpanKey, MappedSpan> batch, ref int duplicates)
    {
        var key = new SpanKey(span.Span.TraceId, span.Span.SpanId);
        var parentKey = span.Span.ParentSpanId is { } parent ? new SpanKey(span.Span.TraceId, parent) : (SpanKey?)null;
        if (_countedGenAi.Contains(key) || _countedGenAiParents.Contains(key) || (parentKey is { } p && _countedGenAi.Contains(p)))
        {
            duplicates++;
            return span.Span;
        }

        _countedGenAi.Add(key);
        if (parentKey is { } pk)
        {
            _countedGenAiParents.Add(pk);
        }

        return span.Span with { Operation = WithAgentDimensions(span, batch) };
    }

    /// <summary>
    /// A model call inside an agent takes the dimensions it lacks (function id = agent name, user, session,
    /// conversation) from the nearest agent span above it in the same request (AI SDK 7 writes them on the agent).
    /// </summary>
    private static AiOperation WithAgentDimensions(MappedSpan span, Dictionary<SpanKey, MappedSpan> batch)
    {
        var operation = span.Operation!;
        var parent = span.Span.ParentSpanId;
        for (var depth = 0; depth < 8 && parent is not null && batch.TryGetValue(new SpanKey(span.Span.TraceId, parent), out var ancestor); depth++)
        {
            if (ancestor.Operation is { Operation: AiOperationKinds.InvokeAgent } agent)
            {
                return operation with
                {
                    FunctionId = operation.FunctionId ?? agent.FunctionId,
                    UserId = operation.UserId ?? agent.UserId,
                    SessionId = operation.SessionId ?? agent.SessionId,
                    ConversationId = operation.ConversationId ?? agent.ConversationId,
                    Metadata = operation.Metadata ?? agent.Metadata,
                };
            }

            parent = ancestor.Span.ParentSpanId;
        }

        return operation;
    }

    /// <summary>
    /// A GenAI span between an agent and its model calls (AI SDK 7: invoke_agent > agent_step > chat) passes the
    /// "counted" marks through: up when a model call below it counted (so the agent above does not), down when the
    /// agent above counted (so model calls below do not).
    /// </summary>
    private SpanRecord LinkStep(MappedSpan span)
    {
        var key = new SpanKey(span.Span.TraceId, span.Span.SpanId);
        if (span.Span.ParentSpanId is { } parent)
        {
            var parentKey = new SpanKey(span.Span.TraceId, parent);
            if (_countedGenAiParents.Contains(key))
            {
                _countedGenAiParents.Add(parentKey);
            }

            if (_countedGenAi.Contains(parentKey))
            {
                _countedGenAi.Add(key);
            }
        }

        return span.Span;
    }

    private void ExpireLocked(DateTimeOffset now, List<SpanRecord> result)
    {
        while (_pendingOrder.TryPeek(out var head))
        {
            if (!_pending.TryGetValue(head.Key, out var pending) || pending.Sequence != head.Sequence)
            {
                _pendingOrder.Dequeue();
                continue;
            }

            if (pending.Deadline > now)
            {
                break;
            }

            _pendingOrder.Dequeue();
            _pending.Remove(head.Key);
            result.Add(Complete(head.Key, pending));
        }
    }

    private SpanRecord Complete(SpanKey parentKey, Pending pending)
    {
        _countedCalls.Add(parentKey);
        pending.Children.Sort((x, y) => x.Span.StartTime.CompareTo(y.Span.StartTime));
        var operation = GenAiSpanMapper.FromModelCalls(pending.Children.Select(c => c.Operation!).ToList());
        return pending.Children[0].Span with { Operation = operation };
    }

    private readonly record struct SpanKey(string TraceId, string SpanId);

    private sealed record Pending(DateTimeOffset Deadline, long Sequence, List<MappedSpan> Children);

    /// <summary>A set that forgets its oldest keys beyond a capacity (FIFO), so memory stays bounded.</summary>
    private sealed class BoundedKeySet(int capacity)
    {
        private readonly HashSet<SpanKey> _set = [];
        private readonly Queue<SpanKey> _order = new();

        public bool Contains(SpanKey key) => _set.Contains(key);

        public bool Add(SpanKey key)
        {
            if (!_set.Add(key))
            {
                return false;
            }

            _order.Enqueue(key);
            while (_set.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _set.Remove(oldest);
            }

            return true;
        }
    }
}
