using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>
/// Restoring operations read back from the store gives the rings and the ledger exactly what recording the same operations
/// live (each at its arrival, on a clock moving forward) gave them: counts, tokens and cost exact, sketches bucket for bucket.
/// </summary>
public sealed class RingRestoreTests
{
    private static readonly TimeSeriesOptions Options = new();

    public static TheoryData<int, int> Resolutions => new()
    {
        // window (seconds) over which the resolution answers, and the step expected to answer it
        { 15 * 60, 1 },
        { 48 * 3600, 60 },
        { 30 * 86400, 3600 },
    };

    [Theory]
    [MemberData(nameof(Resolutions))]
    public void Restore_SameOperations_AggregatesEqualLiveRecording(int windowSeconds, int expectedStepSeconds)
    {
        var operations = HistoryTestData.Month(20_000);
        var (live, liveLedger) = RecordLive(operations);
        var (restored, restoredLedger, _) = Restore(operations);
        var from = HistoryTestData.Now - TimeSpan.FromSeconds(windowSeconds);
        var to = HistoryTestData.Now.AddSeconds(1);

        Assert.Equal(TimeSpan.FromSeconds(expectedStepSeconds), live.StepFor(from));
        Assert.Equal(TimeSpan.FromSeconds(expectedStepSeconds), restored.StepFor(from));
        var compared = 0;
        foreach (var dimension in Enum.GetValues<SeriesDimension>())
        {
            Assert.Equal(live.Keys(dimension).Select(k => k.Value).Order(StringComparer.Ordinal), restored.Keys(dimension).Select(k => k.Value).Order(StringComparer.Ordinal));
            foreach (var key in live.Keys(dimension))
            {
                AssertSame(live.Aggregate(key, from, to), restored.Aggregate(key, from, to), key.ToString());
                compared++;
            }
        }

        // Point by point at the resolution itself, over the whole window.
        var step = TimeSpan.FromSeconds(expectedStepSeconds);
        var livePoints = live.Range(SeriesKey.Total, from, to, step);
        var restoredPoints = restored.Range(SeriesKey.Total, from, to, step);
        Assert.Equal(livePoints.Count, restoredPoints.Count);
        for (var i = 0; i < livePoints.Count; i++)
        {
            Assert.Equal(livePoints[i].Start, restoredPoints[i].Start);
            AssertSame(livePoints[i].Aggregate, restoredPoints[i].Aggregate, $"point {livePoints[i].Start:O}");
        }

        Assert.True(compared >= 20, $"only {compared} series compared");
        Assert.True(live.Aggregate(SeriesKey.Total, from, to).Requests > 1000, "the window holds too few operations to prove anything");
        Assert.Equal(liveLedger.Top(from, to, 1000), restoredLedger.Top(from, to, 1000));
    }

    [Fact]
    public void Restore_LedgerOverItsDays_EqualsLiveAndSkipsDaysItDoesNotKeep()
    {
        var operations = HistoryTestData.Month(5_000);
        var (_, liveLedger) = RecordLive(operations);
        var (_, restoredLedger, _) = Restore(operations);
        var now = HistoryTestData.Now;

        var liveTop = liveLedger.Top(now.AddDays(-40), now.AddDays(1), 1000);
        Assert.Equal(liveTop, restoredLedger.Top(now.AddDays(-40), now.AddDays(1), 1000));
        Assert.True(liveTop.Count >= 30, "most of the 40 users should have spent something");
        for (var day = 0; day < 36; day++)
        {
            var from = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-day);
            Assert.Equal(liveLedger.Top(from, from.AddDays(1), 1000), restoredLedger.Top(from, from.AddDays(1), 1000));
        }

