using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>The "operationStore" part of /healthz.</summary>
public static class OperationStoreHealth
{
    /// <summary>State (lower case), reason, file and counters of the store.</summary>
    public static object From(OperationStoreStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        return new
        {
            status = status.State.ToString().ToLowerInvariant(),
            reason = status.Reason,
            file = status.FilePath,
            appended = status.Appended,
            spansAppended = status.SpansAppended,
            dropped = status.Dropped,
            queueLength = status.QueueLength,
            lastCommitAt = status.LastCommitAt,
            diskBytes = status.DiskBytes,
        };
    }
}
