using Conciergus.Core.TimeSeries;

using static Conciergus.Dashboard.Tests.TimeSeries.TimeSeriesTestData;

namespace Conciergus.Dashboard.Tests.TimeSeries;

/// <summary>Memory budget: admission of new series, sparse rings, release after retention (TimeSeriesCache.Budget.cs).</summary>
public sealed class TimeSeriesBudgetTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly SeriesKey FunctionOverflow = new(SeriesDimension.FunctionId, SeriesKey.OverflowValue);

    /// <summary>Short rings (1 s x 10 s, 1 min x 5 min), a cap high enough that only the budget refuses.</summary>
    private static TimeSeriesOptions ShortRings(int budgetMb)
    {
        var options = Options(maxSeriesPerDimension: 1_000_000, resolutions: [(Second, TimeSpan.FromSeconds(10)), (Minute, TimeSpan.FromMinutes(5))]);
        options.MemoryBudgetMB = budgetMb;
        return options;
    }

    [Fact]
    public void Record_UniqueValuesPastBudget_SendsNewValuesToOverflowAndCountsThem()
    {
        var clock = Clock();
        var options = Options(maxSeriesPerDimension: 1_000_000);
        options.MemoryBudgetMB = 1;
        var cache = new TimeSeriesCache(options, clock);
        var now = clock.GetUtcNow();

        // The cardinality attack in small: every operation carries a function id never seen before.
        const int Operations = 2_000;
        for (var i = 0; i < Operations; i++)
        {
            cache.Record(Op(now, functionId: $"attack-{i}"));
        }

        var admitted = cache.Keys(SeriesDimension.FunctionId).Count(k => !k.IsOverflow);
        Assert.InRange(admitted, 10, Operations - 1);
        Assert.Equal(Operations - admitted, cache.BudgetRefusedCount);
        Assert.Equal(Operations - admitted, cache.OverflowCount);
        Assert.Equal(Operations - admitted, cache.Aggregate(FunctionOverflow, now, now.AddSeconds(1)).Requests);
        Assert.Equal(Operations, cache.Aggregate(SeriesKey.Total, now, now.AddSeconds(1)).Requests);

        // Admission stops once the estimate reaches the budget: it can pass it by at most the last admitted series.
        Assert.InRange(cache.EstimatedBytes, cache.MemoryBudgetBytes, cache.MemoryBudgetBytes + (64 * 1024));
    }

    [Fact]
    public void Record_KnownValueOverBudget_KeepsItsSeries()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(ShortRings(budgetMb: 1), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now, functionId: "known"));
        for (var i = 0; cache.BudgetRefusedCount == 0; i++)
        {
            cache.Record(Op(now, functionId: $"attack-{i}"));
        }

        cache.Record(Op(now, functionId: "known"));

        Assert.Equal(2, cache.Aggregate(new SeriesKey(SeriesDimension.FunctionId, "known"), now, now.AddSeconds(1)).Requests);
        Assert.Equal(1, cache.BudgetRefusedCount);
    }

    [Fact]
    public void ReleaseIdle_AfterEveryRetention_ReleasesSeriesAndAdmitsNewValuesAgain()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(ShortRings(budgetMb: 1), clock);
        var empty = cache.EstimatedBytes;
        var now = clock.GetUtcNow();
        for (var i = 0; cache.BudgetRefusedCount == 0; i++)
        {
            cache.Record(Op(now, functionId: $"attack-{i}"));
        }

        var refused = cache.BudgetRefusedCount;
        var seriesBefore = cache.SeriesCount;

        // Past the coarsest retention (5 min) nothing of those series is inside any ring.
        clock.Advance(TimeSpan.FromMinutes(6));
        cache.ReleaseIdle();

        Assert.Equal([FunctionOverflow], cache.Keys(SeriesDimension.FunctionId));
        Assert.Equal(seriesBefore - cache.ReleasedSeriesCount, cache.SeriesCount);
        Assert.True(cache.ReleasedSeriesCount > 10);
        Assert.True(cache.EstimatedBytes < cache.MemoryBudgetBytes / 4, $"{cache.EstimatedBytes} bytes left after the release");
        Assert.True(cache.EstimatedBytes > empty);

        var later = clock.GetUtcNow();
        cache.Record(Op(later, functionId: "returning"));

        Assert.Contains(new SeriesKey(SeriesDimension.FunctionId, "returning"), cache.Keys(SeriesDimension.FunctionId));
        Assert.Equal(1, cache.Aggregate(new SeriesKey(SeriesDimension.FunctionId, "returning"), later, later.AddSeconds(1)).Requests);
        Assert.Equal(refused, cache.BudgetRefusedCount);
    }

    [Fact]
    public void ReleaseIdle_EverythingExpired_MeterReturnsToWhatTheRemainingSeriesHold()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(ShortRings(budgetMb: 64), clock);
        var empty = cache.EstimatedBytes;
        var now = clock.GetUtcNow();
        for (var i = 0; i < 300; i++)
        {
            // Spread over 3 minutes with a few late ones, so all three write paths (fast, roll-up, every ring) allocate.
            var at = now.AddSeconds(i * 0.6);
            clock.SetUtcNow(at);
            cache.Record(Op(i % 7 == 0 ? at.AddSeconds(-30) : at, durationMs: 10 + (i * 37 % 5_000), functionId: $"f{i % 50}", model: $"m{i % 5}", ttftMs: i % 3 == 0 ? 20 : null));
        }

        clock.Advance(TimeSpan.FromMinutes(10));
        cache.ReleaseIdle();

        // Only Total is left (no overflow series was created): every chunk and series released gave back exactly what
        // it had added to the estimate.
        Assert.Equal(1, cache.SeriesCount);
        Assert.Equal(empty, cache.EstimatedBytes);
    }

    [Fact]
    public void ReleaseIdle_FinestRingExpiredButCoarseRingNot_KeepsEveryOperation()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(ShortRings(budgetMb: 64), clock);
        var now = clock.GetUtcNow();

        // The last seconds written are still "open" (not rolled up into the minute ring) when the series goes idle.
        for (var i = 0; i < 5; i++)
        {
            clock.SetUtcNow(now.AddSeconds(i));
            cache.Record(Op(now.AddSeconds(i), functionId: "f"));
        }

        var bytes = cache.EstimatedBytes;
        clock.Advance(TimeSpan.FromMinutes(2));
        cache.ReleaseIdle();

        var at = clock.GetUtcNow();
        var key = new SeriesKey(SeriesDimension.FunctionId, "f");
        Assert.Equal(5, cache.Aggregate(key, at.AddMinutes(-4), at).Requests);
        Assert.Equal(5, cache.Aggregate(SeriesKey.Total, at.AddMinutes(-4), at).Requests);
        Assert.Contains(key, cache.Keys(SeriesDimension.FunctionId));
        Assert.True(cache.EstimatedBytes < bytes, "the finest ring's chunks were released");

        // A late operation for those seconds now goes to the coarse ring directly and is counted once.
        cache.Record(Op(now.AddSeconds(2), functionId: "f"));
        Assert.Equal(6, cache.Aggregate(key, at.AddMinutes(-4), at).Requests);
    }

    [Fact]
    public void Record_SparseSeries_CostsAFractionOfTheDenseRings()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var empty = cache.EstimatedBytes;
        var now = clock.GetUtcNow();

        // Five new series (model, provider, operation, application, function) and Total, one operation each.
        cache.Record(Op(now, functionId: "f"));
        var perSeries = (cache.EstimatedBytes - empty) / 5.0;

        // Dense rings with default options: 4,503 buckets of 120 bytes = 540 KB per series.
        Assert.InRange(perSeries, 1_000, 16 * 1024);
    }

    [Fact]
    public async Task Record_ConcurrentUniqueValuesPastCapAndBudgetWithSweeps_NeverThrowsAndCountsEveryOperation()
    {
        var clock = Clock();
        var options = ShortRings(budgetMb: 1);
        options.MaxSeriesPerDimension = 200;
        var cache = new TimeSeriesCache(options, clock);
        var now = clock.GetUtcNow();
        const int Writers = 4;
        const int PerWriter = 3_000;
        using var stop = new CancellationTokenSource();

        // Sweeps run all along (as the once-a-minute one may, mid-attack); a writer's exception would fail its task.
        var sweeper = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                cache.ReleaseIdle();
            }
        });
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                var unique = $"{w}-{i}";
                cache.Record(Op(now, provider: "p-" + unique, model: "m-" + unique, application: "a-" + unique, environment: "e-" + unique, functionId: "f-" + unique));
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await sweeper;

        Assert.Equal(Writers * PerWriter, cache.Aggregate(SeriesKey.Total, now, now.AddSeconds(1)).Requests);
        foreach (var dimension in new[] { SeriesDimension.Model, SeriesDimension.Provider, SeriesDimension.Application, SeriesDimension.Environment, SeriesDimension.FunctionId })
        {
            var sum = cache.Keys(dimension).Sum(k => cache.Aggregate(k, now, now.AddSeconds(1)).Requests);
            Assert.Equal(Writers * PerWriter, sum);
        }
    }

    [Fact]
    public void Check_MemoryBudgetZero_SaysWhatIsWrong()
    {
        var failures = TimeSeriesOptionsValidator.Check(new TimeSeriesOptions { MemoryBudgetMB = 0 });

        Assert.Contains(failures, f => f.Contains("MemoryBudgetMB must be between 1", StringComparison.Ordinal));
    }
}
