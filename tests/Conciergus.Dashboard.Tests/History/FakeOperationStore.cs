using System.Runtime.CompilerServices;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>An in-memory <see cref="IOperationStore"/> at the edge of the restore tests: what is appended is what is read back.</summary>
internal sealed class FakeOperationStore : IOperationStore
{
    private readonly List<AiOperation> _operations = [];
    private readonly List<SpanRecord> _spans = [];
    private readonly Lock _gate = new();

    public OperationStoreState State { get; set; } = OperationStoreState.Healthy;

    public string? Reason { get; set; }

    /// <summary>When set, ReadAsync throws this after yielding this many operations.</summary>
    public (int After, string Message)? FailRead { get; set; }

    /// <summary>Completed by the test to let ReadAsync go on after its first operation (null: no pause).</summary>
    public TaskCompletionSource? PauseAfterFirst { get; set; }

    /// <summary>Set when ReadAsync is entered (before it takes its snapshot).</summary>
    public TaskCompletionSource ReadEntered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>When set, ReadAsync waits for it before taking its snapshot (a test slips live operations in meanwhile).</summary>
    public TaskCompletionSource? PauseBeforeRead { get; set; }

    /// <summary>Ranges passed to ReadSpansAsync, in call order.</summary>
    public List<(DateTimeOffset Since, DateTimeOffset Until)> SpanReads { get; } = [];

    public OperationStoreStatus Status => new(State, Reason, "memory", _operations.Count, _spans.Count, 0, 0, null, 0);

    public bool TryAppend(AiOperation operation)
    {
        lock (_gate)
        {
            _operations.Add(operation);
        }

        return true;
    }

    public bool TryAppendSpan(SpanRecord span)
    {
        lock (_gate)
        {
            _spans.Add(span);
        }

        return true;
    }

    public void AddRange(IEnumerable<AiOperation> operations)
    {
        foreach (var operation in operations)
        {
            TryAppend(operation);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<IReadOnlyList<OperationAggregateRow>> AggregateAsync(OperationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            var count = _operations.Count(o => o.EndTime >= query.From && o.EndTime < query.To && query.Filter.Matches(o));
            return Task.FromResult<IReadOnlyList<OperationAggregateRow>>([new OperationAggregateRow { Requests = count }]);
        }
    }

    public Task<IReadOnlyList<string>> DistinctValuesAsync(string field, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public async IAsyncEnumerable<AiOperation> ReadAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ReadEntered.TrySetResult();
        if (PauseBeforeRead is { } before)
        {
            await before.Task.WaitAsync(cancellationToken);
        }

        List<AiOperation> snapshot;
        lock (_gate)
        {
            snapshot = [.. _operations.Where(o => o.EndTime >= since && o.EndTime < until && filter.Matches(o)).OrderBy(o => o.EndTime)];
        }

        var yielded = 0;
        foreach (var operation in snapshot)
        {
            if (FailRead is { } fail && yielded == fail.After)
            {
                throw new InvalidOperationException(fail.Message);
            }

            yield return operation;
            yielded++;
            if (yielded == 1 && PauseAfterFirst is { } pause)
            {
                await pause.Task.WaitAsync(cancellationToken);
            }
        }
    }

    public async IAsyncEnumerable<SpanRecord> ReadSpansAsync(DateTimeOffset since, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        List<SpanRecord> snapshot;
        lock (_gate)
        {
            SpanReads.Add((since, until));
            snapshot = [.. _spans.Where(s => s.StartTime >= since && s.StartTime < until).OrderBy(s => s.StartTime)];
        }

        foreach (var span in snapshot)
        {
            yield return span;
        }

        await Task.CompletedTask;
    }

    public Task<IReadOnlyList<SpanRecord>> ReadTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SpanRecord>>([.. _spans.Where(s => s.TraceId == traceId)]);
        }
    }

    public Task<OperationErasure> EraseSubjectAsync(string userId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<OperationPurge> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<long> UpdateCostsAsync(IReadOnlyList<AiOperation> repriced, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<string> BackupAsync(string targetDirectory, CancellationToken cancellationToken) => throw new NotSupportedException();
}
