namespace Conciergus.Core.Alerts;

/// <summary>
/// When the data the evaluator reads is complete (implemented by the history restore). The evaluator does not evaluate
/// before <see cref="WhenReadyAsync"/> completes, and a rule whose window reaches back before <see cref="DataCompleteSince"/>
/// treats the missing part as no data, never as "condition cleared" (see README.md, "Restarts").
/// </summary>
public interface IAlertDataReadiness
{
    /// <summary>Completes when history has been restored (or restoring ended: failed, store disabled).</summary>
    Task WhenReadyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The instant from which the cache holds every operation this process will ever hold (the restore's start: before
    /// it lies at least the time the process was down); null while unknown (nothing is held back then).
    /// </summary>
    DateTimeOffset? DataCompleteSince { get; }
}
