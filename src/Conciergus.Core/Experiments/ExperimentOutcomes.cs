using System.Collections.Concurrent;

using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Experiments;

/// <summary>
/// Collects per-variant outcomes of operations tagged with an experiment (an <see cref="IAiOperationSink"/>) and
/// per-user event tallies. Memory is bounded: at most <see cref="ExperimentOptions.MaxUsersPerExperiment"/> users
/// per experiment are tallied; operations and events of further users are counted as dropped.
/// </summary>
public sealed class ExperimentOutcomes : IAiOperationSink
{
    private readonly ConcurrentDictionary<string, ExperimentTally> _tallies = new(StringComparer.Ordinal);
    private readonly int _maxUsers;
    private long _version;

    /// <summary>Creates the tally store.</summary>
    public ExperimentOutcomes(int maxUsersPerExperiment = 100_000) => _maxUsers = maxUsersPerExperiment;

    /// <summary>Changes whenever an outcome was added (live pages poll it).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Starts (or keeps) tallying an experiment's outcomes for these variant keys.</summary>
    public void Track(string experimentKey, IEnumerable<string> variantKeys) =>
        _tallies.GetOrAdd(experimentKey, _ => new ExperimentTally(_maxUsers)).EnsureVariants(variantKeys);

    /// <summary>Stops counting an experiment's outcomes (it ended); what was counted stays.</summary>
    public void Freeze(string experimentKey) => _tallies.GetValueOrDefault(experimentKey)?.Freeze();

    /// <summary>Forgets an experiment's outcomes (deleted drafts).</summary>
    public void Forget(string experimentKey) => _tallies.TryRemove(experimentKey, out _);

    /// <summary>The tally of one experiment, or null when it is not tracked.</summary>
    internal ExperimentTally? Get(string experimentKey) => _tallies.GetValueOrDefault(experimentKey);

    /// <summary>All tallies (for persistence and erasure).</summary>
    internal IEnumerable<KeyValuePair<string, ExperimentTally>> All => _tallies;

    /// <inheritdoc />
    public void Accept(AiOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.ExperimentKey is not { } key || operation.ExperimentVariant is not { } variant
            || !_tallies.TryGetValue(key, out var tally))
        {
            return;
        }

        if (tally.AddOperation(variant, operation))
        {
            Interlocked.Increment(ref _version);
        }
    }

    /// <summary>Adds an event for a user already placed in <paramref name="variant"/>.</summary>
    public bool AddEvent(string experimentKey, string variant, string userId, string name, double? value)
    {
        if (!_tallies.TryGetValue(experimentKey, out var tally) || !tally.AddEvent(variant, userId, name, value))
        {
            return false;
        }

        Interlocked.Increment(ref _version);
        return true;
    }
}

/// <summary>Running sums of one sample (count, sum, sum of squares).</summary>
internal sealed class Moments
{
    public long Count { get; set; }

    public double Sum { get; set; }

    public double SumOfSquares { get; set; }

    public void Add(double x)
    {
        Count++;
        Sum += x;
        SumOfSquares += x * x;
    }

    public SampleSummary Summary => SampleSummary.FromSums(Count, Sum, SumOfSquares);
}

/// <summary>Operation outcomes of one variant.</summary>
internal sealed class VariantTally
{
    public long Operations { get; set; }

    public long Successes { get; set; }

    public Moments Latency { get; set; } = new();

    public Moments TimeToFirstToken { get; set; } = new();

    public Moments Cost { get; set; } = new();

    public Moments Tokens { get; set; } = new();

    public LatencySketch LatencySketch { get; } = new();
}

/// <summary>What one user did in an experiment: their variant, operations and events.</summary>
internal sealed class UserTally
{
    public required string Variant { get; init; }

    public long Operations { get; set; }

    /// <summary>Per event name: how many times posted and the values (count and sum of those with a value).</summary>
    public Dictionary<string, (long Times, long Valued, double Sum)> Events { get; } = new(StringComparer.Ordinal);
}

/// <summary>One experiment's tallies; every member is guarded by <see cref="_gate"/>.</summary>
internal sealed class ExperimentTally(int maxUsers)
{
    // One short lock per experiment: the work under it is a few additions, and experiments do not contend with each other.
    private readonly Lock _gate = new();
    private readonly Dictionary<string, VariantTally> _variants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UserTally> _users = new(StringComparer.Ordinal);
    private long _dropped;
    private bool _frozen;

