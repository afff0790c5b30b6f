using Conciergus.Core.Errors;
using Conciergus.Core.History;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Tests.Operations;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>
/// The restore's fast path (buckets aggregated in DuckDB, <see cref="IOperationBucketSource"/>) against a real store: the
/// rings, the ledger and the error samples equal recording the same operations live, and late live operations count once.
/// </summary>
public sealed class BulkRestoreTests(BulkRestoreTests.MonthInStore month) : IClassFixture<BulkRestoreTests.MonthInStore>
{
    private static readonly TimeSeriesOptions Options = new();

    /// <summary>20,000 operations over 35 days in one real store, and the same recorded live (one store for every case).</summary>
    public sealed class MonthInStore : IAsyncLifetime
    {
        public List<(AiOperation Operation, TimeSpan Delay)> Operations { get; } = StoredTimes(HistoryTestData.Month(20_000));

        internal TempOperationStore? Store { get; private set; }

        public async Task InitializeAsync()
        {
            Store = await StoreWithAsync(Operations.Select(o => o.Operation));

            // Every complete hour sealed: the hour ring comes from the rollup (tests/History/HourlyRollupTests compare it with raw rows).
            await Store.Store.BuildRollupAsync();
            Assert.True((await Store.Store.SealedSlotsAsync()).Count > 30 * 24);
        }

        public async Task DisposeAsync()
        {
            if (Store is not null)
            {
                await Store.DisposeAsync();
            }
        }
    }

    public static TheoryData<int, int> Resolutions => new()
    {
        { 15 * 60, 1 },
        { 48 * 3600, 60 },
        { 30 * 86400, 3600 },
    };

    [Theory]
    [MemberData(nameof(Resolutions))]
    public async Task BulkRestore_FromDuckDb_AggregatesEqualLiveRecording(int windowSeconds, int expectedStepSeconds)
    {
        var operations = month.Operations;
        var (live, liveLedger) = RecordLive(operations);
        var (restored, restoredLedger, errors, service) = await BulkRestoreAsync(month.Store!);
        var from = HistoryTestData.Now - TimeSpan.FromSeconds(windowSeconds);
        var to = HistoryTestData.Now.AddSeconds(1);

        Assert.Equal(TimeSpan.FromSeconds(expectedStepSeconds), restored.StepFor(from));
        var compared = 0;
        foreach (var dimension in Enum.GetValues<SeriesDimension>())
        {
            Assert.Equal(live.Keys(dimension).Select(k => k.Value).Order(StringComparer.Ordinal), restored.Keys(dimension).Select(k => k.Value).Order(StringComparer.Ordinal));
            foreach (var key in live.Keys(dimension))
            {
                RingRestoreTests.AssertSame(live.Aggregate(key, from, to), restored.Aggregate(key, from, to), key.ToString());
                compared++;
            }
        }

        var step = TimeSpan.FromSeconds(expectedStepSeconds);
        foreach (var key in new[] { SeriesKey.Total, live.Keys(SeriesDimension.Model)[0], live.Keys(SeriesDimension.ErrorCategory)[0] })
        {
            var livePoints = live.Range(key, from, to, step);
            var restoredPoints = restored.Range(key, from, to, step);
            Assert.Equal(livePoints.Count, restoredPoints.Count);
            for (var i = 0; i < livePoints.Count; i++)
            {
                Assert.Equal(livePoints[i].Start, restoredPoints[i].Start);
                RingRestoreTests.AssertSame(livePoints[i].Aggregate, restoredPoints[i].Aggregate, $"{key} point {livePoints[i].Start:O}");
            }
        }

        Assert.True(compared >= 20, $"only {compared} series compared");
        Assert.True(live.Aggregate(SeriesKey.Total, from, to).Requests > 1000, "the window holds too few operations to prove anything");
        Assert.Equal(liveLedger.Top(from, to, 1000), restoredLedger.Top(from, to, 1000));
        Assert.Equal(liveLedger.Top(HistoryTestData.Now.AddDays(-40), to, 1000), restoredLedger.Top(HistoryTestData.Now.AddDays(-40), to, 1000));
        var newestErrors = operations.Select(o => o.Operation).Where(o => o.Status == AiOperationStatus.Error).TakeLast(RecentErrors.Capacity).Select(o => o.OperationId);
        Assert.Equal(newestErrors.Reverse(), errors.Between(DateTimeOffset.MinValue, DateTimeOffset.MaxValue).Select(o => o.OperationId));
        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
        Assert.Equal(live.Aggregate(SeriesKey.Total, HistoryTestData.Now.AddDays(-31), to).Requests, service.Progress.Operations);
    }

