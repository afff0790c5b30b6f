using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;

using Conciergus.Core.Audit;
using Conciergus.Core.Changes;

using Microsoft.Extensions.Options;
using Conciergus.Core.Refusals;

namespace Conciergus.Core.Experiments;

/// <summary>
/// Experiments: definitions and lifecycle (persisted, audited). Assignment is the <see cref="ExperimentAssigner"/>'s
/// (memory first, written in the background), events, results and tallies are in ExperimentService.Results.cs, and
/// data-subject export and erasure in <see cref="ExperimentSubjectDataStore"/>.
/// Thread-safe; lifecycle changes are serialised by one lock, reads use an immutable snapshot.
/// </summary>
public sealed partial class ExperimentService
{
    private readonly ExperimentStore _store;
    private readonly ExperimentOutcomes _outcomes;
    private readonly TimeProvider _time;
    private readonly IAuditLog? _audit;
    private readonly Compliance.IConsentLookup? _consent;
    private readonly ExperimentOptions _options;
    private readonly Lock _writeGate = new();

    private readonly ExperimentAssigner _assigner;

    // Calls whose experiment could not be applied (ExperimentInterceptor), per experiment and assigned variant. Keys are
    // bounded by the defined variants; counted since start (the figures never include these calls, so nothing to persist).
    private readonly ConcurrentDictionary<(string Key, string Variant), StrongBox<long>> _notApplicable = new();
    private Dictionary<string, Experiment> _experiments;
    private Experiment[] _running;
    private long _version;

    /// <summary>Creates the service and loads persisted experiments and tallies.</summary>
    public ExperimentService(
        Storage.ConciergusDatabase database,
        ExperimentOutcomes outcomes,
        TimeProvider timeProvider,
        IEnumerable<IAuditLog> auditLogs,
        IOptions<ExperimentOptions>? options = null,
        Compliance.IConsentLookup? consent = null)
    {
        _consent = consent;
        ArgumentNullException.ThrowIfNull(auditLogs);
        _store = new ExperimentStore(database);
        _outcomes = outcomes;
        _time = timeProvider;
        _audit = auditLogs.LastOrDefault();
        _options = options?.Value ?? new ExperimentOptions();
        _experiments = _store.LoadAll().ToDictionary(e => e.Key, StringComparer.Ordinal);
        foreach (var experiment in _experiments.Values.Where(e => e.StartedAt is not null))
        {
            _outcomes.Track(experiment.Key, experiment.Variants.Select(v => v.Key));
            if (_outcomes.Get(experiment.Key) is { } tally)
            {
                _store.LoadTally(experiment.Key, tally);
                if (experiment.IsFinal)
                {
                    _outcomes.Freeze(experiment.Key);
                }
            }
        }

        _running = RunningOf(_experiments);

        // Before the first assignment is answered: the stored sticky assignments of running and paused experiments.
        _assigner = new ExperimentAssigner(_store, _time, _options.MaxCachedAssignments, _experiments.Values);
    }

    /// <summary>Sticky assignment (memory first; its writer runs in <see cref="ExperimentPersistenceService"/>).</summary>
    internal ExperimentAssigner Assigner => _assigner;

    /// <summary>The LiteDB collections (for the data-subject store).</summary>
    internal ExperimentStore Store => _store;

    /// <summary>Per-variant and per-user tallies (for the data-subject store).</summary>
    internal ExperimentOutcomes Outcomes => _outcomes;

    /// <summary>Changes on every lifecycle change (pages poll it with <see cref="ExperimentOutcomes.Version"/>).</summary>
    public long Version => Interlocked.Read(ref _version) + _outcomes.Version;

    /// <summary>Notified on every lifecycle change and counted event (sample counts from traffic move with the live publisher).</summary>
    public ChangeFeed Changes { get; } = new();

    /// <summary>Whether an audit log is registered (lifecycle actions are audited when it is).</summary>
    public bool Audited => _audit is not null;

    /// <summary>Running experiments, oldest start first (the interceptor's view).</summary>
    public IReadOnlyList<Experiment> Running => Volatile.Read(ref _running);

