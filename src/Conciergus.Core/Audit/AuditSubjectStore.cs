namespace Conciergus.Core.Audit;

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
