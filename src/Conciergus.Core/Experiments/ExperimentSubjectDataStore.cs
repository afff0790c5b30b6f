using System.Text.Json.Serialization;

using Conciergus.Core.Audit;

namespace Conciergus.Core.Experiments;

/// <summary>Lets data-subject export and erasure reach experiment assignments and per-user outcomes.</summary>
internal sealed class ExperimentSubjectDataStore(ExperimentService experiments) : ISubjectDataStore
{
    public string Name => "experiments";

    /// <summary>Everything experiments hold about a user: stored assignments and per-experiment tallies; null when nothing.</summary>
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default)
    {
        // Queued first assignments are written first, so the export sees every assignment already answered.
        experiments.Assigner.Drain();
        var assignments = experiments.Store.AssignmentsOf(userId).Select(a => new ExperimentSubjectAssignment(a.Key, a.Variant, a.At)).ToList();
        var outcomes = experiments.Outcomes.All
            .Select(t => (t.Key, Row: t.Value.Export(userId)))
            .Where(t => t.Row is not null)
            .Select(t => new ExperimentSubjectOutcome(t.Key, t.Row!.Variant, t.Row.Operations, t.Row.Events))
            .ToList();
        return ValueTask.FromResult<object?>(assignments.Count == 0 && outcomes.Count == 0 ? null : new ExperimentSubjectExport(assignments, outcomes));
    }

    /// <summary>Erases a user's assignments and tallies (variant sums are anonymous and stay).</summary>
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        // Write what is queued first, so no queued assignment of this user reaches the store after the erasure.
        experiments.Assigner.Drain();
        long changed = experiments.Store.EraseUser(userId);
        experiments.Assigner.Forget(userId);
        foreach (var (_, tally) in experiments.Outcomes.All)
        {
            if (tally.Erase(userId))
            {
                changed++;
            }
        }

        return ValueTask.FromResult(changed);
    }
}

// The exported JSON keeps the field names of the anonymous objects these records replaced: lower-case names are pinned,
// the others follow the serializer's naming policy as before ("variant", "operations", "events" in the web export).

/// <summary>What experiments hold about one data subject (GDPR Art. 15 and 20).</summary>
/// <param name="Assignments">Stored first assignments.</param>
/// <param name="Outcomes">Per-experiment tallies of the user.</param>
internal sealed record ExperimentSubjectExport(
    [property: JsonPropertyName("assignments")] IReadOnlyList<ExperimentSubjectAssignment> Assignments,
    [property: JsonPropertyName("outcomes")] IReadOnlyList<ExperimentSubjectOutcome> Outcomes);

/// <summary>One stored assignment of the subject.</summary>
/// <param name="Experiment">Experiment key.</param>
/// <param name="Variant">Assigned variant.</param>
/// <param name="AssignedAt">When it was first assigned (UTC).</param>
internal sealed record ExperimentSubjectAssignment(
    [property: JsonPropertyName("experiment")] string Experiment,
    [property: JsonPropertyName("variant")] string Variant,
    [property: JsonPropertyName("assignedAt")] DateTime AssignedAt);

/// <summary>The subject's tally row in one experiment.</summary>
/// <param name="Experiment">Experiment key.</param>
/// <param name="Variant">Variant the operations were counted under.</param>
/// <param name="Operations">Operations counted.</param>
/// <param name="Events">Events by name.</param>
internal sealed record ExperimentSubjectOutcome(
    [property: JsonPropertyName("experiment")] string Experiment,
    string Variant,
    long Operations,
    IReadOnlyDictionary<string, EventExport> Events);
