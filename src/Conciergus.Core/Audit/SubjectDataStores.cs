using Conciergus.Core.Errors;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Audit;

/// <summary>The per-user cost ledger ("userCosts"): the only per-user data of the time-series feature (the cache's series are per model, application, ... never per user).</summary>
public sealed class UserCostSubjectStore(UserCostLedger ledger) : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "userCosts";

    /// <summary>What <see cref="EraseAsync"/> counts.</summary>
    public string ErasedUnit => "daily cost entries removed";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<object?>(ledger.ExportUser(userId));

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<long>(ledger.EraseUser(userId));
}

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

/// <summary>
/// The audit trail ("audit"): entries whose actor is the user id (an operator who is also an end user). Erasure
/// changes nothing: actors are operator accounts, API keys or "system", and end users appear only as pseudonymous
/// "subject:..." references, so there is no raw end-user id to remove and the chain stays intact.
/// </summary>
public sealed class AuditSubjectStore(AuditLog log) : ISubjectDataStore
{
    /// <inheritdoc />
    public string Name => "audit";

    /// <summary>What <see cref="EraseAsync"/> counts (always 0: the trail holds pseudonyms only).</summary>
    public string ErasedUnit => "entries changed (the trail holds pseudonyms only)";

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<object?>(log.ByActor(userId));

    /// <inheritdoc />
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default) => ValueTask.FromResult(0L);
}
