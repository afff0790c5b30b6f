using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Traces;

/// <summary>
/// Bounded in-memory store of recent traces (DESIGN.md section 2). Spans arrive from OTLP through
/// <see cref="ITraceSink.Add"/> and AI calls from the collector through <see cref="IAiOperationSink.Accept"/>;
/// both upsert by trace id + span id, so one AI call is one span however many times and in whatever order it
/// is reported. Bounds: <see cref="TraceOptions.MaxTraces"/>, <see cref="TraceOptions.MaxSpansPerTrace"/> and
/// <see cref="TraceOptions.MaxTotalSpans"/>; the trace updated longest ago is evicted first.
/// </summary>
/// <remarks>
/// One lock guards everything. Writers hold it for a dictionary upsert, a linked-list move and O(1) aggregate
/// updates (plus evictions, each of which frees at least one span), so Add and Accept never wait long. Readers
/// take what they need under the lock (immutable span records, summaries) and do the rest outside it.
/// </remarks>
public sealed partial class TraceStore : ITraceSink, IAiOperationSink
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, TraceEntry> _traces = new(StringComparer.Ordinal);

    // Least recently updated first: the eviction order. Every update moves its trace to the end.
    private readonly LinkedList<TraceEntry> _byUpdate = new();
    private readonly TraceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly SpanContentStorage _content;
    private int _spanCount;
    private long _spansAdded;
    private long _evicted;
    private long _dropped;
    private long _failures;

    /// <summary>Creates an empty store; <paramref name="contentPolicy"/> decides what of message content is kept (null: lengths only).</summary>
    public TraceStore(IOptions<TraceOptions> options, TimeProvider timeProvider, ContentCapturePolicy? contentPolicy = null)
    {
        _content = new SpanContentStorage(contentPolicy);
        ArgumentNullException.ThrowIfNull(options);
        var failures = TraceOptionsValidator.Check(options.Value);
        if (failures.Count > 0)
        {
            throw new ArgumentException("Invalid trace options: " + string.Join(" ", failures), nameof(options));
        }

        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>Counters for /metrics and the health page.</summary>
    public TraceStoreStats Stats
    {
        get
        {
            lock (_gate)
            {
                return new TraceStoreStats(_traces.Count, _spanCount, _spansAdded, _evicted, _dropped, Interlocked.Read(ref _failures));
            }
        }
    }

    /// <summary>Bounds in force.</summary>
    public TraceOptions Options => _options;

    /// <inheritdoc />
    public void Add(SpanRecord span)
    {
        try
        {
            if (span is null || NormalizeId(span.TraceId) is not { } traceId || NormalizeId(span.SpanId) is not { } spanId)
            {
                Interlocked.Increment(ref _failures);
                return;
            }

            var normalized = traceId == span.TraceId && spanId == span.SpanId && span.ParentSpanId == NormalizeId(span.ParentSpanId)
                ? span
                : span with { TraceId = traceId, SpanId = spanId, ParentSpanId = NormalizeId(span.ParentSpanId) };
            Upsert(normalized, operation: null);
        }
#pragma warning disable CA1031 // Add must never throw: a failure is counted.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failures);
        }
    }

    /// <inheritdoc />
    public void Accept(AiOperation operation)
    {
        // Only operations that name their span can be placed in a trace.
        if (operation is null || NormalizeId(operation.TraceId) is not { } traceId || NormalizeId(operation.SpanId) is not { } spanId)
        {
            return;
        }

        try
        {
            Upsert(SpanFromOperation(operation, traceId, spanId), operation);
        }
#pragma warning disable CA1031 // A read model must never fail the collector: a failure is counted.
        catch (Exception)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failures);
        }
    }

    /// <summary>
    /// Upserts one span. With <paramref name="operation"/> (from the collector) an existing span keeps its own
    /// name, times and attributes and gets the priced operation; otherwise (a span from OTLP) the new span
    /// replaces the old one but keeps an operation the old one carried.
    /// </summary>
    private void Upsert(SpanRecord incoming, AiOperation? operation)
    {
        incoming = _content.Prepare(incoming); // message content is never kept unless captured (then redacted)
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (!_traces.TryGetValue(incoming.TraceId, out var entry))
            {
                entry = new TraceEntry(incoming.TraceId);
                _traces.Add(incoming.TraceId, entry);
                entry.Node = _byUpdate.AddLast(entry);
                while (_traces.Count > _options.MaxTraces)
                {
                    EvictOldest();
                }
            }
            else if (entry.Node!.Next is not null)
            {
                _byUpdate.Remove(entry.Node);
                _byUpdate.AddLast(entry.Node);
            }

            if (entry.Spans.TryGetValue(incoming.SpanId, out var existing))
            {
                var merged = operation is not null ? existing with { Operation = operation } : Merge(existing, incoming);
                entry.Include(existing, -1);
                entry.Spans[incoming.SpanId] = merged;
                entry.Include(merged, +1);
            }
            else
            {
                if (entry.Spans.Count >= _options.MaxSpansPerTrace)
                {
                    _dropped++;
                    return;
                }

                entry.Spans.Add(incoming.SpanId, incoming);
                entry.Include(incoming, +1);
                _spanCount++;

                // The trace just written is last in the eviction order, so this loop stops before reaching it.
                while (_spanCount > _options.MaxTotalSpans && _byUpdate.First != entry.Node)
                {
                    EvictOldest();
                }
            }

            _spansAdded++;
            entry.LastUpdated = now;
        }
    }

    // Under _gate.
    private void EvictOldest()
    {
        var oldest = _byUpdate.First!.Value;
        _byUpdate.RemoveFirst();
        _traces.Remove(oldest.TraceId);
        _spanCount -= oldest.Spans.Count;
        _evicted++;
    }

    private static SpanRecord Merge(SpanRecord existing, SpanRecord incoming)
    {
        if (existing.Operation is not { } kept)
        {
            return incoming;
        }

        // The collector's copy is priced and categorised; a span re-sent by OTLP must not lose that.
        if (incoming.Operation is not { } offered || (offered.Pricing == PricingStatus.Pending && kept.Pricing != PricingStatus.Pending))
        {
            return incoming with { Operation = kept };
        }

        return incoming;
    }

    /// <summary>Lower-case id, or null when empty.</summary>
    internal static string? NormalizeId(string? id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return null;
        }

        id = id.Trim();
        foreach (var c in id)
        {
            if (char.IsUpper(c))
            {
                return id.ToLowerInvariant();
            }
        }

        return id;
    }

    /// <summary>The span the middleware or the JSON API did not send: one AI call, named "{operation} {model}".</summary>
    internal static SpanRecord SpanFromOperation(AiOperation operation, string traceId, string spanId)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["gen_ai.operation.name"] = operation.Operation,
            ["gen_ai.provider.name"] = operation.Provider,
            ["gen_ai.request.model"] = operation.RequestModel,
            ["gen_ai.usage.input_tokens"] = operation.InputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["gen_ai.usage.output_tokens"] = operation.OutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["conciergus.source"] = "operation",
        };
        AddIf(attributes, "gen_ai.response.model", operation.ResponseModel);
        AddIf(attributes, "gen_ai.usage.cache_read.input_tokens", operation.CachedInputTokens);
        AddIf(attributes, "gen_ai.usage.cache_creation.input_tokens", operation.CacheCreationInputTokens);
        AddIf(attributes, "gen_ai.usage.reasoning.output_tokens", operation.ReasoningTokens);
        AddIf(attributes, "gen_ai.conversation.id", operation.ConversationId);
        AddIf(attributes, "gen_ai.response.finish_reasons", operation.FinishReasons is { Count: > 0 } reasons ? string.Join(",", reasons) : null);
        AddIf(attributes, "error.type", operation.Error?.Type);
        AddIf(attributes, "conciergus.function_id", operation.FunctionId);
        AddIf(attributes, "conciergus.retry_count", operation.RetryCount);
        AddIf(attributes, "conciergus.fallback_used", operation.FallbackUsed ? "true" : null);
        if (operation.Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                attributes.TryAdd(key, value);
            }
        }

        return new SpanRecord
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = NormalizeId(operation.ParentSpanId),
            Name = $"{operation.Operation} {operation.Model}",
            Kind = "client",
            StartTime = operation.StartTime,
            DurationMs = operation.DurationMs,
            Status = operation.Status == AiOperationStatus.Error ? "error" : "ok",
            StatusMessage = operation.Error?.Message,
            Application = operation.Application,
            Attributes = attributes,
            Operation = operation,
        };

        static void AddIf<T>(Dictionary<string, string> attributes, string key, T? value)
        {
            var text = value switch
            {
                null => null,
                long l => l > 0 ? l.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                int i => i > 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                _ => value.ToString(),
            };
            if (!string.IsNullOrEmpty(text))
            {
                attributes[key] = text;
            }
        }
    }

    /// <summary>The end user a span names: its AI call's user, else the usual attributes.</summary>
    internal static string? UserIdOf(SpanRecord span) =>
        span.Operation?.UserId is { Length: > 0 } user ? user
        : span.Attributes.TryGetValue("enduser.id", out var endUser) && endUser.Length > 0 ? endUser
        : span.Attributes.TryGetValue("user.id", out var userId) && userId.Length > 0 ? userId
        : span.Attributes.TryGetValue("ai.telemetry.metadata.userId", out var vercelUser) && vercelUser.Length > 0 ? vercelUser
        : null;

    /// <summary>Whether a span failed, by its status or its AI call's.</summary>
    internal static bool IsError(SpanRecord span) =>
        string.Equals(span.Status, "error", StringComparison.OrdinalIgnoreCase) || span.Operation?.Status == AiOperationStatus.Error;

    /// <summary>One trace: its spans by id and running aggregates. Every member is guarded by the store's lock.</summary>
    private sealed class TraceEntry(string traceId)
    {
        public string TraceId { get; } = traceId;

        public Dictionary<string, SpanRecord> Spans { get; } = new(StringComparer.Ordinal);

        public LinkedListNode<TraceEntry>? Node { get; set; }

        public DateTimeOffset LastUpdated { get; set; }

        public SpanRecord? Root { get; private set; }

        // Start and end only widen: a span re-sent with other times leaves the old extent (rare, harmless).
        public DateTimeOffset Start { get; private set; } = DateTimeOffset.MaxValue;

        public DateTimeOffset End { get; private set; } = DateTimeOffset.MinValue;

        public int AiSpans { get; private set; }

        public int ErrorSpans { get; private set; }

        public long InputTokens { get; private set; }

        public long OutputTokens { get; private set; }

        public decimal CostUsd { get; private set; }

        // Multisets (value -> spans naming it), so a replaced span can take its contribution back.
        public Dictionary<string, int> Models { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, int> ResponseModels { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, int> Users { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, int> Applications { get; } = new(StringComparer.OrdinalIgnoreCase);

        /// <summary>Adds (+1) or takes back (-1) a span's contribution.</summary>
        public void Include(SpanRecord span, int sign)
        {
            if (sign > 0)
            {
                if (span.StartTime < Start)
                {
                    Start = span.StartTime;
                }

                var end = span.StartTime.AddMilliseconds(Math.Max(0, span.DurationMs));
                if (end > End)
                {
                    End = end;
                }

                // A span without parent is the root; until it arrives, the earliest span stands in for it.
                if (Root is null || (span.ParentSpanId is null && Root.ParentSpanId is not null)
                    || (Root.ParentSpanId is not null && span.StartTime < Root.StartTime))
                {
                    Root = span;
                }
            }
            else if (Root is not null && Root.SpanId == span.SpanId)
            {
                Root = null;
            }

            Count(Applications, span.Application, sign);
            Count(Users, UserIdOf(span), sign);
            if (IsError(span))
            {
                ErrorSpans += sign;
            }

            if (span.Operation is { } op)
            {
                AiSpans += sign;
                InputTokens += sign * op.InputTokens;
                OutputTokens += sign * op.OutputTokens;
                CostUsd += sign * (op.CostUsd ?? 0m);
                Count(Models, op.Model, sign);
                Count(ResponseModels, op.ResponseModel, sign);
            }
        }

        public TraceSummary Summarize()
        {
            var root = Root ?? Spans.Values.MinBy(s => s.StartTime)!;
            return new TraceSummary(
                TraceId,
                root.Name,
                root.Application,
                Start,
                Math.Max(0, (End - Start).TotalMilliseconds),
                Spans.Count,
                AiSpans,
                InputTokens,
                OutputTokens,
                InputTokens + OutputTokens,
                CostUsd,
                ErrorSpans > 0,
                [.. Models.Keys],
                [.. Users.Keys],
                [.. Applications.Keys],
                LastUpdated);
        }

        private static void Count(Dictionary<string, int> counts, string? value, int sign)
        {
            if (string.IsNullOrEmpty(value))
            {
                return;
            }

            var n = counts.GetValueOrDefault(value) + sign;
            if (n > 0)
            {
                counts[value] = n;
            }
            else
            {
                counts.Remove(value);
            }
        }
    }
}
