using Conciergus.Core.Analytics;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Tests.TimeSeries;

namespace Conciergus.Dashboard.Tests.Analytics;

/// <summary>Issue 22 item 3: the chart bucket from the window and the chart's width, and exact merging of ring buckets.</summary>
public sealed class ChartStepTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    // Expected by hand: target = clamp(width / 5, 100, 300) points; the finest round step (1, 2, 3, 5, 10, 15, 20, 30 s,
    // 1, 2, 3, 5, 10, 15, 20, 30 min, 1, 2, 3, 6, 12 h, 1 d ...) that is a multiple of the ring step and gives at most
    // the target; e.g. 5 min at 650 px: target 130, 2 s gives 150 (too many), 3 s gives 100.
    [Theory]
    [InlineData(300, 650, 1, 3)]          // the default 5-minute window on a half-width chart: 3 s, not 1 s
    [InlineData(300, 0, 1, 3)]            // not measured yet: 650 px assumed
    [InlineData(300, 1300, 1, 2)]         // full width: target 260, 2 s (150 points)
    [InlineData(300, 2000, 1, 1)]         // very wide: target 300, 1 s (300 points)
    [InlineData(300, 200, 1, 3)]          // a phone: never fewer than 100 points targeted
    [InlineData(900, 650, 1, 10)]         // 15 min: 90 points
    [InlineData(3600, 650, 60, 60)]       // 1 h is read from the minute ring: nothing finer than 1 min exists
    [InlineData(21600, 650, 60, 180)]     // 6 h: 3 min (120 points), a merge of three minute buckets
    [InlineData(86400, 650, 60, 900)]     // 24 h: 15 min (96 points)
    [InlineData(604800, 650, 3600, 7200)] // 7 d: 2 h (84 points)
    [InlineData(2592000, 650, 3600, 21600)] // 30 d: 6 h (120 points)
    [InlineData(2592000, 2000, 3600, 10800)] // 30 d, wide: 3 h (240 points)
    [InlineData(300, 650, 7, 7)]          // a custom 7 s ring: the smallest multiple of it that fits
    [InlineData(3600, 650, 7, 28)]        // 1 h on a 7 s ring: 3600 / 130 = 27.7 s, rounded up to 4 x 7 s
    public void Choose_WindowWidthAndRing_RoundStepNearTarget(int windowSeconds, int widthPx, int resolutionSeconds, int expectedSeconds)
    {
        var step = ChartStep.Choose(TimeSpan.FromSeconds(windowSeconds), widthPx, TimeSpan.FromSeconds(resolutionSeconds));

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), step);
    }

    [Fact]
    public void Choose_EveryPresetAndWidth_MultipleOfRingAndWithinTarget()
    {
        var presets = new[] { TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), Hour, TimeSpan.FromHours(6), TimeSpan.FromDays(1), TimeSpan.FromDays(7), TimeSpan.FromDays(30) };
        foreach (var window in presets)
        {
            var resolution = window <= TimeSpan.FromMinutes(15) ? Second : window <= TimeSpan.FromHours(48) ? Minute : Hour;
            foreach (var width in new[] { 0, 300, 390, 650, 900, 1300, 2400 })
            {
                var step = ChartStep.Choose(window, width, resolution);
                var points = ChartStep.Points(window, step);
                Assert.True(step.Ticks % resolution.Ticks == 0, $"{window} at {width}px: {step} is not a multiple of {resolution}");
                Assert.True(points <= ChartStep.TargetPoints(width) || step == resolution, $"{window} at {width}px: {points} points");
                Assert.True(points >= ChartStep.MinPoints / 2 || step == resolution, $"{window} at {width}px: only {points} points at {step}");
            }
        }
    }

    [Theory]
    [InlineData(0, 3, 3)]       // a whole bucket behind now: the step
    [InlineData(1500, 3, 1.5)]  // the bucket in progress: the time elapsed in it
    [InlineData(200, 3, 1)]     // a bucket a moment old: at least one second
    [InlineData(200, 0.5, 0.5)] // ... but never more than the step
    public void Elapsed_BucketInProgress_TimeSoFar(int msIntoBucket, double stepSeconds, double expectedSeconds)
    {
        var start = TimeSeriesTestData.Noon;
        var step = TimeSpan.FromSeconds(stepSeconds);
        var to = msIntoBucket == 0 ? start + step + step : start.AddMilliseconds(msIntoBucket);

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), ChartStep.Elapsed(start, step, to));
    }

    /// <summary>
    /// Display buckets of 3 s over the 1 s ring and of 3 min over the minute ring equal a brute-force merge of the raw ring
    /// buckets they cover: counts, tokens and cost summed, percentiles of the merged sketches (bit for bit), error rate
    /// as summed errors over summed requests, request rate as the total over the time elapsed.
    /// </summary>
    [Theory]
    [InlineData(300, 3, 1, 14)]       // 5 min, 3 s display buckets from 1 s ring buckets (operations over 14 min)
    [InlineData(21600, 180, 60, 300)] // 6 h, 3 min display buckets from 1 min ring buckets (operations over 5 h)
    public void Line_CoarserDisplayBuckets_EqualBruteForceMergeOfRingBuckets(int windowSeconds, int stepSeconds, int ringSeconds, int spreadMinutes)
    {
        // Now is 1.5 s into a display bucket, so the newest point is a bucket in progress.
        var clock = TimeSeriesTestData.Clock(TimeSeriesTestData.Noon.AddSeconds(stepSeconds * 40).AddMilliseconds(1500));
        var options = TimeSeriesTestData.Options();
        var cache = new TimeSeriesCache(options, clock);
        var analytics = new AnalyticsService(cache, new UserCostLedger(options, clock), new RecentErrors(), options, clock);
        var random = new Random(22);
        var now = clock.GetUtcNow();
        for (var i = 0; i < 4000; i++)
        {
            var error = random.NextDouble() < 0.1;
            cache.Record(TimeSeriesTestData.Op(
                now.AddMilliseconds(-random.NextDouble() * spreadMinutes * 60_000),
                durationMs: Math.Exp(random.NextDouble() * 9),
                inputTokens: random.Next(1, 5000),
                outputTokens: random.Next(1, 900),
                costUsd: random.Next(1, 100_000) / 1_000_000m,
                ttftMs: random.NextDouble() < 0.5 ? random.NextDouble() * 2000 : null,
                status: error ? AiOperationStatus.Error : AiOperationStatus.Ok,
                errorCategory: error ? ErrorCategory.RateLimit : ErrorCategory.None));
        }

        var window = TimeSpan.FromSeconds(windowSeconds);
        var step = TimeSpan.FromSeconds(stepSeconds);
        var ring = TimeSpan.FromSeconds(ringSeconds);
        Assert.Equal(step, analytics.ChartStepFor(window, 650));

        // Brute force: the ring's own buckets over the same window, merged by hand into display buckets.
        var to = now.AddTicks(1);
        var from = to - window;
        var raw = cache.Range(SeriesKey.Total, new DateTimeOffset(from.UtcTicks / step.Ticks * step.Ticks, TimeSpan.Zero), to, ring);
        var expected = raw
            .GroupBy(b => b.Start.UtcTicks / step.Ticks * step.Ticks)
            .Select(g =>
            {
                var merged = new WindowAggregate();
                foreach (var bucket in g)
                {
                    merged.Merge(bucket.Aggregate);
                }

                return (Start: new DateTimeOffset(g.Key, TimeSpan.Zero), Aggregate: merged);
            })
            .ToList();
        Assert.True(expected.Sum(e => e.Aggregate.Requests) > 500, "the window holds data");

        var requests = analytics.Line(TimeSeriesMetric.Requests, SeriesKey.Total, window, step).Points;
        var rate = analytics.Line(TimeSeriesMetric.RequestsPerSecond, SeriesKey.Total, window, step).Points;
        var cost = analytics.Line(TimeSeriesMetric.Cost, SeriesKey.Total, window, step).Points;
        var tokens = analytics.Line(TimeSeriesMetric.Tokens, SeriesKey.Total, window, step).Points;
        var errorRate = analytics.Line(TimeSeriesMetric.ErrorRate, SeriesKey.Total, window, step).Points;
        var p95 = analytics.Line(TimeSeriesMetric.LatencyP95, SeriesKey.Total, window, step).Points;
        var p99 = analytics.Line(TimeSeriesMetric.LatencyP99, SeriesKey.Total, window, step).Points;
        var ttft = analytics.Line(TimeSeriesMetric.TtftP50, SeriesKey.Total, window, step).Points;

        Assert.Equal(expected.Count, requests.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (start, a) = expected[i];
            Assert.Equal(start.ToUnixTimeMilliseconds(), requests[i][0]);
            Assert.Equal(a.Requests, requests[i][1]);
            Assert.Equal((double)a.CostUsd, cost[i][1]);
            Assert.Equal(a.InputTokens + a.OutputTokens, tokens[i][1]);
            Assert.Equal(a.Requests == 0 ? null : (double)a.Errors / a.Requests, errorRate[i][1]);
            Assert.Equal(a.Latency.Count == 0 ? null : a.Latency.Quantile(0.95), p95[i][1]);
            Assert.Equal(a.Latency.Count == 0 ? null : a.Latency.Quantile(0.99), p99[i][1]);
            Assert.Equal(a.TimeToFirstToken.Count == 0 ? null : a.TimeToFirstToken.Quantile(0.5), ttft[i][1]);
            var elapsed = i == expected.Count - 1 ? (to - start).TotalSeconds : step.TotalSeconds;
            Assert.Equal(a.Requests / elapsed, rate[i][1]!.Value, 9);
        }

        // The newest point is the bucket in progress, 1.5 s old: its rate is its count over 1.5 s, not over the step.
        Assert.Equal(1.5, (to - expected[^1].Start).TotalSeconds, 6);
    }

    [Fact]
    public void Line_DisplayBuckets_CountsEqualRawOperationsAndPercentilesWithinSketchAccuracy()
    {
        var clock = TimeSeriesTestData.Clock();
        var options = TimeSeriesTestData.Options();
        var cache = new TimeSeriesCache(options, clock);
        var analytics = new AnalyticsService(cache, new UserCostLedger(options, clock), new RecentErrors(), options, clock);
        var random = new Random(7);
        var now = clock.GetUtcNow();
        var operations = new List<AiOperation>();
        for (var i = 0; i < 3000; i++)
        {
            var op = TimeSeriesTestData.Op(now.AddMilliseconds(-random.NextDouble() * 290_000), durationMs: 50 + (random.NextDouble() * 20_000));
            operations.Add(op);
            cache.Record(op);
        }

        var step = TimeSpan.FromSeconds(3);
        var line = analytics.Line(TimeSeriesMetric.Requests, SeriesKey.Total, TimeSpan.FromMinutes(5), step).Points;
        var p99 = analytics.Line(TimeSeriesMetric.LatencyP99, SeriesKey.Total, TimeSpan.FromMinutes(5), step).Points;
        for (var i = 0; i < line.Count; i++)
        {
            var start = DateTimeOffset.FromUnixTimeMilliseconds((long)line[i][0]!.Value);
            var inBucket = operations.Where(o => o.EndTime >= start && o.EndTime < start + step).Select(o => o.DurationMs).Order().ToList();
            Assert.Equal(inBucket.Count, line[i][1]);
            if (inBucket.Count > 0)
            {
                // numpy "lower": the sample at rank floor(0.99 (n - 1)); the sketch promises 2% relative error.
                var exact = inBucket[(int)Math.Floor(0.99 * (inBucket.Count - 1))];
                Assert.InRange(p99[i][1]!.Value, exact * 0.98, exact * 1.02);
            }
        }
    }
}