    [Fact]
    public async Task BulkRestore_LateLiveOperations_AreCountedOnce()
    {
        var operations = StoredTimes(HistoryTestData.Month(6_000, days: 29));
        var (expected, expectedLedger) = RecordLive(operations);

        // Late: ids ending in 7 that ended in the last two days; the rest is stored before the start, and the rollup sealed
        // after the late ones were stored too, so the hours before the earliest late one come from it, the rest raw.
        static bool IsLate(AiOperation o) => o.OperationId.EndsWith('7') && o.EndTime > HistoryTestData.Now.AddDays(-2);
        await using var store = await StoreWithAsync(operations.Select(o => o.Operation).Where(o => !IsLate(o)));
        var time = new FakeTimeProvider(HistoryTestData.Now);
        var cache = new TimeSeriesCache(Options, time);
        var ledger = new UserCostLedger(Options, time);
        using var service = Create(cache, ledger, new RecentErrors(), time, store.Store);

        // Recorded live after the process started though they ended long before (an exporter's retried batch): in memory,
        // in the store and remembered by the restore, as the collector does it.
        var late = operations.Select(o => o.Operation).Where(IsLate).ToList();
        foreach (var operation in late)
        {
            cache.Record(operation);
            if (operation.UserId is { } user)
            {
                ledger.Record(user, operation.EndTime, operation.CostUsd ?? 0m, operation.InputTokens, operation.OutputTokens);
            }

            store.Store.TryAppend(operation);
            service.Accept(operation);
        }

        await store.Store.FlushAsync();
        await store.Store.BuildRollupAsync();
        Assert.True((await store.Store.SealedSlotsAsync()).Count > 26 * 24, "the rollup should hold the older hours");
        await service.StartAsync(CancellationToken.None);
        await service.Completion;

        Assert.Equal(HistoryRestoreState.Restored, service.Progress.State);
        Assert.Equal(late.Count, service.LateOperationsSkipped);
        Assert.True(late.Count > 10, "too few late operations to prove anything");
        foreach (var window in new[] { TimeSpan.FromMinutes(15), TimeSpan.FromHours(48), TimeSpan.FromDays(30) })
        {
            foreach (var key in expected.Keys(SeriesDimension.Model).Append(SeriesKey.Total))
            {
                RingRestoreTests.AssertSame(expected.Aggregate(key, HistoryTestData.Now - window, HistoryTestData.Now), cache.Aggregate(key, HistoryTestData.Now - window, HistoryTestData.Now), $"{key} over {window}");
            }
        }

        Assert.Equal(expectedLedger.Top(HistoryTestData.Now.AddDays(-40), HistoryTestData.Now, 100), ledger.Top(HistoryTestData.Now.AddDays(-40), HistoryTestData.Now, 100));
    }

    [Fact]
    public void SketchBucket_DuckDbLn_EqualsDotNetLog()
    {
        // The store computes a latency's sketch bucket in SQL; restored sketches equal live ones only if DuckDB's ln and
        // .NET's Math.Log agree to the bit, including right at the bucket boundaries gamma^i (and one ulp either side).
        var values = new List<double>();
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            values.Add(Math.Exp((random.NextDouble() * 30) - 6));
        }

