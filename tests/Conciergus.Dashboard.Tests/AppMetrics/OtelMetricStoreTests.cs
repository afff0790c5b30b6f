using Conciergus.Core.AppMetrics;
using static Conciergus.Dashboard.Tests.AppMetrics.OtelMetricFactory;

namespace Conciergus.Dashboard.Tests.AppMetrics;

public sealed class OtelMetricStoreTests
{
    private static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);

    /// <summary>Values of the single "total" line, step 10 s, over the last minute.</summary>
    private static double?[] Line(OtelMetricStore store, string metric, DateTimeOffset now, string? groupBy = null, string key = "total")
    {
        var report = store.Query(metric, now.AddMinutes(-1), now.AddTicks(1), TenSeconds, groupBy, null);
        var line = Assert.Single(report.Series, l => l.Key == key);
        return [.. line.Points.Select(p => p[1])];
    }

    [Fact]
    public void Accept_CounterDeltaAndCumulative_GiveTheSameRates()
    {
        var (store, time) = Store();
        var appStart = Start.AddSeconds(1); // after the store started: the first cumulative point counts whole
        time.Advance(TimeSpan.FromSeconds(60));
        var t = new[] { Start.AddSeconds(15), Start.AddSeconds(25), Start.AddSeconds(35) };

        store.Accept(Request("app", Sum("req.delta", monotonic: true, delta: true,
            Point(5, t[0], appStart), Point(3, t[1], t[0]), Point(7, t[2], t[1]))));
        store.Accept(Request("app", Sum("req.cumulative", monotonic: true, delta: false,
            Point(5, t[0], appStart), Point(8, t[1], appStart), Point(15, t[2], appStart))));

        var delta = Line(store, "otel:req.delta", time.GetUtcNow());
        var cumulative = Line(store, "otel:req.cumulative", time.GetUtcNow());
        Assert.Equal(delta, cumulative);
        // Steps of 10 s from 12:00:00: [0,10) nothing, [10,20) 5, [20,30) 3, [30,40) 7 -> per second.
        Assert.Equal(new double?[] { null, 0.5, 0.3, 0.7, null, null, null }, delta);
        Assert.Equal(15, store.Value("req.cumulative", OtelAggregation.Sum, "app", Start, time.GetUtcNow().AddTicks(1)));
    }

    [Fact]
    public void Accept_CumulativeCounterOlderThanTheStore_FirstPointIsOnlyTheBaseline()
    {
        var (store, time) = Store();
        time.Advance(TimeSpan.FromSeconds(60));
        var appStart = Start.AddHours(-5);
        store.Accept(Request("app", Sum("req", true, false, Point(1000, Start.AddSeconds(15), appStart), Point(1012, Start.AddSeconds(25), appStart))));

        Assert.Equal(12, store.Value("req", OtelAggregation.Sum, null, Start, time.GetUtcNow()));
        Assert.Equal(0, store.Stats.Resets);
    }

    [Fact]
    public void Accept_CounterReset_NewStartOrSmallerValueCountsFromZero()
    {
        var (store, time) = Store();
        time.Advance(TimeSpan.FromSeconds(60));
        var firstLife = Start.AddHours(-1);
        var secondLife = Start.AddSeconds(30);
        store.Accept(Request("app", Sum("req", true, false,
            Point(10, Start.AddSeconds(5), firstLife),   // baseline
            Point(25, Start.AddSeconds(15), firstLife),  // +15
            Point(4, Start.AddSeconds(35), secondLife),  // restarted: +4, not -21
            Point(9, Start.AddSeconds(45), secondLife),  // +5
            Point(2, Start.AddSeconds(55), secondLife)))); // went down without a new start: reset, +2

        Assert.Equal(new double?[] { 0, 15, null, 4, 5, 2, null }, Line(store, "otel:req:sum", time.GetUtcNow()));
        Assert.Equal(2, store.Stats.Resets);
        Assert.Equal(0, store.Stats.DroppedPoints);
    }

    [Fact]
    public void Accept_HistogramCumulative_MeanAndRateFromIncreases()
    {
        var (store, time) = Store();
        time.Advance(TimeSpan.FromSeconds(60));
        var appStart = Start.AddHours(-1);
        store.Accept(Request("app", Histogram("http.server.request.duration", delta: false,
            (100, 20.0, Start.AddSeconds(5), appStart),
            (110, 21.0, Start.AddSeconds(15), appStart),   // 10 requests, 1.0 s -> mean 0.1
            (130, 27.0, Start.AddSeconds(25), appStart)))); // 20 requests, 6.0 s -> mean 0.3

        var mean = Line(store, "otel:http.server.request.duration", time.GetUtcNow());
        Assert.Null(mean[0]);
        Assert.Equal(0.1, mean[1]!.Value, 9);
        Assert.Equal(0.3, mean[2]!.Value, 9);
        Assert.Equal(new double?[] { 0, 1, 2, null, null, null, null }, Line(store, "otel:http.server.request.duration:rate", time.GetUtcNow()));
    }

    [Fact]
    public void Accept_GaugesAndLevels_LastValuePerStepAddedAcrossAttributeSets()
    {
        var (store, time) = Store();
        time.Advance(TimeSpan.FromSeconds(60));
        store.Accept(Request("api", Gauge("process.memory.usage", Point(100, Start.AddSeconds(11)), Point(300, Start.AddSeconds(19)))));
        store.Accept(Request("api", Sum("http.server.active_requests", monotonic: false, delta: false,
            Point(2, Start.AddSeconds(12), null, ("http.request.method", "GET")),
            Point(5, Start.AddSeconds(12), null, ("http.request.method", "POST")))));
        store.Accept(Request("worker", Sum("http.server.active_requests", monotonic: false, delta: true,
            Point(3, Start.AddSeconds(11)), Point(-1, Start.AddSeconds(13)))));

        Assert.Equal(300, Line(store, "otel:process.memory.usage", time.GetUtcNow())[1]);
        Assert.Equal(200, Line(store, "otel:process.memory.usage:avg", time.GetUtcNow())[1]);
        Assert.Equal(7, Line(store, "otel:http.server.active_requests", time.GetUtcNow(), "application", "api")[1]);
        Assert.Equal(2, Line(store, "otel:http.server.active_requests", time.GetUtcNow(), "application", "worker")[1]); // 3 then -1: level 2
        Assert.Equal(5, Line(store, "otel:http.server.active_requests", time.GetUtcNow(), "attr.http.request.method", "POST")[1]);
        Assert.Equal(9, Line(store, "otel:http.server.active_requests", time.GetUtcNow())[1]);
    }

    [Fact]
    public void Accept_OverTheCaps_OverflowSeriesAndDropsAreCounted()
    {
        var (store, time) = Store(new AppMetricsOptions { MaxAttributeSetsPerService = 2, MaxServicesPerMetric = 1, MaxSeries = 4, MaxMetrics = 2 });
        time.Advance(TimeSpan.FromSeconds(30));
        var at = Start.AddSeconds(20);
        store.Accept(Request("a", Gauge("g", Point(1, at, null, ("k", "1")), Point(2, at, null, ("k", "2")), Point(4, at, null, ("k", "3")), Point(8, at, null, ("k", "4")))));
        store.Accept(Request("b", Gauge("g", Point(16, at))));
        store.Accept(Request("a", Gauge("h", Point(1, at))));
        store.Accept(Request("a", Gauge("i", Point(1, at))));

        var byAttr = store.Values("g", OtelAggregation.Last, "attr.k", Start, time.GetUtcNow());
        // The overflow set folds k=3 and k=4: its last value is the latest point (8); the overflow service has no k ("").
        Assert.Equal([("", 16.0), ("1", 1.0), ("2", 2.0), ("__overflow__", 8.0)], byAttr);
        var byApp = store.Values("g", OtelAggregation.Last, "application", Start, time.GetUtcNow());
        Assert.Equal([("__overflow__", 16.0), ("a", 11.0)], byApp);
        var stats = store.Stats;
        Assert.Equal(3, stats.OverflowPoints);   // k=3, k=4, service b
        Assert.Equal(4, stats.Series);           // a/1, a/2, a/overflow, overflow-service; h is over the series cap
        Assert.Equal(2, stats.DroppedPoints);    // h: series cap; i: instrument cap
        Assert.Equal(2, stats.Metrics);
        Assert.Contains("instrument cap", stats.LastDropReason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("otel:process.memory.usage", "process.memory.usage", OtelAggregation.Default)]
    [InlineData("otel:http.server.request.duration:rate", "http.server.request.duration", OtelAggregation.Rate)]
    [InlineData("OTEL:a/b-c:max", "a/b-c", OtelAggregation.Max)]
    public void TryParseMetric_ValidNames_NameAndAggregation(string text, string name, OtelAggregation aggregation)
    {
        Assert.True(OtelMetricStore.TryParseMetric(text, out var n, out var a, out _));
        Assert.Equal(name, n);
        Assert.Equal(aggregation, a);
    }

    [Theory]
    [InlineData("otel:")]
    [InlineData("otel:x:median")]
    [InlineData("requests")]
    public void TryParseMetric_Invalid_SaysWhy(string text)
    {
        Assert.False(OtelMetricStore.TryParseMetric(text, out _, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
