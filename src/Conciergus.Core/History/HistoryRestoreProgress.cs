namespace Conciergus.Core.History;

/// <summary>Where the history restore stands.</summary>
public enum HistoryRestoreState
{
    /// <summary>Reading the store and rebuilding the rings, the ledger and the traces.</summary>
    Restoring = 0,

    /// <summary>Done (or nothing to restore: see <see cref="HistoryRestoreProgress.Reason"/>).</summary>
    Restored,

    /// <summary>The store failed while being read: what was read is kept, the rest is missing (see the reason).</summary>
    Failed,
}

/// <summary>Progress of the history restore, for the UI, /healthz and /readyz.</summary>
/// <param name="State">Restoring, restored or failed.</param>
/// <param name="Fraction">0..1: operations read over operations stored in the window (by time when the count is unknown).</param>
/// <param name="Operations">Operations read back into the rings so far.</param>
/// <param name="Spans">Spans read back into the trace store so far.</param>
/// <param name="Reason">Why nothing was restored (store disabled, degraded, absent) or why it failed; null otherwise.</param>
/// <param name="StartedAt">The restore's start instant: operations that ended before it come from the store, later ones live.</param>
/// <param name="Since">Start of the window read (the longest ring or ledger reach before <paramref name="StartedAt"/>).</param>
/// <param name="CompletedAt">When it ended, null while restoring.</param>
public sealed record HistoryRestoreProgress(
    HistoryRestoreState State,
    double Fraction,
    long Operations,
    long Spans,
    string? Reason,
    DateTimeOffset? StartedAt,
    DateTimeOffset? Since,
    DateTimeOffset? CompletedAt)
{
    /// <summary>Before the service started.</summary>
    public static HistoryRestoreProgress NotStarted { get; } = new(HistoryRestoreState.Restoring, 0, 0, 0, null, null, null, null);

    /// <summary>Whether restoring is over (restored or failed).</summary>
    public bool IsDone => State != HistoryRestoreState.Restoring;

    /// <summary>Wire name: restoring, restored, failed.</summary>
    public string StateName => State switch
    {
        HistoryRestoreState.Restored => "restored",
        HistoryRestoreState.Failed => "failed",
        _ => "restoring",
    };
}