    // What changed since the last persistence copy, so a flush writes only that.
    private readonly HashSet<string> _dirtyUsers = new(StringComparer.Ordinal);
    private bool _dirtyVariants;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Freeze()
    {
        lock (_gate)
        {
            _frozen = true;
        }
    }

    public void EnsureVariants(IEnumerable<string> keys)
    {
        lock (_gate)
        {
            foreach (var key in keys)
            {
                _variants.TryAdd(key, new VariantTally());
            }
        }
    }

    public bool AddOperation(string variant, AiOperation operation)
    {
        lock (_gate)
        {
            if (_frozen || !_variants.TryGetValue(variant, out var tally))
            {
                return false;
            }

            if (operation.UserId is { Length: > 0 } userId)
            {
                var user = UserLocked(userId, variant);
                if (user is null)
                {
                    Interlocked.Increment(ref _dropped);
                    return false;
                }

                user.Operations++;
                _dirtyUsers.Add(userId);
            }

            _dirtyVariants = true;
            tally.Operations++;
            if (operation.Status == AiOperationStatus.Ok)
            {
                tally.Successes++;
            }

            tally.Latency.Add(operation.DurationMs);
            tally.LatencySketch.Add(operation.DurationMs);
            if (operation.TimeToFirstTokenMs is { } ttft)
            {
                tally.TimeToFirstToken.Add(ttft);
            }

            if (operation.CostUsd is { } cost)
            {
                tally.Cost.Add((double)cost);
            }

            tally.Tokens.Add(operation.InputTokens + operation.OutputTokens);
            return true;
        }
    }

    public bool AddEvent(string variant, string userId, string name, double? value)
    {
        lock (_gate)
        {
            if (_frozen || !_variants.ContainsKey(variant) || UserLocked(userId, variant) is not { } user)
            {
                Interlocked.Increment(ref _dropped);
                return false;
            }

            _dirtyUsers.Add(userId);
            var (times, valued, sum) = user.Events.GetValueOrDefault(name);
            user.Events[name] = value is { } v ? (times + 1, valued + 1, sum + v) : (times + 1, valued, sum);
            return true;
        }
    }

    private UserTally? UserLocked(string userId, string variant)
    {
        if (_users.TryGetValue(userId, out var user))
        {
            // A user keeps the variant they were first tallied in; a conflicting tag (a different app's
            // hashing) is not allowed to move them between arms.
            return user.Variant == variant ? user : null;
        }

        if (_users.Count >= maxUsers)
        {
            return null;
        }

        user = new UserTally { Variant = variant };
        _users.Add(userId, user);
        return user;
    }

    /// <summary>Users per variant, without copying the rows (the list page asks every second).</summary>
    public Dictionary<string, long> UserCounts()
    {
        lock (_gate)
        {
            var counts = _variants.Keys.ToDictionary(k => k, _ => 0L, StringComparer.Ordinal);
            foreach (var user in _users.Values)
            {
                counts[user.Variant] = counts.GetValueOrDefault(user.Variant) + 1;
            }

            return counts;
        }
    }

    /// <summary>A consistent copy for the statistics (taken under the lock, computed outside it).</summary>
    public TallySnapshot Snapshot()
    {
        lock (_gate)
        {
            var variants = new Dictionary<string, VariantSnapshot>(StringComparer.Ordinal);
            foreach (var (key, tally) in _variants)
            {
                variants[key] = new VariantSnapshot(
                    tally.Operations,
                    tally.Successes,
                    tally.Latency.Summary,
                    tally.TimeToFirstToken.Summary,
                    tally.Cost.Summary,
                    tally.Tokens.Summary,
                    tally.LatencySketch.Count == 0 ? double.NaN : tally.LatencySketch.Quantile(0.95));
            }

            var users = new Dictionary<string, List<UserSnapshot>>(StringComparer.Ordinal);
            foreach (var (_, user) in _users)
            {
                if (!users.TryGetValue(user.Variant, out var list))
                {
                    users[user.Variant] = list = [];
                }

                list.Add(new UserSnapshot(user.Operations, user.Events.Count == 0 ? null : new Dictionary<string, (long, long, double)>(user.Events)));
            }

            return new TallySnapshot(variants, users, Dropped);
        }
    }

