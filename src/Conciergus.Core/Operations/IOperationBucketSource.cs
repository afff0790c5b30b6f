using Conciergus.Core.Model;

namespace Conciergus.Core.Operations;

/// <summary>
/// A store that aggregates in place for the history restore (the restore's fast path): per ring resolution, one
/// GROUP BY over bucket and series instead of reading every operation. <see cref="DuckDbOperationStore"/> is one; a store
/// that is not is restored operation by operation through <see cref="IOperationStore.ReadForRestoreAsync"/>.
/// </summary>
/// <remarks>
/// Every read takes the operations that ended in [Since, Until) except those whose id is in
/// <see cref="RestoreBucketQuery.ExcludedOperationIds"/> (late live operations the caller already recorded). Times and
/// series follow the in-memory cache's own rules (see <c>Core/TimeSeries/README.md</c>): a bucket is the completion time
/// (start + duration; a negative, NaN or infinite duration counts as 0 or is clamped) divided by the step, clamped to
/// <see cref="RestoreBucketQuery.ClampTo"/>; latencies are normalized as the sketch normalizes them.
/// </remarks>
public interface IOperationBucketSource
{
    /// <summary>Totals per bucket and series group (one row per group, bucket and value).</summary>
    IAsyncEnumerable<StoredBucketRow> ReadRestoreBucketsAsync(RestoreBucketQuery query, CancellationToken cancellationToken = default);

    /// <summary>Latency (or time-to-first-token) sketch bucket counts per bucket, series group and value.</summary>
    IAsyncEnumerable<StoredSketchRow> ReadRestoreSketchAsync(RestoreBucketQuery query, bool timeToFirstToken, CancellationToken cancellationToken = default);

    /// <summary>Cost, requests and tokens per user and UTC day of completion (the per-user ledger).</summary>
    IAsyncEnumerable<StoredUserDayRow> ReadRestoreUserDaysAsync(RestoreBucketQuery query, CancellationToken cancellationToken = default);

    /// <summary>The newest stored operations (all columns) that pass the filter, oldest of them first.</summary>
    Task<IReadOnlyList<AiOperation>> ReadNewestAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, int limit, CancellationToken cancellationToken = default);

    /// <summary>How many of the given operation ids are stored with a completion time in [since, until).</summary>
    Task<long> CountStoredAsync(DateTimeOffset since, DateTimeOffset until, IReadOnlyCollection<string> operationIds, CancellationToken cancellationToken = default);
}

/// <summary>One bulk restore read: a time range, a bucket width and the ids to leave out.</summary>
public sealed record RestoreBucketQuery
{
    /// <summary>Operations that ended at or after this (by the stored end time).</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>Operations that ended before this.</summary>
    public required DateTimeOffset Until { get; init; }

    /// <summary>Bucket width (a ring's step); unused by the ledger read.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Completion times after this count as this (the cache clamps a future time to its now).</summary>
    public required DateTimeOffset ClampTo { get; init; }

    /// <summary>Sketch bucket of a value v &gt;= 0.001: ceil(ln(v) times this).</summary>
    public double SketchScale { get; init; }

    /// <summary>Operation ids to leave out.</summary>
    public IReadOnlyCollection<string> ExcludedOperationIds { get; init; } = [];

    /// <summary>
    /// The earliest completion time of the excluded operations (a store that pre-aggregates reads every hour from this
    /// one's on from raw rows, where it can leave them out); null with excluded ids means "any time".
    /// </summary>
    public DateTimeOffset? ExcludedEarliestEnd { get; init; }
}

/// <summary>The series groups a bulk restore read returns (the cache's dimensions; Total and Provider are sums of these).</summary>
public enum StoredSeriesGroup
{
    /// <summary>Per provider (Value) and model (Value2).</summary>
    Model = 0,

    /// <summary>Per operation kind.</summary>
    Operation = 1,

    /// <summary>Per application; every operation has one, so these rows also add up to the total.</summary>
    Application = 2,

    /// <summary>Per error category (failed operations only; "unknown" when none was given).</summary>
    ErrorCategory = 3,

    /// <summary>Per environment (when set).</summary>
    Environment = 4,

    /// <summary>Per function id (when set).</summary>
    Function = 5,

    /// <summary>Per experiment key (Value) and variant (Value2, "" when none).</summary>
    ExperimentVariant = 6,
}

/// <summary>Totals of one bucket of one series group value.</summary>
public sealed record StoredBucketRow
{
    /// <summary>The series group.</summary>
    public required StoredSeriesGroup Group { get; init; }

    /// <summary>The value (provider for models, experiment key for variants).</summary>
    public required string Value { get; init; }

    /// <summary>The model or the variant; null for other groups.</summary>
    public string? Value2 { get; init; }

    /// <summary>Bucket index: start ticks (since 0001-01-01 UTC) divided by the step.</summary>
    public required long Epoch { get; init; }

    /// <summary>Operations.</summary>
    public long Requests { get; init; }

    /// <summary>Failed operations.</summary>
    public long Errors { get; init; }

    /// <summary>Input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Cached input tokens.</summary>
    public long CachedInputTokens { get; init; }

    /// <summary>Cache-creation input tokens.</summary>
    public long CacheCreationInputTokens { get; init; }

    /// <summary>Reasoning tokens.</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>Unpriced operations.</summary>
    public long UnpricedRequests { get; init; }

    /// <summary>Cost of priced and provider-priced operations with a cost.</summary>
    public decimal CostUsd { get; init; }

    /// <summary>Latest completion time in ticks.</summary>
    public long LastSeenTicks { get; init; }

    /// <summary>Sum of normalized latencies.</summary>
    public double LatencySum { get; init; }

    /// <summary>Smallest normalized latency.</summary>
    public double LatencyMin { get; init; }

    /// <summary>Largest normalized latency.</summary>
    public double LatencyMax { get; init; }

    /// <summary>Operations with a time to first token.</summary>
    public long TimeToFirstTokenCount { get; init; }

    /// <summary>Sum of normalized times to first token.</summary>
    public double TimeToFirstTokenSum { get; init; }

    /// <summary>Smallest normalized time to first token.</summary>
    public double TimeToFirstTokenMin { get; init; }

    /// <summary>Largest normalized time to first token.</summary>
    public double TimeToFirstTokenMax { get; init; }
}

/// <summary>Values of one bucket of one series group value that fall in one sketch bucket (null: the zero bucket).</summary>
public readonly record struct StoredSketchRow(StoredSeriesGroup Group, string Value, string? Value2, long Epoch, int? SketchBucket, long Count);

/// <summary>What one user spent on one UTC day.</summary>
public readonly record struct StoredUserDayRow(string UserId, DateOnly Day, decimal CostUsd, long Requests, long InputTokens, long OutputTokens);