        for (var i = -340; i < 1400; i++)
        {
            var boundary = Math.Pow((1 + LatencySketch.RelativeAccuracy) / (1 - LatencySketch.RelativeAccuracy), i);
            values.AddRange([boundary, Math.BitDecrement(boundary), Math.BitIncrement(boundary), LatencySketch.ValueOf(i)]);
        }

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE v (i INTEGER, x DOUBLE)";
            create.ExecuteNonQuery();
        }

        using (var appender = connection.CreateAppender("v"))
        {
            for (var i = 0; i < values.Count; i++)
            {
                appender.CreateRow().AppendValue(i).AppendValue(values[i]).EndRow();
            }
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT i, CAST(ceil(ln(x) * $s) AS INTEGER) FROM v WHERE x >= 0.001 ORDER BY i";
        command.Parameters.Add(new DuckDBParameter("s", LatencySketch.BucketScale));
        using var reader = command.ExecuteReader();
        var checkedValues = 0;
        while (reader.Read())
        {
            var value = values[reader.GetInt32(0)];
            Assert.True(LatencySketch.IndexOf(value) == reader.GetInt32(1), $"value {value:R}: .NET bucket {LatencySketch.IndexOf(value)}, DuckDB {reader.GetInt32(1)}");
            checkedValues++;
        }

        Assert.True(checkedValues > 20_000);
    }

    /// <summary>Start times on whole microseconds, as the store keeps them, so live and stored completion times agree to the tick.</summary>
    internal static List<(AiOperation Operation, TimeSpan Delay)> StoredTimes(List<(AiOperation Operation, TimeSpan Delay)> operations) =>
        [.. operations.Select(o => (o.Operation with { StartTime = new DateTimeOffset(o.Operation.StartTime.UtcTicks / 10 * 10, TimeSpan.Zero) }, o.Delay))];

    internal static async Task<TempOperationStore> StoreWithAsync(IEnumerable<AiOperation> operations)
    {
        var store = new TempOperationStore(o => { o.QueueCapacity = 100_000; o.Retention = TimeSpan.FromDays(365); }, new FakeTimeProvider(HistoryTestData.Now));
        await store.WaitForStateAsync(OperationStoreState.Healthy);
        foreach (var operation in operations)
        {
            Assert.True(store.Store.TryAppend(operation));
        }

        await store.Store.FlushAsync();
        return store;
    }

    private static async Task<(TimeSeriesCache Cache, UserCostLedger Ledger, RecentErrors Errors, HistoryRestoreService Service)> BulkRestoreAsync(TempOperationStore store)
    {
        var time = new FakeTimeProvider(HistoryTestData.Now);
        var cache = new TimeSeriesCache(Options, time);
        var ledger = new UserCostLedger(Options, time);
        var errors = new RecentErrors();
        var service = Create(cache, ledger, errors, time, store.Store);
        await service.StartAsync(CancellationToken.None);
        await service.Completion;
        service.Dispose();
        return (cache, ledger, errors, service);
    }

    private static HistoryRestoreService Create(TimeSeriesCache cache, UserCostLedger ledger, RecentErrors errors, FakeTimeProvider time, IOperationStore store) =>
        new(cache, ledger, errors, new TraceStore(MsOptions.Create(new TraceOptions()), time), time, MsOptions.Create(new HistoryOptions { TraceWindow = TimeSpan.Zero }), NullLogger<HistoryRestoreService>.Instance, store);

    /// <summary>Each operation recorded when it arrives (end + delay), on a clock that only moves forward, as the collector does.</summary>
    private static (TimeSeriesCache Cache, UserCostLedger Ledger) RecordLive(List<(AiOperation Operation, TimeSpan Delay)> operations)
    {
        var clock = new FakeTimeProvider(operations.Min(o => o.Operation.EndTime));
        var cache = new TimeSeriesCache(Options, clock);
        var ledger = new UserCostLedger(Options, clock);
        foreach (var (operation, delay) in operations.OrderBy(o => o.Operation.EndTime + o.Delay))
        {
            var arrival = operation.EndTime + delay + TimeSpan.FromMilliseconds(1);
            arrival = arrival < HistoryTestData.Now ? arrival : HistoryTestData.Now;
            if (arrival > clock.GetUtcNow())
            {
                clock.SetUtcNow(arrival);
            }

            cache.Record(operation);
            if (operation.UserId is { } user)
            {
                ledger.Record(user, operation.EndTime, operation.CostUsd ?? 0m, operation.InputTokens, operation.OutputTokens);
            }
        }

        clock.SetUtcNow(HistoryTestData.Now);
        return (cache, ledger);
    }
}
