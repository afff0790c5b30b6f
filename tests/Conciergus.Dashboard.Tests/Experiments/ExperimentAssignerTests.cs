using System.Collections.Concurrent;

using Conciergus.Core.Audit;
using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <summary>Sticky assignment is memory first: nothing touches the store on the request path; a background writer does.</summary>
public sealed class ExperimentAssignerTests : IDisposable
{
    private readonly ExperimentTestHost _host = new();

    [Fact]
    public async Task Resolve_FirstAssignments_TouchTheStoreOnlyWhenDrained()
    {
        var experiment = await RunningAsync();
        var store = new RecordingAssignmentStore();
        var assigner = new ExperimentAssigner(store, _host.Time, 1000, [experiment]);
        store.Reset();

        var answers = Enumerable.Range(0, 50).Select(i => assigner.Resolve(experiment, $"u{i}", Hash(experiment, $"u{i}"), persist: true)).ToList();

        Assert.Equal(0, store.Reads); // no lookup on the request path
        Assert.Equal(0, store.Writes); // no write on the request path
        Assert.Equal(50, assigner.Pending);

        Assert.Equal(50, assigner.Drain());
        Assert.Equal(50, store.Writes);
        Assert.Equal(0, assigner.Pending);
        Assert.Equal(answers, Enumerable.Range(0, 50).Select(i => store.Saved[(experiment.Key, $"u{i}")]));
    }

    [Fact]
    public async Task RunAsync_WritesQueuedAssignmentsOnAnotherThread()
    {
        var experiment = await RunningAsync();
        var store = new RecordingAssignmentStore();
        var assigner = new ExperimentAssigner(store, _host.Time, 1000, [experiment]);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(() => assigner.RunAsync(stop.Token));

        var caller = Environment.CurrentManagedThreadId;
        var variant = assigner.Resolve(experiment, "alice", Hash(experiment, "alice"), persist: true);

        Assert.True(SpinWait.SpinUntil(() => store.Writes == 1, TimeSpan.FromSeconds(60)), "the background writer never wrote the assignment");
        await stop.CancelAsync();
        await writer;
        Assert.Equal(variant, store.Saved[(experiment.Key, "alice")]);
        Assert.DoesNotContain(caller, store.WriterThreads);
    }

    [Fact]
    public async Task Constructor_StoredAssignment_WinsOverTheHashAfterRestart()
    {
        var experiment = await RunningAsync();
        var hashed = Hash(experiment, "u1");
        var other = experiment.Variants.Select(v => v.Key).First(v => v != hashed);
        var store = new RecordingAssignmentStore();
        store.Saved[(experiment.Key, "u1")] = other; // assigned by an earlier build whose hashing differed

        var assigner = new ExperimentAssigner(store, _host.Time, 1000, [experiment]);
        store.Reset();

        Assert.Equal(other, assigner.Resolve(experiment, "u1", hashed, persist: true));
        Assert.Equal(other, assigner.Resolve(experiment, "u1", hashed, persist: false));
        Assert.Equal(0, assigner.Pending);
        Assert.Equal(0, store.Reads + store.Writes);
    }

    [Fact]
    public async Task Service_Assign_IsWrittenToLiteDbByTheFlushAndStaysStickyAcrossRestart()
    {
        var experiment = await RunningAsync();
        var first = _host.Service.Assign("prompt-tone", "u1");

        Assert.Null(_host.Service.Store.FindAssignment("prompt-tone", "u1")); // not written on the caller's path
        _host.Service.FlushAll();
        Assert.Equal(first.Variant, _host.Service.Store.FindAssignment("prompt-tone", "u1"));

        // The stored assignment is loaded at start: change it in LiteDB and the restarted service answers it.
        var other = experiment.Variants.Select(v => v.Key).First(v => v != first.Variant);
        _host.Service.Store.SaveAssignment("prompt-tone", "u1", other, ExperimentTestHost.Start);
        _host.Restart();

        Assert.Equal(other, _host.Service.Assign("prompt-tone", "u1").Variant);
    }

    private async Task<Experiment> RunningAsync()
    {
        await _host.Service.CreateAsync(ExperimentTestHost.Definition(), Actor.System);
        return await _host.Service.StartAsync("prompt-tone", Actor.System);
    }

    private static string Hash(Experiment experiment, string userId) => ExperimentHashing.Assign(experiment, userId).Variant!;

    public void Dispose() => _host.Dispose();

    /// <summary>An assignment store that counts reads and writes and records the writing threads.</summary>
    private sealed class RecordingAssignmentStore : IExperimentAssignmentStore
    {
        private int _reads;
        private int _writes;

        public ConcurrentDictionary<(string Key, string UserId), string> Saved { get; } = new();

        public ConcurrentBag<int> WriterThreads { get; } = [];

        public int Reads => Volatile.Read(ref _reads);

        public int Writes => Volatile.Read(ref _writes);

        public void Reset()
        {
            Volatile.Write(ref _reads, 0);
            Volatile.Write(ref _writes, 0);
        }

        public IEnumerable<(string Key, string UserId, string Variant)> AssignmentsOf(IReadOnlySet<string> keys)
        {
            Interlocked.Increment(ref _reads);
            return [.. Saved.Where(s => keys.Contains(s.Key.Key)).Select(s => (s.Key.Key, s.Key.UserId, s.Value))];
        }

        public string? FindAssignment(string key, string userId)
        {
            Interlocked.Increment(ref _reads);
            return Saved.GetValueOrDefault((key, userId));
        }

        public void SaveAssignment(string key, string userId, string variant, DateTimeOffset at)
        {
            WriterThreads.Add(Environment.CurrentManagedThreadId);
            Saved[(key, userId)] = variant;
            Interlocked.Increment(ref _writes);
        }
    }
}
