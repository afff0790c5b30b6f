using Conciergus.Core.Audit;
using Conciergus.Core.Model;

namespace Conciergus.Core.Operations;

/// <summary>
/// The operation store's part of data-subject requests ("operationStore"): export lists the user's stored operations
/// (at most <see cref="MaxExported"/>), erasure deletes them and every stored trace that mentions the id, then
/// compacts the file so its bytes no longer contain the id.
/// </summary>
public sealed class OperationSubjectStore(IOperationStore store) : ISubjectDataStore
{
    /// <summary>Most operations one export lists.</summary>
    public const int MaxExported = 100_000;

    /// <inheritdoc />
    public string Name => "operationStore";

    /// <inheritdoc />
    public async ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (store.Status.State != OperationStoreState.Healthy)
        {
            return new { unavailable = store.Status.Reason ?? store.Status.State.ToString() };
        }

        var filter = new OperationFilter([new FilterClause(FilterFields.User, [userId])]);
        var operations = new List<AiOperation>();
        await foreach (var operation in store.ReadAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddDays(-1), filter, cancellationToken).ConfigureAwait(false))
        {
            operations.Add(operation);
            if (operations.Count >= MaxExported)
            {
                break;
            }
        }

        return operations;
    }

    /// <inheritdoc />
    public async ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (store.Status.State == OperationStoreState.Disabled)
        {
            return 0;
        }

        // Queued operations of the user must be on disk before the delete, or they would be written after it.
        await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        var erased = await store.EraseSubjectAsync(userId, cancellationToken).ConfigureAwait(false);
        return erased.Operations + erased.Spans;
    }
}
