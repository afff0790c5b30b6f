namespace Conciergus.Core.Ingestion;

/// <summary>Which ingestion endpoint a request came to (for the throttling counters).</summary>
public enum IngestionEndpoint
{
    /// <summary>OTLP/HTTP: /v1/traces, /v1/metrics, /v1/logs.</summary>
    Otlp,

    /// <summary>JSON: /api/v1/operations.</summary>
    Json,
}

/// <summary>
/// Back-pressure for the ingestion endpoints: at most <see cref="IngestionOptions.MaxConcurrentRequests"/> requests
/// are read, decoded and recorded at once; one more is refused at once (429 with Retry-After, which OTLP exporters
/// retry) instead of waiting in an unbounded line. This bounds the memory held by request bodies in flight
/// (at most MaxConcurrentRequests x (MaxRequestBytes + the decompressed size)) and keeps the reply time of accepted
/// requests flat when senders flood. Every refusal is counted: nothing is dropped silently.
/// </summary>
public sealed class IngestionGate
{
    private readonly int _limit;
    private int _inFlight;
    private int _peak;
    private long _admitted;
    private long _throttledOtlp;
    private long _throttledJson;

    /// <summary>Creates the gate with the configured limit.</summary>
    public IngestionGate(Microsoft.Extensions.Options.IOptions<IngestionOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limit = Math.Max(1, options.Value.MaxConcurrentRequests);
    }

    /// <summary>Most requests in flight at once.</summary>
    public int Limit => _limit;

    /// <summary>
    /// Takes a slot, or returns false (and counts a throttled request) when all are taken. Never waits.
    /// A taken slot must be given back with <see cref="Exit"/> exactly once.
    /// </summary>
    public bool TryEnter(IngestionEndpoint endpoint)
    {
        // Optimistic increment, undone when over the limit: lock-free, and the count can only exceed the limit
        // transiently by the number of racing callers, each of which then backs out before doing any work.
        var now = Interlocked.Increment(ref _inFlight);
        if (now > _limit)
        {
            Interlocked.Decrement(ref _inFlight);
            Interlocked.Increment(ref endpoint == IngestionEndpoint.Otlp ? ref _throttledOtlp : ref _throttledJson);
            return false;
        }

        Interlocked.Increment(ref _admitted);
        int peak;
        while (now > (peak = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
            // Another caller raised the peak first; read it again.
        }

        return true;
    }

    /// <summary>Gives a slot back.</summary>
    public void Exit() => Interlocked.Decrement(ref _inFlight);

    /// <summary>Counters for /metrics, /healthz and the health page.</summary>
    public IngestionGateSnapshot Snapshot() => new(
        _limit,
        Volatile.Read(ref _inFlight),
        Volatile.Read(ref _peak),
        Interlocked.Read(ref _admitted),
        Interlocked.Read(ref _throttledOtlp),
        Interlocked.Read(ref _throttledJson));
}

/// <summary>State of the <see cref="IngestionGate"/>.</summary>
/// <param name="Limit">Most requests in flight at once.</param>
/// <param name="InFlight">Requests being read, decoded or recorded now.</param>
/// <param name="PeakInFlight">Highest number in flight since start.</param>
/// <param name="Admitted">Requests let through since start.</param>
/// <param name="ThrottledOtlp">OTLP requests refused with 429 because all slots were taken.</param>
/// <param name="ThrottledJson">JSON ingestion requests refused with 429 because all slots were taken.</param>
public sealed record IngestionGateSnapshot(int Limit, int InFlight, int PeakInFlight, long Admitted, long ThrottledOtlp, long ThrottledJson);
