using Conciergus.Core.Operations;
using Conciergus.Core.Traces;

using Microsoft.Extensions.Logging;

namespace Conciergus.Core.History;

/// <summary>
/// Opens a trace from memory, or from the operation store when memory no longer holds it (evicted, or from before a
/// restart), so a trace linked from an error sample or an alert still opens.
/// </summary>
public sealed partial class TraceHistory
{
    private readonly TraceStore _traces;
    private readonly IOperationStore? _store;
    private readonly ILogger _logger;

    /// <summary>Creates the lookup; without a store it answers from memory only.</summary>
    public TraceHistory(TraceStore traces, ILogger<TraceHistory> logger, IOperationStore? store = null)
    {
        _traces = traces;
        _logger = logger;
        _store = store;
    }

    /// <summary>The trace with its spans in waterfall order, and where it came from; null when neither memory nor the store has it.</summary>
    public async Task<HistoricTrace?> GetAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        if (_traces.Get(traceId) is { } held)
        {
            return new HistoricTrace(held, FromStore: false);
        }

        if (_store is null || _store.Status.State is OperationStoreState.Disabled)
        {
            return null;
        }

        try
        {
            var spans = await _store.ReadTraceAsync(traceId.Trim().ToLowerInvariant(), cancellationToken).ConfigureAwait(false);
            return TraceStore.FromSpans(spans) is { } stored ? new HistoricTrace(stored, FromStore: true) : null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
#pragma warning disable CA1031 // A store that cannot answer means "not held", with the reason logged; the page and API go on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogStoreReadFailed(_logger, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading a trace from the operation store failed: {Error}")]
    private static partial void LogStoreReadFailed(ILogger logger, string error);
}

/// <summary>A trace and where it was found.</summary>
/// <param name="Detail">Summary and waterfall.</param>
/// <param name="FromStore">True when read from the operation store (memory no longer held it).</param>
public sealed record HistoricTrace(TraceDetail Detail, bool FromStore);
