using Conciergus.Core.Errors;
using Conciergus.Core.History;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Core.Traces;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.History;

public sealed class HistoryRestoreServiceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(HistoryTestData.Now);
    private readonly FakeOperationStore _store = new();
    private readonly TimeSeriesCache _cache;
    private readonly UserCostLedger _ledger;
    private readonly RecentErrors _errors = new();
    private readonly TraceStore _traces;
    private HistoryRestoreService? _service;

    public HistoryRestoreServiceTests()
    {
        _cache = new TimeSeriesCache(new TimeSeriesOptions(), _time);
        _ledger = new UserCostLedger(new TimeSeriesOptions(), _time);
        _traces = new TraceStore(MsOptions.Create(new TraceOptions { MaxTraces = 3, MaxSpansPerTrace = 10, MaxTotalSpans = 30 }), _time);
    }

    public void Dispose() => _service?.Dispose();

    [Fact]
    public async Task Restore_HealthyStore_RebuildsRingsLedgerErrorsAndReportsRestored()
    {
        var operations = HistoryTestData.Month(3_000, days: 29).Select(o => o.Operation).ToList();
        _store.AddRange(operations);
        var expected = new TimeSeriesCache(new TimeSeriesOptions(), _time);
        expected.Restore(operations);

        var service = await RestoreAsync();

        var progress = service.Progress;
        Assert.Equal(HistoryRestoreState.Restored, progress.State);
        Assert.Null(progress.Reason);
        Assert.Equal(1, progress.Fraction);
        Assert.Equal(operations.Count, progress.Operations);
        Assert.Equal(HistoryTestData.Now, progress.StartedAt);
        Assert.Equal(HistoryTestData.Now, service.DataCompleteSince);
        var month = HistoryTestData.Now.AddDays(-30);
        RingRestoreTests.AssertSame(expected.Aggregate(SeriesKey.Total, month, HistoryTestData.Now), _cache.Aggregate(SeriesKey.Total, month, HistoryTestData.Now), "total");
        var spent = operations.Where(o => o.UserId == "u-7" && o.EndTime >= HistoryTestData.Now.Date.AddDays(-34)).Sum(o => o.CostUsd ?? 0m);
        Assert.Equal(spent, _ledger.ForUser("u-7", HistoryTestData.Now.AddDays(-40), HistoryTestData.Now)!.CostUsd);
        var newestErrors = operations.Where(o => o.Status == AiOperationStatus.Error).TakeLast(RecentErrors.Capacity).Select(o => o.OperationId);
        Assert.Equal(newestErrors.Reverse(), _errors.Between(DateTimeOffset.MinValue, DateTimeOffset.MaxValue).Select(o => o.OperationId));
    }

    [Fact]
    public async Task Restore_OperationsThatEndedAfterTheStart_AreLeftToLiveRecording()
    {
        // Ended at or after T0: live recording has them (or will); the restore must not add them a second time.
        var operations = HistoryTestData.Month(500, days: 29).Select(o => o.Operation).ToList();
        var afterStart = operations[0] with { OperationId = "after", StartTime = HistoryTestData.Now, DurationMs = 1 };
        _store.AddRange([.. operations, afterStart]);

        var service = await RestoreAsync();

        Assert.Equal(operations.Count, service.Progress.Operations);
    }

    [Fact]
    public async Task Restore_LateLiveOperations_AreCountedOnce()
    {
        var operations = HistoryTestData.Month(500, days: 29).Select(o => o.Operation).ToList();
        _store.AddRange(operations);
        _store.PauseBeforeRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var service = Create();

        // Recorded live before the restore started (ingestion opens with the host): in memory and in the store.
        var early = operations[^1] with { OperationId = "late-1", StartTime = HistoryTestData.Now.AddSeconds(-30) };
        RecordLive(service, early);
        await service.StartAsync(CancellationToken.None);
        await _store.ReadEntered.Task;

        // Recorded live during the restore, ended before T0 (an exporter's delayed batch); and one that ended after T0.
        var late = operations[^1] with { OperationId = "late-2", StartTime = HistoryTestData.Now.AddSeconds(-20) };
        var fresh = operations[^1] with { OperationId = "fresh", StartTime = HistoryTestData.Now.AddSeconds(1) };
        _time.Advance(TimeSpan.FromSeconds(3));
        RecordLive(service, late);
        RecordLive(service, fresh);
        _store.PauseBeforeRead.SetResult();
        await service.Completion;

        var inStore = _store.Status.Appended;
        var total = _cache.Aggregate(SeriesKey.Total, HistoryTestData.Now.AddDays(-30), _time.GetUtcNow()).Requests;
        Assert.Equal(inStore, total);
        Assert.Equal(2, service.LateOperationsSkipped);
        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
    }

    [Theory]
    [InlineData(OperationStoreState.Disabled, null, "the operation store is disabled")]
    [InlineData(OperationStoreState.Degraded, "disk full", "the operation store is degraded: disk full")]
    public async Task Restore_StoreNotUsable_ReportsRestoredAtOnceWithTheReason(OperationStoreState state, string? why, string reason)
    {
        _store.AddRange(HistoryTestData.Month(10, days: 29).Select(o => o.Operation));
        _store.State = state;
        _store.Reason = why;

        var service = await RestoreAsync();

        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
        Assert.Equal(reason, service.Progress.Reason);
        Assert.Equal(0, service.Progress.Operations);
        Assert.Equal(0, _cache.Aggregate(SeriesKey.Total, HistoryTestData.Now.AddDays(-30), HistoryTestData.Now).Requests);
    }

    [Fact]
    public void Restore_SwitchedOff_IsReadyBeforeTheHostStartsAndClaimsNoDataGap()
    {
        _store.AddRange(HistoryTestData.Month(10, days: 29).Select(o => o.Operation));

        var service = Create(new HistoryOptions { Enabled = false });

        Assert.True(service.WhenReadyAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
        Assert.Contains("switched off", service.Progress.Reason, StringComparison.Ordinal);
        Assert.Null(service.DataCompleteSince);
    }

    [Fact]
    public async Task Restore_NoStoreRegistered_ReportsRestoredWithTheReason()
    {
        _service = new HistoryRestoreService(_cache, _ledger, _errors, _traces, _time, MsOptions.Create(new HistoryOptions()), NullLogger<HistoryRestoreService>.Instance);
        await _service.StartAsync(CancellationToken.None);
        await _service.WhenReadyAsync(CancellationToken.None);

        Assert.Equal(HistoryRestoreState.Restored, _service.Progress.State);
        Assert.Equal("no operation store is registered", _service.Progress.Reason);
    }

    [Fact]
    public async Task Restore_StoreFailsWhileRead_ReportsFailedKeepsWhatWasReadAndReleasesWaiters()
    {
        _store.AddRange(HistoryTestData.Month(100, days: 29).Select(o => o.Operation));
        _store.FailRead = (50, "database file is corrupt");
        var service = Create(new HistoryOptions { BatchSize = 10 });
        var waiter = service.WhenReadyAsync(CancellationToken.None);

        await service.StartAsync(CancellationToken.None);
        await waiter;

        Assert.Equal(HistoryRestoreState.Failed, service.Progress.State);
        Assert.Contains("database file is corrupt", service.Progress.Reason, StringComparison.Ordinal);
        Assert.Equal(50, _cache.Aggregate(SeriesKey.Total, HistoryTestData.Now.AddDays(-40), HistoryTestData.Now).Requests);
    }

    [Fact]
    public async Task Restore_StoreStillOpening_WaitsForItThenRestores()
    {
        _store.AddRange(HistoryTestData.Month(20, days: 29).Select(o => o.Operation));
        _store.State = OperationStoreState.Starting;
        var service = Create();
        await service.StartAsync(CancellationToken.None);
        Assert.False(service.Completion.IsCompleted);

        _store.State = OperationStoreState.Healthy;
        await service.Completion; // it polls the store's state (on the system clock: opening a file takes real time)

        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
        Assert.Equal(20, service.Progress.Operations);
    }

    [Fact]
    public async Task Restore_Subscriber_SeesRestoringThenTheFinalProgress()
    {
        _store.AddRange(HistoryTestData.Month(2_000, days: 29).Select(o => o.Operation));
        var service = Create(new HistoryOptions { BatchSize = 100 });
        var seen = new List<HistoryRestoreProgress>();
        using var subscription = service.Subscribe(p =>
        {
            lock (seen)
            {
                seen.Add(p);
            }
        });

        await service.StartAsync(CancellationToken.None);
        await service.Completion;

        lock (seen)
        {
            Assert.Equal(HistoryRestoreState.Restoring, seen[0].State);
            Assert.Equal(0, seen[0].Fraction);
            Assert.Equal(HistoryRestoreState.Restored, seen[^1].State);
            Assert.Equal(2_000, seen[^1].Operations);
            Assert.Equal(1, seen[^1].Fraction);
            Assert.Equal(seen.Select(p => p.Fraction).Order(), seen.Select(p => p.Fraction));
        }
    }

    [Fact]
    public async Task Restore_Spans_RefillsTheTraceStoreNewestFirstWithinItsBoundsAndKeepsLiveTraces()
    {
        // Five stored traces (two spans each), one hour apart; the store holds three traces, one of which arrives live.
        for (var t = 0; t < 5; t++)
        {
            foreach (var s in new[] { 1, 2 })
            {
                _store.TryAppendSpan(Span(t, s, HistoryTestData.Now.AddHours(-5 + t)));
            }
        }

        var service = Create();
        _traces.Add(Span(9, 1, HistoryTestData.Now.AddSeconds(-1)));
        _traces.Add(Span(4, 1, HistoryTestData.Now.AddHours(-1)) with { Name = "live copy" });

        await service.StartAsync(CancellationToken.None);
        await service.Completion;

        // Live traces 9 and 4 stay; the room left takes the newest stored trace not held (3); trace 4 gets its missing span.
        var held = _traces.List(new TraceQuery { Limit = 10 }).Traces.Select(t => t.TraceId).ToList();
        Assert.Equal([TraceIdOf(9), TraceIdOf(4), TraceIdOf(3)], held);
        var four = _traces.Get(TraceIdOf(4))!;
        Assert.Equal(2, four.Spans.Count);
        Assert.Equal("live copy", four.Spans.Single(n => n.Span.SpanId == SpanIdOf(4, 1)).Span.Name);
        Assert.Equal(3, service.Progress.Spans);
    }

    [Fact]
    public async Task TraceHistory_TraceNotInMemory_OpensFromTheStore()
    {
        _store.TryAppendSpan(Span(1, 1, HistoryTestData.Now.AddDays(-3)));
        _store.TryAppendSpan(Span(1, 2, HistoryTestData.Now.AddDays(-3).AddMilliseconds(5)) with { ParentSpanId = SpanIdOf(1, 1) });
        _traces.Add(Span(2, 1, HistoryTestData.Now));
        var history = new TraceHistory(_traces, NullLogger<TraceHistory>.Instance, _store);

        var fromStore = await history.GetAsync(TraceIdOf(1).ToUpperInvariant());
        var fromMemory = await history.GetAsync(TraceIdOf(2));
        var unknown = await history.GetAsync(TraceIdOf(3));

        Assert.True(fromStore!.FromStore);
        Assert.Equal([SpanIdOf(1, 1), SpanIdOf(1, 2)], fromStore.Detail.Spans.Select(n => n.Span.SpanId));
        Assert.Equal(1, fromStore.Detail.Spans[1].Depth);
        Assert.False(fromMemory!.FromStore);
        Assert.Null(unknown);
    }

    private static SpanRecord Span(int trace, int span, DateTimeOffset start) => new()
    {
        TraceId = TraceIdOf(trace),
        SpanId = SpanIdOf(trace, span),
        Name = $"span {trace}.{span}",
        StartTime = start,
        DurationMs = 10,
        Application = "app",
    };

    private static string TraceIdOf(int trace) => (trace + 1).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);

    private static string SpanIdOf(int trace, int span) => ((trace * 100) + span).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private void RecordLive(HistoryRestoreService service, AiOperation operation)
    {
        // What the collector does for a live operation: the cache, then every sink (the store's append and the restore's).
        _cache.Record(operation);
        _store.TryAppend(operation);
        service.Accept(operation);
    }

    private HistoryRestoreService Create(HistoryOptions? options = null) =>
        _service = new HistoryRestoreService(_cache, _ledger, _errors, _traces, _time, MsOptions.Create(options ?? new HistoryOptions()), NullLogger<HistoryRestoreService>.Instance, _store);

    private async Task<HistoryRestoreService> RestoreAsync(HistoryOptions? options = null)
    {
        var service = Create(options);
        await service.StartAsync(CancellationToken.None);
        await service.Completion;
        return service;
    }
}
