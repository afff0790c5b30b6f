using Conciergus.Core.Model;
using Conciergus.Core.Traces;

namespace Conciergus.Core.Operations;

/// <summary>
/// Durable history of every recorded operation and of the spans of AI traces (DESIGN.md section 14): append, query,
/// erase, purge. DuckDB in the data folder is the embedded default; a shared PostgreSQL implementation can follow
/// behind this same seam. Appends never block and never throw: they enqueue, and one background writer commits in
/// batches at least once a second; a full queue drops and counts.
/// </summary>
public interface IOperationStore
{
    /// <summary>State, counters and the last failure, for health, /healthz and /metrics.</summary>
    OperationStoreStatus Status { get; }

    /// <summary>Enqueues one operation for the writer. False when it was dropped (queue full, store disabled); counted.</summary>
    bool TryAppend(AiOperation operation);

    /// <summary>Enqueues one span of an AI trace. False when it was dropped; counted.</summary>
    bool TryAppendSpan(SpanRecord span);

    /// <summary>Commits everything enqueued before the call (graceful stop, tests, backups).</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Aggregates over stored operations: one row per group (and per bucket when a step is given).</summary>
    Task<IReadOnlyList<OperationAggregateRow>> AggregateAsync(OperationQuery query, CancellationToken cancellationToken = default);

    /// <summary>Distinct values seen for a field in a window, most frequent first (filter-bar autocomplete).</summary>
    Task<IReadOnlyList<string>> DistinctValuesAsync(string field, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken = default);

    /// <summary>Stored operations that ended in [since, until) and pass the filter, oldest first (restore, export, recompute).</summary>
    IAsyncEnumerable<AiOperation> ReadAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Every stored operation that ended in [since, until), in no particular order, with only what the in-memory series
    /// and the per-user ledger use: ids, times, kind, provider, models, tokens, cost and pricing, status, error category,
    /// application, function, user, environment, experiment and variant. Error details, metadata, finish reasons, trace,
    /// session and conversation ids are left out. The restore's fast path; the default reads everything.
    /// </summary>
    IAsyncEnumerable<AiOperation> ReadForRestoreAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        ReadAsync(since, until, OperationFilter.Empty, cancellationToken);

