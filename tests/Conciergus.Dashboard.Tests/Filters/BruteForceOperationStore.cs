using System.Runtime.CompilerServices;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>
/// An <see cref="IOperationStore"/> that keeps operations in a list and answers every query by brute force with
/// <see cref="OperationFilter.Matches"/> (the reference semantics): the stand-in for the DuckDB store in slice tests.
/// </summary>
internal sealed class BruteForceOperationStore : IOperationStore
{
    private readonly List<AiOperation> _operations = [];
    private readonly Lock _gate = new();

    public OperationStoreState State { get; set; } = OperationStoreState.Healthy;

    public string? Reason { get; set; }

    /// <summary>Aggregate queries answered (tests check which path served a slice).</summary>
    public int Queries { get; private set; }

    public OperationStoreStatus Status => new(State, Reason, "memory", _operations.Count, 0, 0, 0, null, 0);

    public bool TryAppend(AiOperation operation)
    {
        lock (_gate)
        {
            _operations.Add(operation);
        }

        return true;
    }

    public bool TryAppendSpan(SpanRecord span) => true;

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyList<OperationAggregateRow>> AggregateAsync(OperationQuery query, CancellationToken cancellationToken = default)
    {
        List<AiOperation> matching;
        lock (_gate)
        {
            Queries++;
            matching = _operations.Where(o => o.EndTime >= query.From && o.EndTime < query.To && query.Filter.Matches(o)).ToList();
        }

        var step = query.Step;
        var rows = matching
            .GroupBy(o => (
                Group: query.GroupBy is null ? null : FilterFields.ValueOf(o, query.GroupBy),
                Provider: query.GroupBy == FilterFields.Model ? o.Provider : null,
                Bucket: step is { } s ? new DateTimeOffset(o.EndTime.UtcTicks / s.Ticks * s.Ticks, TimeSpan.Zero) : (DateTimeOffset?)null))
            .Select(g => Row(g.ToList()) with { Group = g.Key.Group, Provider = g.Key.Provider, Bucket = g.Key.Bucket })
            .ToList();
        if (rows.Count == 0 && query.GroupBy is null && step is null)
        {
            rows.Add(new OperationAggregateRow());
        }

        return Task.FromResult<IReadOnlyList<OperationAggregateRow>>(rows);
    }

    public Task<IReadOnlyList<string>> DistinctValuesAsync(string field, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> values = _operations
                .Where(o => o.EndTime >= since && o.EndTime < until)
                .Select(o => FilterFields.ValueOf(o, field))
                .OfType<string>()
                .GroupBy(v => v, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(limit)
                .Select(g => g.Key)
                .ToList();
            return Task.FromResult(values);
        }
    }

    public async IAsyncEnumerable<AiOperation> ReadAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<AiOperation> copy;
        lock (_gate)
        {
            copy = _operations.Where(o => o.EndTime >= since && o.EndTime < until && filter.Matches(o)).OrderBy(o => o.EndTime).ToList();
        }

        foreach (var operation in copy)
        {
            await Task.Yield();
            yield return operation;
        }
    }

    public async IAsyncEnumerable<SpanRecord> ReadSpansAsync(DateTimeOffset since, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<IReadOnlyList<SpanRecord>> ReadTraceAsync(string traceId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<SpanRecord>>([]);

    public Task<OperationErasure> EraseSubjectAsync(string userId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<OperationPurge> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<long> UpdateCostsAsync(IReadOnlyList<AiOperation> repriced, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<string> BackupAsync(string targetDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();

    /// <summary>The exact figures of a set of operations: the reference every path is compared with.</summary>
    public static OperationAggregateRow Row(IReadOnlyList<AiOperation> ops)
    {
        var durations = ops.Select(o => o.DurationMs).Order().ToArray();
        var ttfts = ops.Where(o => o.TimeToFirstTokenMs is not null).Select(o => o.TimeToFirstTokenMs!.Value).Order().ToArray();
        return new OperationAggregateRow
        {
            Requests = ops.Count,
            Errors = ops.Count(o => o.Status == AiOperationStatus.Error),
            InputTokens = ops.Sum(o => o.InputTokens),
            OutputTokens = ops.Sum(o => o.OutputTokens),
            CachedInputTokens = ops.Sum(o => o.CachedInputTokens),
            CacheCreationInputTokens = ops.Sum(o => o.CacheCreationInputTokens),
            ReasoningTokens = ops.Sum(o => o.ReasoningTokens),
            CostUsd = ops.Where(o => o.Pricing is PricingStatus.Priced or PricingStatus.Provided).Sum(o => o.CostUsd ?? 0m),
            UnpricedRequests = ops.Count(o => o.Pricing == PricingStatus.Unpriced),
            LatencyP50 = Lower(durations, 0.50),
            LatencyP95 = Lower(durations, 0.95),
            LatencyP99 = Lower(durations, 0.99),
            LatencyAvg = durations.Length == 0 ? null : durations.Average(),
            TtftP50 = Lower(ttfts, 0.50),
            TtftP95 = Lower(ttfts, 0.95),
            LastSeen = ops.Count == 0 ? null : ops.Max(o => o.EndTime),
        };
    }

    /// <summary>numpy percentile method="lower": the sample at rank floor(q (n - 1)).</summary>
    public static double? Lower(double[] sorted, double q) => sorted.Length == 0 ? null : sorted[(int)Math.Floor(q * (sorted.Length - 1))];
}
