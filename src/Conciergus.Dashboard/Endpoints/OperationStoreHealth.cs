using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>The "operationStore" part of /healthz.</summary>
public static class OperationStoreHealth
{
    /// <summary>State (lower case), reason, file and counters of the store; the file and the reason only for signed-in callers.</summary>
    public static object From(OperationStoreStatus status, bool signedIn = true)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new
        {
            status = status.State.ToString().ToLowerInvariant(),
            reason = signedIn || status.Reason is null ? status.Reason : "see /health when signed in",
            file = signedIn ? status.FilePath : null,
            appended = status.Appended,
            spansAppended = status.SpansAppended,
            dropped = status.Dropped,
            queueLength = status.QueueLength,
            lastCommitAt = status.LastCommitAt,
            diskBytes = status.DiskBytes,
        };
    }
}
