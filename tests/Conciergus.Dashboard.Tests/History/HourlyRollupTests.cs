using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Tests.Operations;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>
/// The store's hourly rollup (<c>DuckDbOperationStore.Rollup.cs</c>) gives the hour ring's restore rows exactly as a scan of
/// the raw rows does, after appends (late operations into sealed hours), erasure, retention purge and price recompute.
/// </summary>
public sealed class HourlyRollupTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public async Task HourRestoreRead_FromRollup_EqualsRawRowsThroughAppendEraseRecomputeAndPurge()
    {
        var operations = BulkRestoreTests.StoredTimes(HistoryTestData.Month(8_000, seed: 11)).Select(o => o.Operation).ToList();
        var late = operations.Where(o => o.OperationId.EndsWith('3') && o.EndTime < HistoryTestData.Now.AddDays(-3)).ToList();
        await using var store = await BulkRestoreTests.StoreWithAsync(operations.Except(late));

        var built = await store.Store.BuildRollupAsync();
        var sealedSlots = await store.Store.SealedSlotsAsync();
        Assert.True(built > 30 * 24, $"only {built} hours sealed");
        Assert.True(sealedSlots.Count >= built, "the build seals what the writer had not sealed yet");
        await AssertRollupEqualsRawAsync(store.Store, "after the first build", expectRollupRows: true);

        // Late operations into sealed hours: their hours are unsealed in the append's transaction, read raw until rebuilt.
        foreach (var operation in late)
        {
            Assert.True(store.Store.TryAppend(operation));
        }

        await store.Store.FlushAsync();
        var afterLate = await store.Store.SealedSlotsAsync();
        var lateSlots = late.Select(o => o.EndTime.UtcTicks / TimeSpan.TicksPerHour).ToHashSet();
        Assert.True(lateSlots.Count > 50, "too few late hours to prove anything");
        Assert.Empty(afterLate.Intersect(lateSlots));
        await AssertRollupEqualsRawAsync(store.Store, "after late appends, unsealed", expectRollupRows: true);
        await store.Store.BuildRollupAsync();
        var resealed = (await store.Store.SealedSlotsAsync()).ToHashSet();
        Assert.All(lateSlots, s => Assert.Contains(s, resealed));
        await AssertRollupEqualsRawAsync(store.Store, "after late appends, resealed", expectRollupRows: true);

        // Erasure of a data subject: their hours are unsealed with the delete, and rebuilt without them.
        var subject = operations.First(o => o.UserId is { Length: 4 }).UserId!;
        var erasure = await store.Store.EraseSubjectAsync(subject);
        Assert.True(erasure.Operations > 50);
        await AssertRollupEqualsRawAsync(store.Store, "after erasure", expectRollupRows: true);
        await store.Store.BuildRollupAsync();
        await AssertRollupEqualsRawAsync(store.Store, "after erasure, rebuilt", expectRollupRows: true);

        // Price recompute: the repriced operations' hours are unsealed with the update.
        var repriced = operations.Where(o => o.UserId != subject && o.OperationId.EndsWith('1'))
            .Select(o => o with { CostUsd = 1.25m, Pricing = PricingStatus.Priced, PriceVersion = "v-test" }).ToList();
        Assert.Equal(repriced.Count, await store.Store.UpdateCostsAsync(repriced));
        await AssertRollupEqualsRawAsync(store.Store, "after recompute", expectRollupRows: true);
        await store.Store.BuildRollupAsync();
        await AssertRollupEqualsRawAsync(store.Store, "after recompute, rebuilt", expectRollupRows: true);

        // Retention purge: everything before the cutoff's hour leaves the rollup, the cutoff's own hour is rebuilt from what stays.
        var cutoff = HistoryTestData.Now.AddDays(-10).AddMinutes(-17);
        var purge = await store.Store.PurgeAsync(cutoff);
        Assert.True(purge.Operations > 500);
        Assert.DoesNotContain(await store.Store.SealedSlotsAsync(), s => s <= cutoff.UtcTicks / TimeSpan.TicksPerHour);
        await AssertRollupEqualsRawAsync(store.Store, "after purge", expectRollupRows: true);
        await store.Store.BuildRollupAsync();
        await AssertRollupEqualsRawAsync(store.Store, "after purge, rebuilt", expectRollupRows: true);
    }

    [Fact]
    public async Task WriterSeal_BuildsBesideTheWriter_AndRollsBackWhenAnAppendLandsInItsHours()
    {
        var operations = BulkRestoreTests.StoredTimes(HistoryTestData.Month(3_000, seed: 13, days: 0.4)).Select(o => o.Operation).ToList();
        var late = operations.Where(o => o.EndTime < HistoryTestData.Now.AddHours(-2) && o.OperationId.EndsWith('7')).ToList();
        Assert.True(late.Count > 20, "too few late operations to prove anything");
        await using var store = new TempOperationStore(o => o.Retention = TimeSpan.FromDays(365), new FakeTimeProvider(HistoryTestData.Now));
        await store.WaitForStateAsync(OperationStoreState.Healthy);
        store.Store.RollupHoursPerPass = 48; // one pass covers every hour the operations are in
        var building = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Store.BeforeSealCommit = () =>
        {
            building.TrySetResult();
            return release.Task;
        };

        // The batch commits, then the writer starts sealing the complete hours on a connection of its own.
        foreach (var operation in operations.Except(late))
        {
            Assert.True(store.Store.TryAppend(operation));
        }

        await store.Store.FlushAsync();
        await building.Task.WaitAsync(TimeSpan.FromSeconds(120));
        var seal = store.Store.SealInFlight;

        // The writer is not held by the seal: late operations into the hours it is building commit while it waits.
        foreach (var operation in late)
        {
            Assert.True(store.Store.TryAppend(operation));
        }

        await store.Store.FlushAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.False(seal.IsCompleted, "the seal should still be waiting to commit");

        // Its snapshot lacks them, so it rolls back instead of sealing hours without them.
        release.SetResult();
        await seal.WaitAsync(TimeSpan.FromSeconds(120));
        var lateSlots = late.Select(o => o.EndTime.UtcTicks / TimeSpan.TicksPerHour).ToHashSet();
        Assert.Empty((await store.Store.SealedSlotsAsync()).Intersect(lateSlots));
        await AssertRollupEqualsRawAsync(store.Store, "after the rolled-back seal", expectRollupRows: false);

        // The next pass seals those hours, late operations included.
        store.Store.BeforeSealCommit = null;
        store.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(store.Store.TryAppend(operations[0] with { OperationId = "op-now", StartTime = HistoryTestData.Now, DurationMs = 5 }));
        await store.Store.FlushAsync();
        await store.Store.SealInFlight.WaitAsync(TimeSpan.FromSeconds(120));
        var sealedSlots = (await store.Store.SealedSlotsAsync()).ToHashSet();
        Assert.All(lateSlots, s => Assert.Contains(s, sealedSlots));
        await AssertRollupEqualsRawAsync(store.Store, "after the next seal", expectRollupRows: true);
    }

    [Fact]
    public async Task HourRestoreRead_WithExcludedLateIds_ReadsTheirHoursRawAndLeavesThemOut()
    {
        var operations = BulkRestoreTests.StoredTimes(HistoryTestData.Month(4_000, seed: 5)).Select(o => o.Operation).ToList();
        await using var store = await BulkRestoreTests.StoreWithAsync(operations);
        await store.Store.BuildRollupAsync();
        var excluded = operations.Where(o => o.OperationId.EndsWith('9') && o.EndTime > HistoryTestData.Now.AddDays(-5)).ToList();
        Assert.True(excluded.Count > 30);
        var query = Query() with
        {
            ExcludedOperationIds = [.. excluded.Select(o => o.OperationId)],
            ExcludedEarliestEnd = excluded.Min(o => o.EndTime),
        };

        var rolled = await TotalsAsync(store.Store, query, rollup: true);
        var raw = await TotalsAsync(store.Store, query, rollup: false);
        AssertSameTotals(raw, rolled, "with excluded ids");
        var kept = operations.Except(excluded).Where(o => o.EndTime >= query.Since && o.EndTime < query.Until).ToList();
        Assert.Equal(kept.Count, rolled.Where(r => r.Key.Group == StoredSeriesGroup.Application).Sum(r => r.Value.Requests));
        Assert.Equal(kept.Sum(o => o.InputTokens), rolled.Where(r => r.Key.Group == StoredSeriesGroup.Application).Sum(r => r.Value.InputTokens));
    }

    private static RestoreBucketQuery Query() => new()
    {
        Since = HistoryTestData.Now.AddDays(-40).AddMinutes(-23),
        Until = HistoryTestData.Now,
        Step = Hour,
        ClampTo = HistoryTestData.Now,
        SketchScale = LatencySketch.BucketScale,
    };

    private static async Task AssertRollupEqualsRawAsync(DuckDbOperationStore store, string what, bool expectRollupRows)
    {
        var query = Query();
        AssertSameTotals(await TotalsAsync(store, query, rollup: false), await TotalsAsync(store, query, rollup: true), what);
        foreach (var timeToFirstToken in new[] { false, true })
        {
            var raw = await SketchAsync(store, query, timeToFirstToken, rollup: false);
            var rolled = await SketchAsync(store, query, timeToFirstToken, rollup: true);
            Assert.True(raw.Count > 1000, $"{what}: too few sketch rows");
            Assert.Equal(raw.Count, rolled.Count);
            foreach (var (key, count) in raw)
            {
                Assert.True(rolled.TryGetValue(key, out var other) && other == count, $"{what}: sketch {key} raw {count}, rollup {other}");
            }
        }

        if (expectRollupRows)
        {
            Assert.NotEmpty(await store.SealedSlotsAsync());
        }
    }

    private static void AssertSameTotals(Dictionary<(StoredSeriesGroup Group, string Value, string? Value2, long Epoch), Sums> raw, Dictionary<(StoredSeriesGroup Group, string Value, string? Value2, long Epoch), Sums> rolled, string what)
    {
        Assert.True(raw.Count > 500, $"{what}: too few bucket rows ({raw.Count})");
        Assert.Equal(raw.Count, rolled.Count);
        foreach (var (key, expected) in raw)
        {
            Assert.True(rolled.TryGetValue(key, out var actual), $"{what}: {key} missing from the rollup read");
            Assert.True(expected.Requests == actual.Requests && expected.Errors == actual.Errors && expected.InputTokens == actual.InputTokens
                && expected.OutputTokens == actual.OutputTokens && expected.CostUsd == actual.CostUsd && expected.Unpriced == actual.Unpriced
                && expected.LastSeen == actual.LastSeen && expected.LatencyMin == actual.LatencyMin && expected.LatencyMax == actual.LatencyMax
                && expected.TtftCount == actual.TtftCount && Math.Abs(expected.LatencySum - actual.LatencySum) <= 1e-9 * Math.Max(1, expected.LatencySum),
                $"{what}: {key} raw {expected} vs rollup {actual}");
        }
    }

    private static async Task<Dictionary<(StoredSeriesGroup Group, string Value, string? Value2, long Epoch), Sums>> TotalsAsync(DuckDbOperationStore store, RestoreBucketQuery query, bool rollup)
    {
        store.ReadRollup = rollup;
        try
        {
            // A bucket may come in two rows (a sealed hour and a raw piece); the cache adds them, so does this.
            var result = new Dictionary<(StoredSeriesGroup, string, string?, long), Sums>();
            await foreach (var row in store.ReadRestoreBucketsAsync(query))
            {
                var key = (row.Group, row.Value, row.Value2, row.Epoch);
                var add = new Sums(row.Requests, row.Errors, row.InputTokens, row.OutputTokens, row.CostUsd, row.UnpricedRequests, row.LastSeenTicks, row.LatencySum, row.LatencyMin, row.LatencyMax, row.TimeToFirstTokenCount);
                result[key] = result.TryGetValue(key, out var sum) ? sum.Add(add) : add;
            }

            return result;
        }
        finally
        {
            store.ReadRollup = true;
        }
    }

    private static async Task<Dictionary<(StoredSeriesGroup, string, string?, long, int?), long>> SketchAsync(DuckDbOperationStore store, RestoreBucketQuery query, bool timeToFirstToken, bool rollup)
    {
        store.ReadRollup = rollup;
        try
        {
            var result = new Dictionary<(StoredSeriesGroup, string, string?, long, int?), long>();
            await foreach (var row in store.ReadRestoreSketchAsync(query, timeToFirstToken))
            {
                var key = (row.Group, row.Value, row.Value2, row.Epoch, row.SketchBucket);
                result[key] = result.GetValueOrDefault(key) + row.Count;
            }

            return result;
        }
        finally
        {
            store.ReadRollup = true;
        }
    }

    private sealed record Sums(long Requests, long Errors, long InputTokens, long OutputTokens, decimal CostUsd, long Unpriced, long LastSeen, double LatencySum, double LatencyMin, double LatencyMax, long TtftCount)
    {
        public Sums Add(Sums o) => new(
            Requests + o.Requests, Errors + o.Errors, InputTokens + o.InputTokens, OutputTokens + o.OutputTokens, CostUsd + o.CostUsd,
            Unpriced + o.Unpriced, Math.Max(LastSeen, o.LastSeen), LatencySum + o.LatencySum, Math.Min(LatencyMin, o.LatencyMin),
            Math.Max(LatencyMax, o.LatencyMax), TtftCount + o.TtftCount);
    }
}
