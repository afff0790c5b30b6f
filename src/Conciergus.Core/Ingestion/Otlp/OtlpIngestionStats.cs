namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Counters of the OTLP receiver, for the health page and /metrics. Lock-free; read with <see cref="Snapshot"/>.</summary>
public sealed class OtlpIngestionStats
{
    private long _requests;
    private long _failedRequests;
    private long _bytes;
    private long _acceptedSpans;
    private long _rejectedSpans;
    private long _operations;
    private long _duplicateSpans;
    private long _truncatedAttributes;
    private long _droppedAttributes;
    private long _metricDataPoints;
    private long _logRecords;
    private long _pendingChildren;

    /// <summary>A consistent-enough copy of every counter (each read is atomic; they are not read under one lock).</summary>
    public OtlpIngestionSnapshot Snapshot() => new(
        Volatile.Read(ref _requests),
        Volatile.Read(ref _failedRequests),
        Volatile.Read(ref _bytes),
        Volatile.Read(ref _acceptedSpans),
        Volatile.Read(ref _rejectedSpans),
        Volatile.Read(ref _operations),
        Volatile.Read(ref _duplicateSpans),
        Volatile.Read(ref _truncatedAttributes),
        Volatile.Read(ref _droppedAttributes),
        Volatile.Read(ref _metricDataPoints),
        Volatile.Read(ref _logRecords),
        Volatile.Read(ref _pendingChildren));

    /// <summary>Counts one request and its body bytes.</summary>
    public void Request(long bytes)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _bytes, bytes);
    }

    /// <summary>Counts a request refused whole.</summary>
    public void FailedRequest() => Interlocked.Increment(ref _failedRequests);

    /// <summary>Counts accepted and refused spans.</summary>
    public void Spans(long accepted, long rejected)
    {
        Interlocked.Add(ref _acceptedSpans, accepted);
        Interlocked.Add(ref _rejectedSpans, rejected);
    }

    /// <summary>Counts operations created.</summary>
    public void Operations(long count) => Interlocked.Add(ref _operations, count);

    /// <summary>Counts AI spans of calls counted through another span.</summary>
    public void DuplicateSpans(long count) => Interlocked.Add(ref _duplicateSpans, count);

    /// <summary>Counts truncated and dropped attributes.</summary>
    public void Attributes(long truncated, long dropped)
    {
        Interlocked.Add(ref _truncatedAttributes, truncated);
        Interlocked.Add(ref _droppedAttributes, dropped);
    }

    /// <summary>Counts metric data points.</summary>
    public void MetricDataPoints(long count) => Interlocked.Add(ref _metricDataPoints, count);

    /// <summary>Counts log records.</summary>
    public void LogRecords(long count) => Interlocked.Add(ref _logRecords, count);

    /// <summary>Sets the number of held Vercel do* spans.</summary>
    public void PendingChildren(long current) => Volatile.Write(ref _pendingChildren, current);
}

/// <summary>OTLP receiver counters.</summary>
/// <param name="Requests">Export requests received (all signals, including refused ones).</param>
/// <param name="FailedRequests">Requests refused whole (malformed 400, too large 413, unsupported 415).</param>
/// <param name="Bytes">Request body bytes received (as sent, before decompression).</param>
/// <param name="AcceptedSpans">Spans accepted (handed to the trace store).</param>
/// <param name="RejectedSpans">Spans refused in partial successes (bad ids, no start time).</param>
/// <param name="Operations">AI operations created from spans (one per call).</param>
/// <param name="DuplicateSpans">AI spans that describe a call already counted (do* children, nested GenAI spans).</param>
/// <param name="TruncatedAttributes">Attribute values cut to the length limit.</param>
/// <param name="DroppedAttributes">Attributes dropped over the count limit.</param>
/// <param name="MetricDataPoints">Metric data points received (counted, never turned into operations).</param>
/// <param name="LogRecords">Log records received (kept in the log store when one is registered).</param>
/// <param name="PendingChildren">Vercel do* spans waiting for their parent right now.</param>
public sealed record OtlpIngestionSnapshot(
    long Requests,
    long FailedRequests,
    long Bytes,
    long AcceptedSpans,
    long RejectedSpans,
    long Operations,
    long DuplicateSpans,
    long TruncatedAttributes,
    long DroppedAttributes,
    long MetricDataPoints,
    long LogRecords,
    long PendingChildren);
