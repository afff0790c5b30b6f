using Conciergus.Core.Audit;

namespace Conciergus.Core.Errors;

/// <summary>The recent-errors ring ("recentErrors"): failed operations that mention the user anywhere (<see cref="SubjectMatch"/>); erasure drops them.</summary>
public sealed class RecentErrorsSubjectStore(RecentErrors errors) : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "recentErrors";

    /// <summary>What <see cref="EraseAsync"/> counts.</summary>
    public string ErasedUnit => "error samples dropped";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<object?>(errors.Matching(op => SubjectMatch.Mentions(op, userId)));

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<long>(errors.Remove(op => SubjectMatch.Mentions(op, userId)));
}
