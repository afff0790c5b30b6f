using Conciergus.Core.Traces;

namespace Conciergus.Core.Operations;

/// <summary>
/// Decorates the registered <see cref="ITraceSink"/> (the trace store): every span still goes there, and the spans of
/// AI traces also go to the operation store. A trace is an AI trace from its first span that carries an operation;
/// spans of it that arrive later (parents usually end, and are exported, after their AI children) are stored too.
/// Spans of the same trace exported before its first AI span are not. The set of recent AI traces is a fixed-size,
/// lock-free table (a colliding trace id overwrites its slot), so this adds no allocation and no lock to ingestion.
/// </summary>
public sealed class OperationStoreTraceSink : ITraceSink
{
    private const int Slots = 1 << 14;

    private readonly ITraceSink? _inner;
    private readonly IOperationStore _store;
    private readonly string?[] _aiTraces = new string?[Slots];

    /// <summary>Creates the decorator; <paramref name="inner"/> may be null when no trace store is registered.</summary>
    public OperationStoreTraceSink(ITraceSink? inner, IOperationStore store)
    {
        _inner = inner;
        _store = store ?? throw new ArgumentNullException(nameof(store));
    }

    /// <summary>The decorated sink.</summary>
    public ITraceSink? Inner => _inner;

    /// <inheritdoc />
    public void Add(SpanRecord span)
    {
        _inner?.Add(span);
        if (span?.TraceId is not { Length: > 0 } traceId)
        {
            return;
        }

        // Reference writes are atomic; a racing writer of the same slot only makes one trace forget it was AI.
        var slot = (int)((uint)string.GetHashCode(traceId, StringComparison.Ordinal) & (Slots - 1));
        if (span.Operation is not null)
        {
            Volatile.Write(ref _aiTraces[slot], traceId);
        }
        else if (!string.Equals(Volatile.Read(ref _aiTraces[slot]), traceId, StringComparison.Ordinal))
        {
            return;
        }

        _store.TryAppendSpan(span);
    }
}
