using Conciergus.Core.TimeSeries;

using static Conciergus.Dashboard.Tests.TimeSeries.TimeSeriesTestData;

namespace Conciergus.Dashboard.Tests.TimeSeries;

public sealed class UserCostLedgerTests
{
    [Fact]
    public void Top_SeveralUsers_OrdersByCostDescendingAndLimits()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(), clock);
        var now = clock.GetUtcNow();
        ledger.Record("alice", now, 1.50m, 100, 10);
        ledger.Record("bob", now, 4.00m, 200, 20);
        ledger.Record("carol", now, 0.10m, 5, 1);
        ledger.Record("alice", now.AddHours(-1), 3.00m, 50, 5);

        var top = ledger.Top(now.Date, now.Date.AddDays(1), limit: 2);

        Assert.Equal(
            [new UserCostRow("alice", 4.50m, 2, 150, 15), new UserCostRow("bob", 4.00m, 1, 200, 20)],
            top);
    }

    [Fact]
    public void ForUser_SeveralDays_SumsDaysOverlappingRange()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(), clock);
        var today = clock.GetUtcNow();
        ledger.Record("alice", today.AddDays(-2), 1m, 10, 1);
        ledger.Record("alice", today.AddDays(-1), 2m, 20, 2);
        ledger.Record("alice", today, 4m, 40, 4);

        // 23:00 two days ago to 01:00 yesterday overlaps exactly those two UTC days.
        var twoDays = ledger.ForUser("alice", today.Date.AddDays(-1).AddHours(-1), today.Date.AddHours(-23));
        var all = ledger.ForUser("alice", today.AddDays(-30), today.AddDays(1));

        Assert.Equal(new UserCostRow("alice", 3m, 2, 30, 3), twoDays);
        Assert.Equal(new UserCostRow("alice", 7m, 3, 70, 7), all);
        Assert.Null(ledger.ForUser("bob", today.AddDays(-30), today.AddDays(1)));
    }

    [Fact]
    public void Record_DayOlderThanRetention_IsEvicted()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(userLedgerDays: 3), clock);
        var first = clock.GetUtcNow();
        ledger.Record("alice", first, 1m, 1, 1);

        clock.Advance(TimeSpan.FromDays(2));
        var stillKept = ledger.ForUser("alice", first.AddDays(-1), clock.GetUtcNow().AddDays(1));
        clock.Advance(TimeSpan.FromDays(1));
        var afterEviction = ledger.ForUser("alice", first.AddDays(-1), clock.GetUtcNow().AddDays(1));
        ledger.Record("alice", first, 5m, 1, 1);

        Assert.Equal(1m, stillKept?.CostUsd);
        Assert.Null(afterEviction);
        Assert.Null(ledger.ForUser("alice", first.AddDays(-1), clock.GetUtcNow().AddDays(1)));
    }

    [Fact]
    public void Record_SlotReusedByNewerDay_DropsOldDayRows()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(userLedgerDays: 2), clock);
        var first = clock.GetUtcNow();
        ledger.Record("alice", first, 1m, 1, 1);

        clock.Advance(TimeSpan.FromDays(2));
        ledger.Record("bob", clock.GetUtcNow(), 2m, 1, 1);

        Assert.Equal([new UserCostRow("bob", 2m, 1, 1, 1)], ledger.Top(first.AddDays(-5), clock.GetUtcNow().AddDays(1), 10));
    }

    [Fact]
    public void Record_MoreUsersThanDayCap_SendsExtrasToOverflowRow()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(maxUsersPerDay: 2), clock);
        var now = clock.GetUtcNow();
        foreach (var user in new[] { "u1", "u2", "u3", "u4", "u1" })
        {
            ledger.Record(user, now, 1m, 1, 1);
        }

        clock.Advance(TimeSpan.FromDays(1));
        ledger.Record("u3", clock.GetUtcNow(), 1m, 1, 1);

        var firstDay = ledger.Top(now.Date, now.Date.AddDays(1), 10);
        // u1 and the overflow row (u3 + u4) tie on cost and requests; ordinal order puts "__overflow__" first.
        Assert.Equal([UserCostLedger.OverflowUserId, "u1", "u2"], firstDay.Select(r => r.UserId));
        Assert.Equal(2, firstDay.Single(r => r.UserId == UserCostLedger.OverflowUserId).Requests);
        Assert.Equal(2, ledger.OverflowCount);
        Assert.Equal(1m, ledger.ForUser("u3", clock.GetUtcNow().Date, clock.GetUtcNow().Date.AddDays(1))?.CostUsd);
    }

    [Fact]
    public void Record_FutureTimestamp_IsBookedOnToday()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(), clock);
        var now = clock.GetUtcNow();

        ledger.Record("alice", now.AddDays(3), 1m, 1, 1);

        Assert.Equal(1m, ledger.ForUser("alice", now.Date, now.Date.AddDays(1))?.CostUsd);
    }

    [Fact]
    public void Top_EmptyRange_ReturnsNothing()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(), clock);
        var now = clock.GetUtcNow();
        ledger.Record("alice", now, 1m, 1, 1);

        Assert.Empty(ledger.Top(now, now, 10));
        Assert.Empty(ledger.Top(now.AddDays(-1), now.AddDays(1), 0));
    }

    [Fact]
    public async Task Record_ParallelWriters_SumsExactly()
    {
        var clock = Clock();
        var ledger = new UserCostLedger(Options(), clock);
        var now = clock.GetUtcNow();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                ledger.Record($"user{i % 10}", now, 0.01m, 2, 1);
            }
        })));

        var top = ledger.Top(now.Date, now.Date.AddDays(1), 100);
        Assert.Equal(10, top.Count);
        Assert.All(top, row => Assert.Equal(4_000, row.Requests));
        Assert.Equal(400m, top.Sum(r => r.CostUsd));
    }
}
