using System.Runtime.CompilerServices;

using Conciergus.Core.Refusals;

namespace Conciergus.Core.Experiments;

/// <summary>Events, results and tally flushing: what an experiment has measured.</summary>
public sealed partial class ExperimentService
{
    /// <summary>
    /// Records an event for a user (a feedback score with a value, a conversion without one). The user is assigned
    /// if they were not yet. Returns the assignment; not counted when the user is not in the running experiment.
    /// </summary>
    public ValueTask<ExperimentAssignment> TrackEventAsync(string key, string userId, string name, double? value = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (!ExperimentValidator.IsValidKey(name))
        {
            throw new RefusalException(RefusalKind.Invalid, "Event name must be lower-case letters, digits, '.', '-' or '_' (at most 64).",
                new Dictionary<string, string[]> { ["name"] = ["Event name must be lower-case letters, digits, '.', '-' or '_' (at most 64)."] });
        }

        if (value is { } v && !double.IsFinite(v))
        {
            throw new RefusalException(RefusalKind.Invalid, "Event value must be a finite number.", new Dictionary<string, string[]> { ["value"] = ["Value must be a finite number or omitted."] });
        }

        var experiment = Get(key) ?? throw new RefusalException(RefusalKind.NotFound, $"No experiment '{key}'.");
        if (experiment.State != ExperimentState.Running)
        {
            throw new RefusalException(RefusalKind.Conflict, $"Experiment '{key}' is {Wire(experiment.State)}; events are counted only while it runs.");
        }

        var assignment = Assign(experiment, userId);
        if (assignment is { InExperiment: true, Variant: { } variant })
        {
            _outcomes.AddEvent(key, variant, userId, name, value);
            Changes.Notify();
        }

        return ValueTask.FromResult(assignment);
    }

    /// <summary>Results of an experiment against control.</summary>
    public ExperimentResults GetResults(string key)
    {
        var experiment = Get(key) ?? throw new RefusalException(RefusalKind.NotFound, $"No experiment '{key}'.");
        var notApplicable = experiment.Variants.ToDictionary(
            v => v.Key, v => _notApplicable.TryGetValue((key, v.Key), out var box) ? Interlocked.Read(ref box.Value) : 0, StringComparer.Ordinal);
        return ExperimentAnalyzer.Analyze(experiment, _outcomes.Get(key)?.Snapshot(), _time.GetUtcNow(), notApplicable);
    }

    /// <summary>Counts a call of a user assigned to <paramref name="variant"/> that the experiment could not be applied to.</summary>
    public void CountNotApplicable(string key, string variant)
    {
        if (Get(key)?.Variants.Any(v => v.Key == variant) != true)
        {
            return;
        }

        Interlocked.Increment(ref _notApplicable.GetOrAdd((key, variant), static _ => new StrongBox<long>()).Value);
    }

    /// <summary>Running experiments whose users do not split as the weights say (SRM p &lt; 0.001), for the SRM alert rule.</summary>
    public IReadOnlyList<(string Key, double PValue)> SampleRatioMismatches() =>
        [.. Running.Select(e => (e.Key, Srm: GetResults(e.Key).Srm)).Where(r => r.Srm.Mismatch).Select(r => (r.Key, r.Srm.PValue ?? 0))];

    /// <summary>Users tallied per variant (for the list's live sample counts).</summary>
    public IReadOnlyDictionary<string, long> SampleCounts(string key) =>
        _outcomes.Get(key)?.UserCounts() ?? new Dictionary<string, long>();

    /// <summary>Writes queued sticky assignments and the tallies of every experiment that has data (called periodically and at stop).</summary>
    public void FlushAll()
    {
        _assigner.Drain();
        foreach (var (key, _) in _outcomes.All)
        {
            Flush(key);
        }
    }

    private void Flush(string key)
    {
        if (_outcomes.Get(key) is not { } tally || Get(key) is null)
        {
            return;
        }

        if (tally.CopyChanges() is not var (variants, users))
        {
            return;
        }

        try
        {
            _store.SaveTally(key, variants, users);
        }
        catch
        {
            tally.MarkDirty(users.Keys);
            throw;
        }
    }
}
