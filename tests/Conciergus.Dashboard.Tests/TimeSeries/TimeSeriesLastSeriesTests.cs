using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

using static Conciergus.Dashboard.Tests.TimeSeries.TimeSeriesTestData;

namespace Conciergus.Dashboard.Tests.TimeSeries;

/// <summary>
/// The per-dimension last-lookup cache (DimensionSeries.Last): an operation goes to the same series whether its value
/// repeats the previous operation's, alternates with it, or arrives as another string instance.
/// </summary>
public sealed class TimeSeriesLastSeriesTests
{
    [Fact]
    public void Record_RepeatedAndAlternatingValues_EachSeriesHoldsExactlyItsOperations()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        string[] models = ["a", "a", "b", "a", "b", "b", "c", "a", "c", "c"];
        var operations = new List<AiOperation>();
        for (var i = 0; i < models.Length; i++)
        {
            operations.Add(Op(
                now,
                durationMs: 100 + (7 * i),
                provider: i % 2 == 0 ? "openai" : "azure.ai.openai",

                // Equal values as distinct string instances, as an OTLP decoder hands them over.
                model: new string(models[i].AsSpan()),
                application: i % 3 == 0 ? "app" : new string("app".AsSpan()),
                costUsd: 0.001m * (i + 1),
                functionId: i % 4 == 0 ? "summarize" : "classify",
                experimentKey: "prompt",
                experimentVariant: i % 2 == 0 ? "A" : "B"));
            cache.Record(operations[^1]);
        }

        AssertSeries(cache, now, SeriesKey.Total, operations);
        foreach (var group in operations.GroupBy(o => (o.Provider!, o.Model)))
        {
            AssertSeries(cache, now, SeriesKey.ForModel(group.Key.Item1, group.Key.Model), group);
        }

        foreach (var group in operations.GroupBy(o => o.Provider!))
        {
            AssertSeries(cache, now, new SeriesKey(SeriesDimension.Provider, group.Key), group);
        }

        foreach (var group in operations.GroupBy(o => o.FunctionId!))
        {
            AssertSeries(cache, now, new SeriesKey(SeriesDimension.FunctionId, group.Key), group);
        }

        foreach (var group in operations.GroupBy(o => o.ExperimentVariant!))
        {
            AssertSeries(cache, now, new SeriesKey(SeriesDimension.ExperimentVariant, "prompt/" + group.Key), group);
        }

        AssertSeries(cache, now, new SeriesKey(SeriesDimension.Application, "app"), operations);
        Assert.Single(cache.Keys(SeriesDimension.Application));
        Assert.Equal(1 + 6 + 2 + 1 + 1 + 2 + 2, cache.SeriesCount);
    }

    [Fact]
    public void Record_SameValueBeyondCapInARow_GoesToOverflowEveryTime()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(maxSeriesPerDimension: 2), clock);
        var now = clock.GetUtcNow();

        foreach (var function in new[] { "a", "b", "c", "c", "c", "a", "a" })
        {
            cache.Record(Op(now, functionId: function));
        }

        var overflow = new SeriesKey(SeriesDimension.FunctionId, SeriesKey.OverflowValue);
        Assert.Equal(3, cache.OverflowCount);
        Assert.Equal(3, cache.Aggregate(overflow, now, now.AddSeconds(1)).Requests);
        Assert.Equal(3, cache.Aggregate(new SeriesKey(SeriesDimension.FunctionId, "a"), now, now.AddSeconds(1)).Requests);
    }

    [Fact]
    public void Record_ValueAgainAfterItsSeriesWasReleased_LandsInANewSeries()
    {
        var clock = Clock();
        var options = Options(resolutions: [(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10)), (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5))]);
        var cache = new TimeSeriesCache(options, clock);
        var key = new SeriesKey(SeriesDimension.FunctionId, "summarize");
        cache.Record(Op(clock.GetUtcNow(), functionId: "summarize"));

        // Past the coarsest retention the series is released while it is the dimension's last lookup.
        clock.Advance(TimeSpan.FromMinutes(6));
        cache.ReleaseIdle();
        Assert.DoesNotContain(key, cache.Keys(SeriesDimension.FunctionId));

        var later = clock.GetUtcNow();
        cache.Record(Op(later, functionId: "summarize"));
        cache.Record(Op(later, functionId: "summarize"));

        Assert.Equal([key], cache.Keys(SeriesDimension.FunctionId));
        Assert.Equal(2, cache.Aggregate(key, later.AddMinutes(-10), later.AddSeconds(1)).Requests);
    }

    private static void AssertSeries(TimeSeriesCache cache, DateTimeOffset now, SeriesKey key, IEnumerable<AiOperation> expected)
    {
        var operations = expected.ToList();
        var window = cache.Aggregate(key, now, now.AddSeconds(1));
        Assert.Equal(operations.Count, window.Requests);
        Assert.Equal(operations.Sum(o => o.CostUsd!.Value), window.CostUsd);
        Assert.Equal(operations.Sum(o => o.DurationMs), window.Latency.Sum, 9);
        Assert.Equal(operations.Min(o => o.DurationMs), window.Latency.Min, 9);
    }
}
