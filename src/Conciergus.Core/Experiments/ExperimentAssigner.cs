using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Conciergus.Core.Experiments;

/// <summary>Where sticky assignments are kept durably (LiteDB in the app; a fake in tests).</summary>
internal interface IExperimentAssignmentStore
{
    /// <summary>Every stored assignment of the given experiments (read once, at start).</summary>
    IEnumerable<(string Key, string UserId, string Variant)> AssignmentsOf(IReadOnlySet<string> keys);

    /// <summary>The stored variant of a user, or null.</summary>
    string? FindAssignment(string key, string userId);

    /// <summary>Stores (or replaces) a user's assignment.</summary>
    void SaveAssignment(string key, string userId, string variant, DateTimeOffset at);
}

/// <summary>
/// Sticky assignment, memory first. The caller's LLM request path (the interceptor, the events and assignment
/// endpoints) reads and writes only memory: the first assignment per experiment and user goes into a bounded cache
/// and a bounded queue, and <see cref="RunAsync"/> (started by <see cref="ExperimentPersistenceService"/>) writes the
/// queue to the store in the background. <see cref="Drain"/> writes what is queued synchronously, for the tally flush,
/// shutdown, data-subject export and erasure (none of them on a request path).
/// </summary>
/// <remarks>
/// Restart: the constructor loads the stored assignments of every running or paused experiment before the service
/// answers its first assignment (chosen over a lazy lookup because a lazy lookup either blocks the first call of each
/// user on LiteDB or answers it before the stored value is known; the load is one scan at start, bounded by
/// <see cref="ExperimentOptions.MaxCachedAssignments"/>). Beyond that cap, a user not in memory is answered by the hash
/// (variants, weights, coverage, seed and hash version are frozen while an experiment runs, so the stored and the
/// hashed variant differ only across a change of hashing code), and the writer keeps the first stored one.
/// </remarks>
internal sealed class ExperimentAssigner
{
    /// <summary>Queued writes at most; further first assignments stay in memory only and are counted.</summary>
    internal const int QueueCapacity = 65_536;

    private readonly IExperimentAssignmentStore _store;
    private readonly TimeProvider _time;
    private readonly int _maxCached;
    private readonly ConcurrentDictionary<(string Key, string UserId), string> _sticky = new();
    private readonly Channel<PendingAssignment> _queue = Channel.CreateBounded<PendingAssignment>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = false, SingleWriter = false, FullMode = BoundedChannelFullMode.DropWrite });

    // Serialises store writes: the background loop and Drain both empty the queue under it, so after Drain returns
    // nothing read from the queue before it is still unwritten (erasure relies on that).
    private readonly Lock _writeGate = new();
    private long _dropped;
    private long _failed;

    public ExperimentAssigner(IExperimentAssignmentStore store, TimeProvider time, int maxCached, IEnumerable<Experiment> experiments)
    {
        _store = store;
        _time = time;
        _maxCached = maxCached;
        var active = experiments.Where(e => e.State is ExperimentState.Running or ExperimentState.Paused).ToDictionary(e => e.Key, StringComparer.Ordinal);
        if (active.Count == 0 || maxCached == 0)
        {
            return;
        }

        foreach (var (key, userId, variant) in store.AssignmentsOf(active.Keys.ToHashSet(StringComparer.Ordinal)))
        {
            if (_sticky.Count >= maxCached)
            {
                break;
            }

            if (active.TryGetValue(key, out var experiment) && experiment.Variants.Any(v => v.Key == variant))
            {
                _sticky.TryAdd((key, userId), variant);
            }
        }
    }

    /// <summary>First assignments that could not be queued (queue full); they stay in memory.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queued assignments the store refused (for example storage unavailable); they stay in memory.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Assignments waiting to be written.</summary>
    public int Pending => _queue.Reader.Count;

    /// <summary>
    /// The sticky variant of a user in a running experiment, given the hashed one. Memory only: a first assignment
    /// is cached and queued for the store when <paramref name="persist"/> is set.
    /// </summary>
    public string Resolve(Experiment experiment, string userId, string computed, bool persist)
    {
        if (_sticky.TryGetValue((experiment.Key, userId), out var variant))
        {
            return variant;
        }

        if (!persist)
        {
            return computed;
        }

        // Two racing first calls of one user: TryAdd picks one winner, and only the winner is queued.
        if (_sticky.Count < _maxCached)
        {
            if (!_sticky.TryAdd((experiment.Key, userId), computed))
            {
                return _sticky.TryGetValue((experiment.Key, userId), out var winner) ? winner : computed;
            }
        }

        if (!_queue.Writer.TryWrite(new PendingAssignment(experiment.Key, userId, computed, [.. experiment.Variants.Select(v => v.Key)], _time.GetUtcNow())))
        {
            Interlocked.Increment(ref _dropped);
        }

        return computed;
    }

    /// <summary>Forgets a user's cached assignments (after their stored ones were written and erased).</summary>
    public void Forget(string userId)
    {
        foreach (var key in _sticky.Keys.Where(k => k.UserId == userId).ToList())
        {
            _sticky.TryRemove(key, out _);
        }
    }

    /// <summary>Writes the queue in the background until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _queue.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                Drain();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes every queued assignment now; returns how many were written.</summary>
    public int Drain()
    {
        var written = 0;
        lock (_writeGate)
        {
            while (_queue.Reader.TryRead(out var pending))
            {
                try
                {
                    // Off the request path, so the existence check is cheap here: the first stored assignment wins
                    // (a user beyond the memory cap may have one that was not loaded).
                    var stored = _store.FindAssignment(pending.Key, pending.UserId);
                    if (stored is null || !pending.Variants.Contains(stored))
                    {
                        _store.SaveAssignment(pending.Key, pending.UserId, pending.Variant, pending.At);
                        written++;
                    }
                }
#pragma warning disable CA1031 // One refused write (storage unavailable) must not stop the writer; it is counted and stays in memory.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref _failed);
                }
            }
        }

        return written;
    }

    private sealed record PendingAssignment(string Key, string UserId, string Variant, string[] Variants, DateTimeOffset At);
}
