using Conciergus.Core.Audit;

namespace Conciergus.Core.Compliance;

/// <summary>
/// Decision records in data-subject requests ("decisions"): export lists the user's records; erasure deletes the
/// pseudonym mapping, so the records (and the chain) stay but nobody can link them to the user any more.
/// </summary>
public sealed class DecisionSubjectStore(DecisionLog log, DecisionSubjects subjects) : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "decisions";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<object?>(subjects.Find(userId) is { } reference ? log.ForSubject(reference) : null);

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        var reference = subjects.Erase(userId);
        return ValueTask.FromResult(reference is null ? 0L : log.ForSubject(reference).Count);
    }
}