        // The ledger keeps 35 days counting today: day 35 back is empty in both.
        var dropped = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-35);
        Assert.Empty(restoredLedger.Top(dropped, dropped.AddDays(1), 10));
    }

    [Fact]
    public void Restore_OlderThanEveryRing_IsSkippedAndNotCountedTooOld()
    {
        var clock = new FakeTimeProvider(HistoryTestData.Now);
        var cache = new TimeSeriesCache(Options, clock);
        var old = HistoryTestData.Month(10).Select(o => o.Operation with { StartTime = HistoryTestData.Now.AddDays(-40) }).ToList();

        Assert.Equal(0, cache.Restore(old));

        Assert.Equal(0, cache.TooOldCount);
        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, HistoryTestData.Now.AddDays(-30), HistoryTestData.Now).Requests);
    }

    [Fact]
    public void Restore_WhileLiveOperationsArrive_CountsEachOperationOnce()
    {
        // Live traffic from "now" on, the restore of what ended before: the two together equal recording all of them live.
        var operations = HistoryTestData.Month(6_000);
        var (live, _) = RecordLive(operations);
        var clock = new FakeTimeProvider(HistoryTestData.Now.AddMinutes(-5));
        var cache = new TimeSeriesCache(Options, clock);
        var cut = HistoryTestData.Now.AddMinutes(-5);
        var before = operations.Where(o => o.Operation.EndTime < cut).Select(o => o.Operation).ToList();
        var after = operations.Where(o => o.Operation.EndTime >= cut).ToList();

        // Half of the history is restored, then live operations of the last five minutes arrive, then the other half.
        cache.Restore(before[..(before.Count / 2)]);
        foreach (var (operation, delay) in after.OrderBy(o => Arrival(o.Operation, o.Delay)))
        {
            var arrival = Min(Arrival(operation, delay), HistoryTestData.Now);
            if (arrival > clock.GetUtcNow())
            {
                clock.SetUtcNow(arrival);
            }

            cache.Record(operation);
        }

        clock.SetUtcNow(HistoryTestData.Now);
        cache.Restore(before[(before.Count / 2)..]);
        foreach (var window in new[] { TimeSpan.FromMinutes(15), TimeSpan.FromHours(48), TimeSpan.FromDays(30) })
        {
            foreach (var key in live.Keys(SeriesDimension.Model).Append(SeriesKey.Total))
            {
                AssertSame(live.Aggregate(key, HistoryTestData.Now - window, HistoryTestData.Now), cache.Aggregate(key, HistoryTestData.Now - window, HistoryTestData.Now), $"{key} over {window}");
            }
        }
    }

    /// <summary>Each operation recorded when it arrives (end + delay), on a clock that only moves forward, as the collector does.</summary>
    private static (TimeSeriesCache Cache, UserCostLedger Ledger) RecordLive(List<(Core.Model.AiOperation Operation, TimeSpan Delay)> operations)
    {
        var first = operations.Min(o => o.Operation.EndTime);
        var clock = new FakeTimeProvider(first);
        var cache = new TimeSeriesCache(Options, clock);
        var ledger = new UserCostLedger(Options, clock);
        foreach (var (operation, delay) in operations.OrderBy(o => Arrival(o.Operation, o.Delay)))
        {
            var arrival = Min(Arrival(operation, delay), HistoryTestData.Now);
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

    private static (TimeSeriesCache Cache, UserCostLedger Ledger, int Placed) Restore(List<(Core.Model.AiOperation Operation, TimeSpan Delay)> operations)
    {
        var clock = new FakeTimeProvider(HistoryTestData.Now);
        var cache = new TimeSeriesCache(Options, clock);
        var ledger = new UserCostLedger(Options, clock);
        var placed = 0;
        foreach (var batch in operations.Select(o => o.Operation).Chunk(1000))
        {
            placed += cache.Restore(batch);
            ledger.Restore(batch);
        }

        return (cache, ledger, placed);
    }

    // An operation reaches the collector after it completed (at least a millisecond: the response has to travel).
    private static DateTimeOffset Arrival(Core.Model.AiOperation operation, TimeSpan delay) => operation.EndTime + delay + TimeSpan.FromMilliseconds(1);

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    internal static void AssertSame(WindowAggregate expected, WindowAggregate actual, string what)
    {
        Assert.True(expected.Requests == actual.Requests, $"{what}: requests {expected.Requests} vs {actual.Requests}");
        Assert.Equal(expected.Errors, actual.Errors);
        Assert.Equal(expected.InputTokens, actual.InputTokens);
        Assert.Equal(expected.OutputTokens, actual.OutputTokens);
        Assert.Equal(expected.CachedInputTokens, actual.CachedInputTokens);
        Assert.Equal(expected.ReasoningTokens, actual.ReasoningTokens);
        Assert.Equal(expected.CostUsd, actual.CostUsd);
        Assert.Equal(expected.UnpricedRequests, actual.UnpricedRequests);
        Assert.Equal(expected.LastSeen, actual.LastSeen);
        Assert.Equal(expected.Latency.Count, actual.Latency.Count);
        Assert.Equal(expected.TimeToFirstToken.Count, actual.TimeToFirstToken.Count);
        if (expected.Latency.Count > 0)
        {
            foreach (var q in new[] { 0.5, 0.95, 0.99 })
            {
                Assert.Equal(expected.Latency.Quantile(q), actual.Latency.Quantile(q));
            }

            Assert.Equal(expected.Latency.Min, actual.Latency.Min);
            Assert.Equal(expected.Latency.Max, actual.Latency.Max);

            // Sums of doubles added in another order differ in the last bits only.
            Assert.Equal(expected.Latency.Sum, actual.Latency.Sum, 1e-9 * Math.Max(1, expected.Latency.Sum));
        }

        if (expected.TimeToFirstToken.Count > 0)
        {
            Assert.Equal(expected.TimeToFirstToken.Quantile(0.5), actual.TimeToFirstToken.Quantile(0.5));
            Assert.Equal(expected.TimeToFirstToken.Quantile(0.95), actual.TimeToFirstToken.Quantile(0.95));
        }
    }
}