    /// <summary>Stored spans that started in [since, until), oldest first (restore of the trace store).</summary>
    IAsyncEnumerable<SpanRecord> ReadSpansAsync(DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>The stored spans of one trace, or an empty list.</summary>
    Task<IReadOnlyList<SpanRecord>> ReadTraceAsync(string traceId, CancellationToken cancellationToken = default);

    /// <summary>Deletes every operation of the user and every trace that mentions the id in any stored string.</summary>
    Task<OperationErasure> EraseSubjectAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Deletes operations and spans that ended before <paramref name="olderThan"/>, archiving them first when an archive folder is set.</summary>
    Task<OperationPurge> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a consistent snapshot of the store into <paramref name="targetDirectory"/> while appends go on (no torn
    /// file; encrypted with the store's key when the store is) and returns the written file's full path.
    /// </summary>
    Task<string> BackupAsync(string targetDirectory, CancellationToken cancellationToken);

    /// <summary>Replaces stored cost figures of the operations in [from, to) with the given re-priced ones (matched by operation id).</summary>
    Task<long> UpdateCostsAsync(IReadOnlyList<AiOperation> repriced, CancellationToken cancellationToken = default);

    /// <summary>What a keyed pseudonym written by <see cref="AnonymiseBeforeAsync"/> starts with (such values are not anonymised again).</summary>
    const string AnonymisedPrefix = "anon:";

    /// <summary>
    /// Delayed anonymisation: user and session ids of operations that started before <paramref name="before"/> become
    /// <paramref name="pseudonym"/>(id) (starting with <see cref="AnonymisedPrefix"/>), or are removed when it is null;
    /// everything else stays, so totals do not change. Returns the operations changed (0 for stores without it).
    /// </summary>
    Task<long> AnonymiseBeforeAsync(DateTimeOffset before, Func<string, string>? pseudonym, CancellationToken cancellationToken = default) =>
        Task.FromResult(0L);
}

/// <summary>An aggregate query over stored operations.</summary>
public sealed record OperationQuery
{
    /// <summary>Start of the range (inclusive, by operation end time).</summary>
    public required DateTimeOffset From { get; init; }

    /// <summary>End of the range (exclusive).</summary>
    public required DateTimeOffset To { get; init; }

    /// <summary>Operations that count (AND of clauses).</summary>
    public OperationFilter Filter { get; init; } = OperationFilter.Empty;

    /// <summary>A field to group by (a <see cref="FilterFields"/> name or <c>metadata.&lt;key&gt;</c>), or "day"; null for one total row.</summary>
    public string? GroupBy { get; init; }

    /// <summary>Bucket width for a time series; null for one row per group over the whole range.</summary>
    public TimeSpan? Step { get; init; }

    /// <summary>
    /// Also count <see cref="OperationAggregateRow.StalePricedRequests"/> (a join of every selected row to the catalog's
    /// price versions: asked only where the figure is shown; otherwise it is 0).
    /// </summary>
    public bool CountStalePriced { get; init; }
}

/// <summary>One group (and bucket) of an aggregate query. Percentiles are exact over the stored durations.</summary>
public sealed record OperationAggregateRow
{
    /// <summary>The group's value (provider + "/" + model is NOT combined: model groups are by <see cref="FilterFields.Model"/> with <see cref="Provider"/> beside it); null for the total row or when the operation had no value.</summary>
    public string? Group { get; init; }

    /// <summary>For model groups: the provider of the group (one row per provider + model).</summary>
    public string? Provider { get; init; }

    /// <summary>Bucket start when the query had a step.</summary>
    public DateTimeOffset? Bucket { get; init; }

    /// <summary>Operations.</summary>
    public long Requests { get; init; }

    /// <summary>Failed operations.</summary>
    public long Errors { get; init; }

    /// <summary>Input tokens (including cached).</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens (including reasoning).</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cached-read input tokens.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Cache-creation input tokens.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Cost of priced (and sender-provided) operations.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Operations on unpriced models.</summary>
    public long UnpricedRequests { get; init; }

    /// <summary>Operations priced with a catalog entry older than the current one (0 unless <see cref="OperationQuery.CountStalePriced"/>).</summary>
    public long StalePricedRequests { get; init; }

    /// <summary>Latency p50 in ms.</summary>
    public double? LatencyP50 { get; init; }

    /// <summary>Latency p95 in ms.</summary>
    public double? LatencyP95 { get; init; }

    /// <summary>Latency p99 in ms.</summary>
    public double? LatencyP99 { get; init; }

    /// <summary>Average latency in ms.</summary>
    public double? LatencyAvg { get; init; }

    /// <summary>Time to first token p50 in ms.</summary>
    public double? TtftP50 { get; init; }

    /// <summary>Time to first token p95 in ms.</summary>
    public double? TtftP95 { get; init; }

    /// <summary>Newest operation end time in the group.</summary>
    public DateTimeOffset? LastSeen { get; init; }
}

/// <summary>State of the operation store.</summary>
public enum OperationStoreState
{
    /// <summary>Opening the file.</summary>
    Starting = 0,

    /// <summary>Appending and answering.</summary>
    Healthy,

    /// <summary>Cannot open or write (locked, disk full): ingestion goes on from memory; it retries on its own.</summary>
    Degraded,

    /// <summary>Switched off by configuration.</summary>
    Disabled,
}

/// <summary>Store counters for health, /healthz and /metrics.</summary>
/// <param name="State">Current state.</param>
/// <param name="Reason">Why it is degraded, else null.</param>
/// <param name="FilePath">The database file.</param>
/// <param name="Appended">Operations committed.</param>
/// <param name="SpansAppended">Spans committed.</param>
/// <param name="Dropped">Operations and spans dropped (queue full, write failure after retries, disabled).</param>
/// <param name="QueueLength">Items waiting for the writer.</param>
/// <param name="LastCommitAt">When the writer last committed.</param>
/// <param name="DiskBytes">Size of the database file(s).</param>
public sealed record OperationStoreStatus(
    OperationStoreState State,
    string? Reason,
    string FilePath,
    long Appended,
    long SpansAppended,
    long Dropped,
    int QueueLength,
    DateTimeOffset? LastCommitAt,
    long DiskBytes);

/// <summary>What an erasure removed from the store.</summary>
/// <param name="Operations">Operations deleted.</param>
/// <param name="Spans">Spans deleted (whole traces that mention the id anywhere).</param>
public sealed record OperationErasure(long Operations, long Spans);

/// <summary>What a purge removed, and where it was archived.</summary>
/// <param name="Operations">Operations deleted.</param>
/// <param name="Spans">Spans deleted.</param>
/// <param name="ArchiveFiles">Parquet files written before deleting, with their SHA-256 (hex), empty when archiving is off.</param>
public sealed record OperationPurge(long Operations, long Spans, IReadOnlyList<ArchiveFile> ArchiveFiles);

/// <summary>One archive file.</summary>
/// <param name="Path">Full path.</param>
/// <param name="Sha256">SHA-256 of the file, lower-case hex.</param>
/// <param name="Rows">Rows in the file.</param>
public sealed record ArchiveFile(string Path, string Sha256, long Rows);
