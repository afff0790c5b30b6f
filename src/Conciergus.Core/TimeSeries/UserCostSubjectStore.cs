using Conciergus.Core.Audit;

namespace Conciergus.Core.TimeSeries;

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