    /// <summary>All experiments, newest first.</summary>
    public IReadOnlyList<Experiment> List() =>
        [.. Volatile.Read(ref _experiments).Values.OrderByDescending(e => e.CreatedAt).ThenBy(e => e.Key, StringComparer.Ordinal)];

    /// <summary>One experiment, or null.</summary>
    public Experiment? Get(string key) => Volatile.Read(ref _experiments).GetValueOrDefault(key);

    /// <summary>Creates a draft.</summary>
    public Task<Experiment> CreateAsync(ExperimentDefinition definition, Actor actor, CancellationToken cancellationToken = default) =>
        CreateCoreAsync(definition, version: 1, actor, cancellationToken);

    private async Task<Experiment> CreateCoreAsync(ExperimentDefinition definition, int version, Actor actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(actor);
        ThrowIfInvalid(definition);
        var now = _time.GetUtcNow();
        Experiment created;
        lock (_writeGate)
        {
            if (_experiments.ContainsKey(definition.Key!))
            {
                throw new RefusalException(RefusalKind.Conflict, $"An experiment with key '{definition.Key}' exists; choose another key or update it.");
            }

            created = Apply(new Experiment { Key = definition.Key!, Version = version, CreatedAt = now, CreatedBy = actor.Name }, definition) with
            {
                UpdatedAt = now,
                History = [new ExperimentTransition("create", ExperimentState.Draft, ExperimentState.Draft, actor.Name, now)],
            };
            Commit(created);
        }

        await AuditAsync("experiment.create", created, actor, null, cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>
    /// Updates an experiment. Drafts change freely; running or paused ones only in name, hypothesis, guardrails,
    /// minimum sample size, minimum detectable effect and planned duration (variants, weights, coverage, seed,
    /// hashing, targeting and the primary metric are frozen: create a new version instead); final ones never.
    /// </summary>
    public async Task<Experiment> UpdateAsync(string key, ExperimentDefinition definition, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(actor);
        if (definition.Key is { } bodyKey && bodyKey != key)
        {
            throw new RefusalException(RefusalKind.Invalid, "The key cannot change.", new Dictionary<string, string[]> { ["key"] = [$"Key must be '{key}' (or omitted)."] });
        }

        definition = definition with { Key = key };
        ThrowIfInvalid(definition);
        Experiment updated;
        lock (_writeGate)
        {
            var current = Require(key);
            if (current.IsFinal)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Experiment '{key}' is {Wire(current.State)}; it cannot change. Create a new version instead.");
            }

            var candidate = Apply(current, definition);
            if (current.State != ExperimentState.Draft && FrozenPartChanged(current, candidate))
            {
                throw new RefusalException(RefusalKind.Conflict,
                    $"Experiment '{key}' is {Wire(current.State)}: its variants, weights, coverage, seed, hash version, targeting and primary metric cannot change while it has data. Stop it and create a new version instead.");
            }

            var now = _time.GetUtcNow();
            updated = candidate with
            {
                UpdatedAt = now,
                History = [.. current.History, new ExperimentTransition("update", current.State, current.State, actor.Name, now)],
            };
            Commit(updated);
        }

        await AuditAsync("experiment.update", updated, actor, null, cancellationToken).ConfigureAwait(false);
        return updated;
    }

    /// <summary>Creates a draft copy named "key-vN" (N = version + 1) to change what a running or ended experiment froze.</summary>
    public Task<Experiment> CreateVersionAsync(string key, Actor actor, CancellationToken cancellationToken = default)
    {
        var current = Require(key);
        var baseKey = current.Version > 1 && key.EndsWith(Invariant($"-v{current.Version}"), StringComparison.Ordinal)
            ? key[..^Invariant($"-v{current.Version}").Length]
            : key;
        var nextVersion = current.Version + 1;
        var definition = ExperimentDefinition.From(current) with { Key = Invariant($"{baseKey}-v{nextVersion}"), Seed = current.Seed };
        return CreateCoreAsync(definition, nextVersion, actor, cancellationToken);
    }

    /// <summary>Deletes a draft (anything else is cancelled or stopped instead, to keep its history).</summary>
    public async Task DeleteAsync(string key, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Experiment deleted;
        lock (_writeGate)
        {
            deleted = Require(key);
            if (deleted.State != ExperimentState.Draft)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Experiment '{key}' is {Wire(deleted.State)}; only drafts can be deleted. Cancel or stop it instead.");
            }

            _store.Delete(key);
            var next = new Dictionary<string, Experiment>(_experiments, StringComparer.Ordinal);
            next.Remove(key);
            Publish(next);
        }

        _outcomes.Forget(key);
        await AuditAsync("experiment.delete", deleted, actor, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts a draft or resumes a paused experiment.</summary>
    public Task<Experiment> StartAsync(string key, Actor actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(key, actor, ExperimentState.Running, winner: null, cancellationToken);

    /// <summary>Pauses a running experiment: calls go out unchanged until it is started again.</summary>
    public Task<Experiment> PauseAsync(string key, Actor actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(key, actor, ExperimentState.Paused, winner: null, cancellationToken);

    /// <summary>Completes a running or paused experiment, with a winning variant or none.</summary>
    public Task<Experiment> StopAsync(string key, string? winner, Actor actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(key, actor, ExperimentState.Completed, winner, cancellationToken);

    /// <summary>Cancels a draft, running or paused experiment.</summary>
    public Task<Experiment> CancelAsync(string key, Actor actor, CancellationToken cancellationToken = default) =>
        TransitionAsync(key, actor, ExperimentState.Cancelled, winner: null, cancellationToken);

    private async Task<Experiment> TransitionAsync(string key, Actor actor, ExperimentState to, string? winner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(actor);
        Experiment next;
        string action;
        lock (_writeGate)
        {
            var current = Require(key);
            action = (current.State, to) switch
            {
                (ExperimentState.Draft, ExperimentState.Running) => "start",
                (ExperimentState.Paused, ExperimentState.Running) => "resume",
                (ExperimentState.Running, ExperimentState.Paused) => "pause",
                (ExperimentState.Running or ExperimentState.Paused, ExperimentState.Completed) => "stop",
                (ExperimentState.Draft or ExperimentState.Running or ExperimentState.Paused, ExperimentState.Cancelled) => "cancel",
                _ => throw new RefusalException(RefusalKind.Conflict, TransitionRefusal(current, to)),
            };

            if (winner is not null && current.Variants.All(v => v.Key != winner))
            {
                throw new RefusalException(RefusalKind.Invalid, $"Winner '{winner}' is not a variant of '{key}'.",
                    new Dictionary<string, string[]> { ["winner"] = [$"Winner must be one of: {string.Join(", ", current.Variants.Select(v => v.Key))}, or null."] });
            }

            var now = _time.GetUtcNow();
            next = current with
            {
                State = to,
                Winner = to == ExperimentState.Completed ? winner : current.Winner,
                StartedAt = current.StartedAt ?? (to == ExperimentState.Running ? now : null),
                EndedAt = to is ExperimentState.Completed or ExperimentState.Cancelled ? now : null,
                UpdatedAt = now,
                History = [.. current.History, new ExperimentTransition(action, current.State, to, actor.Name, now)],
            };

            if (to == ExperimentState.Running)
            {
                _outcomes.Track(key, next.Variants.Select(v => v.Key));
            }

            Commit(next);
        }

        if (next.IsFinal)
        {
            // Operations still in flight when it ended must not move the final results.
            _outcomes.Freeze(key);
            Flush(key);
        }

        await AuditAsync("experiment." + action, next, actor, winner is null ? null : new Dictionary<string, string> { ["winner"] = winner }, cancellationToken).ConfigureAwait(false);
        return next;
    }

    /// <summary>
    /// Where a user lands in a running experiment: their stored first assignment, else the hash (stored for next
    /// time). Not running, unknown user id or outside coverage: not in the experiment.
    /// </summary>
    public ExperimentAssignment Assign(string key, string? userId)
    {
        var experiment = Get(key) ?? throw new RefusalException(RefusalKind.NotFound, $"No experiment '{key}'.");
        return Assign(experiment, userId);
    }

    /// <summary>
    /// Where a user would land, without storing anything: their stored assignment if they have one, else the hash.
    /// A lookup (GET) never creates an assignment; <see cref="Assign(string, string?)"/> does.
    /// </summary>
    public ExperimentAssignment Lookup(string key, string? userId)
    {
        var experiment = Get(key) ?? throw new RefusalException(RefusalKind.NotFound, $"No experiment '{key}'.");
        return Assign(experiment, userId, persist: false);
    }

    internal ExperimentAssignment Assign(Experiment experiment, string? userId, bool persist = true)
    {
        if (string.IsNullOrEmpty(userId))
        {
            return new ExperimentAssignment(false, null, null);
        }

        // Without experimentation consent the user is served control (the unchanged request) and never counted:
        // not in the experiment, so the interceptor does not tag the call and events are not tallied.
        if (_consent is not null && !_consent.Allows(userId, Compliance.ConsentPurposes.Experimentation))
        {
            return new ExperimentAssignment(false, null, null);
        }

        var computed = ExperimentHashing.Assign(experiment, userId);
        if (experiment.State != ExperimentState.Running || !computed.InExperiment)
        {
            return experiment.State == ExperimentState.Running ? computed : computed with { InExperiment = false, Variant = null };
        }

        // Sticky: the first assignment wins for as long as the experiment runs (variants cannot change while it
        // does, so this only matters for users assigned before a restart with a different build's hashing).
        // Memory only: the assigner writes first assignments to LiteDB in the background.
        return computed with { Variant = _assigner.Resolve(experiment, userId, computed.Variant!, persist) };
    }

    private Experiment Require(string key) =>
        Volatile.Read(ref _experiments).GetValueOrDefault(key) ?? throw new RefusalException(RefusalKind.NotFound, $"No experiment '{key}'.");

    private void Commit(Experiment experiment)
    {
        // Called under _writeGate: persist first, then publish a new immutable map for lock-free readers.
        _store.Save(experiment);
        var next = new Dictionary<string, Experiment>(_experiments, StringComparer.Ordinal) { [experiment.Key] = experiment };
        Publish(next);
    }

    private void Publish(Dictionary<string, Experiment> next)
    {
        Volatile.Write(ref _experiments, next);
        Volatile.Write(ref _running, RunningOf(next));
        Interlocked.Increment(ref _version);
        Changes.Notify();
    }

    private static Experiment[] RunningOf(Dictionary<string, Experiment> experiments) =>
        [.. experiments.Values.Where(e => e.State == ExperimentState.Running).OrderBy(e => e.StartedAt).ThenBy(e => e.Key, StringComparer.Ordinal)];

    private static void ThrowIfInvalid(ExperimentDefinition definition)
    {
        var errors = ExperimentValidator.Validate(definition);
        if (errors.Count > 0)
        {
            throw new RefusalException(RefusalKind.Invalid, "The experiment is not valid: " + string.Join(" ", errors.Values.SelectMany(m => m)), errors);
        }
    }

    private static Experiment Apply(Experiment e, ExperimentDefinition d)
    {
        var variants = (d.Variants ?? e.Variants).Select(v => v with { Overrides = v.Overrides ?? new VariantOverrides() }).ToList();
        if (variants.Count > 0 && variants.All(v => v.Weight == 0))
        {
            variants = [.. variants.Select(v => v with { Weight = 1.0 / variants.Count })];
        }

        return e with
        {
            Name = string.IsNullOrWhiteSpace(d.Name) ? (string.IsNullOrEmpty(e.Name) ? e.Key : e.Name) : d.Name.Trim(),
            Hypothesis = d.Hypothesis ?? e.Hypothesis,
            Type = d.Type ?? e.Type,
            HashVersion = d.HashVersion ?? e.HashVersion,
            Seed = string.IsNullOrEmpty(d.Seed) ? null : d.Seed,
            Coverage = d.Coverage ?? e.Coverage,
            Variants = variants,
            Targeting = d.Targeting ?? e.Targeting,
            PrimaryMetric = d.PrimaryMetric ?? e.PrimaryMetric,
            GuardrailMetrics = d.GuardrailMetrics ?? e.GuardrailMetrics,
            MinimumSampleSize = d.MinimumSampleSize ?? e.MinimumSampleSize,
            SignificanceLevel = d.SignificanceLevel ?? e.SignificanceLevel,
            MinimumDetectableEffect = d.MinimumDetectableEffect ?? e.MinimumDetectableEffect,
            Sequential = d.Sequential ?? e.Sequential,
            PlannedDuration = d.PlannedDurationDays is { } days ? TimeSpan.FromDays(days) : e.PlannedDuration,
        };
    }

    private static bool FrozenPartChanged(Experiment a, Experiment b) =>
        !a.Variants.SequenceEqual(b.Variants, VariantComparer.Instance)
        || a.Coverage != b.Coverage || a.Seed != b.Seed || a.HashVersion != b.HashVersion || a.PrimaryMetric != b.PrimaryMetric
        || !a.Targeting.Applications.SequenceEqual(b.Targeting.Applications)
        || !a.Targeting.Environments.SequenceEqual(b.Targeting.Environments)
        || !a.Targeting.Attributes.OrderBy(x => x.Key, StringComparer.Ordinal).SequenceEqual(b.Targeting.Attributes.OrderBy(x => x.Key, StringComparer.Ordinal));

    private static string TransitionRefusal(Experiment current, ExperimentState to) => (current.State, to) switch
    {
        (_, ExperimentState.Running) when current.State == ExperimentState.Running => $"Experiment '{current.Key}' is already running.",
        (ExperimentState.Draft, ExperimentState.Paused) => $"Experiment '{current.Key}' is a draft; start it before pausing.",
        (ExperimentState.Draft, ExperimentState.Completed) => $"Experiment '{current.Key}' never ran; cancel or delete it instead of stopping.",
        (ExperimentState.Paused, ExperimentState.Paused) => $"Experiment '{current.Key}' is already paused.",
        _ => $"Experiment '{current.Key}' is {Wire(current.State)}; it cannot be {Wire(to)} (draft -> running -> paused -> running -> completed or cancelled).",
    };

    /// <summary>Wire name of a state (lower case).</summary>
    public static string Wire(ExperimentState state) => state.ToString().ToLowerInvariant();

    private async Task AuditAsync(string action, Experiment experiment, Actor actor, Dictionary<string, string>? details, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            return;
        }

        details ??= [];
        details["state"] = Wire(experiment.State);
        details["version"] = experiment.Version.ToString(CultureInfo.InvariantCulture);
        await _audit.AppendAsync(
            new AuditEvent { Actor = actor.Name, Role = actor.Role, Action = action, Target = experiment.Key, Details = details, SourceIp = actor.SourceIp },
            cancellationToken).ConfigureAwait(false);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private sealed class VariantComparer : IEqualityComparer<ExperimentVariantDefinition>
    {
        public static readonly VariantComparer Instance = new();

        public bool Equals(ExperimentVariantDefinition? x, ExperimentVariantDefinition? y) =>
            x is not null && y is not null && x.Key == y.Key && x.Weight == y.Weight && OverridesEqual(x.Overrides, y.Overrides);

        public int GetHashCode(ExperimentVariantDefinition obj) => obj.Key.GetHashCode(StringComparison.Ordinal);

        private static bool OverridesEqual(VariantOverrides a, VariantOverrides b) =>
            a.ModelId == b.ModelId && a.Provider == b.Provider && a.SystemPrompt == b.SystemPrompt && a.PromptTemplate == b.PromptTemplate
            && a.Temperature == b.Temperature && a.MaxTokens == b.MaxTokens
            && DictEqual(a.Variables, b.Variables) && DictEqual(a.Options, b.Options);

        private static bool DictEqual(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
            (a is null || a.Count == 0) ? (b is null || b.Count == 0)
            : b is not null && a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && v == kv.Value);
    }
}