    public UserExport? Export(string userId)
    {
        lock (_gate)
        {
            return _users.TryGetValue(userId, out var user)
                ? new UserExport(user.Variant, user.Operations, user.Events.ToDictionary(e => e.Key, e => new EventExport(e.Value.Times, e.Value.Valued, e.Value.Sum)))
                : null;
        }
    }

    public bool Erase(string userId)
    {
        // Variant sums stay: they are anonymous aggregates; the per-user row is what identifies the person.
        lock (_gate)
        {
            _dirtyUsers.Remove(userId);
            return _users.Remove(userId);
        }
    }

    /// <summary>Restores a persisted user row.</summary>
    public void Restore(string userId, UserExport row)
    {
        lock (_gate)
        {
            var user = new UserTally { Variant = row.Variant, Operations = row.Operations };
            foreach (var (name, e) in row.Events)
            {
                user.Events[name] = (e.Times, e.Valued, e.Sum);
            }

            _users[userId] = user;
        }
    }

    /// <summary>Restores persisted variant sums.</summary>
    public void Restore(string variant, VariantTally tally)
    {
        lock (_gate)
        {
            _variants[variant] = tally;
        }
    }

    /// <summary>
    /// Copies of the variant sums and of the user rows changed since the last copy, for persistence; null when
    /// nothing changed. The dirty marks are cleared: call <see cref="MarkDirty"/> with the copy if writing it fails.
    /// </summary>
    public (Dictionary<string, VariantTally> Variants, Dictionary<string, UserExport> Users)? CopyChanges()
    {
        lock (_gate)
        {
            if (!_dirtyVariants && _dirtyUsers.Count == 0)
            {
                return null;
            }

            var variants = _variants.ToDictionary(v => v.Key, v => new VariantTally
            {
                Operations = v.Value.Operations,
                Successes = v.Value.Successes,
                Latency = Clone(v.Value.Latency),
                TimeToFirstToken = Clone(v.Value.TimeToFirstToken),
                Cost = Clone(v.Value.Cost),
                Tokens = Clone(v.Value.Tokens),
            });
            var users = new Dictionary<string, UserExport>(StringComparer.Ordinal);
            foreach (var userId in _dirtyUsers)
            {
                if (_users.TryGetValue(userId, out var u))
                {
                    users[userId] = new UserExport(u.Variant, u.Operations, u.Events.ToDictionary(e => e.Key, e => new EventExport(e.Value.Times, e.Value.Valued, e.Value.Sum)));
                }
            }

            _dirtyUsers.Clear();
            _dirtyVariants = false;
            return (variants, users);
        }
    }

    /// <summary>Marks rows dirty again after a failed write.</summary>
    public void MarkDirty(IEnumerable<string> userIds)
    {
        lock (_gate)
        {
            _dirtyVariants = true;
            _dirtyUsers.UnionWith(userIds.Where(_users.ContainsKey));
        }
    }

    private static Moments Clone(Moments m) => new() { Count = m.Count, Sum = m.Sum, SumOfSquares = m.SumOfSquares };
}

/// <summary>Variant sums at one instant.</summary>
internal sealed record VariantSnapshot(
    long Operations,
    long Successes,
    SampleSummary Latency,
    SampleSummary TimeToFirstToken,
    SampleSummary Cost,
    SampleSummary Tokens,
    double LatencyP95);

/// <summary>One user's row at one instant.</summary>
internal sealed record UserSnapshot(long Operations, Dictionary<string, (long Times, long Valued, double Sum)>? Events);

/// <summary>An experiment's tallies at one instant.</summary>
internal sealed record TallySnapshot(
    IReadOnlyDictionary<string, VariantSnapshot> Variants,
    IReadOnlyDictionary<string, List<UserSnapshot>> UsersByVariant,
    long Dropped);

/// <summary>What an experiment holds about one user (data-subject export).</summary>
/// <param name="Variant">Variant the user was in.</param>
/// <param name="Operations">Operations counted.</param>
/// <param name="Events">Events by name.</param>
public sealed record UserExport(string Variant, long Operations, IReadOnlyDictionary<string, EventExport> Events);

/// <summary>One event name's tally for one user.</summary>
/// <param name="Times">Times posted.</param>
/// <param name="Valued">Times posted with a value.</param>
/// <param name="Sum">Sum of the values.</param>
public sealed record EventExport(long Times, long Valued, double Sum);
