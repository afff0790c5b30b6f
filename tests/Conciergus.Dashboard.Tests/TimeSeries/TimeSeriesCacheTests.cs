using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

using static Conciergus.Dashboard.Tests.TimeSeries.TimeSeriesTestData;

namespace Conciergus.Dashboard.Tests.TimeSeries;

public sealed class TimeSeriesCacheTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public void Aggregate_RecordedOperations_SumsEveryField()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now.AddSeconds(-3), durationMs: 200, inputTokens: 100, outputTokens: 40, cachedInputTokens: 30, cacheCreationInputTokens: 20, reasoningTokens: 10, costUsd: 0.25m, ttftMs: 50));
        cache.Record(Op(now.AddSeconds(-2), durationMs: 400, inputTokens: 1, outputTokens: 2, costUsd: 0.5m, pricing: PricingStatus.Provided));
        cache.Record(Op(now.AddSeconds(-1), durationMs: 800, costUsd: null, pricing: PricingStatus.Unpriced, status: AiOperationStatus.Error, errorCategory: ErrorCategory.RateLimit));

        var total = cache.Aggregate(SeriesKey.Total, now.AddMinutes(-5), now.AddSeconds(1));

        Assert.Equal(3, total.Requests);
        Assert.Equal(1, total.Errors);
        Assert.Equal(111, total.InputTokens);
        Assert.Equal(47, total.OutputTokens);
        Assert.Equal(30, total.CachedInputTokens);
        Assert.Equal(20, total.CacheCreationInputTokens);
        Assert.Equal(10, total.ReasoningTokens);
        Assert.Equal(0.75m, total.CostUsd);
        Assert.Equal(1, total.UnpricedRequests);
        Assert.Equal(3, total.Latency.Count);
        Assert.Equal(1400, total.Latency.Sum);
        Assert.Equal(1, total.TimeToFirstToken.Count);
        Assert.Equal(now.AddSeconds(-1), total.LastSeen);
    }

    [Fact]
    public void Record_OperationSpanningBuckets_IsBucketedByCompletionTime()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        // Started 10 s ago, finished 2 s ago.
        cache.Record(Op(now.AddSeconds(-2), durationMs: 8_000));

        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, now.AddSeconds(-10), now.AddSeconds(-2)).Requests);
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddSeconds(-2), now).Requests);
    }

    [Fact]
    public void Aggregate_OperationJustInsideFiveMinuteWindow_IsCounted()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now.AddMinutes(-5)));

        var window = cache.Aggregate(SeriesKey.Total, now.AddMinutes(-5), now);

        Assert.Equal(1, window.Requests);
    }

    [Fact]
    public void Aggregate_OperationJustOutsideFiveMinuteWindow_IsNotCounted()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now.AddMinutes(-5).AddTicks(-1)));

        var window = cache.Aggregate(SeriesKey.Total, now.AddMinutes(-5), now);

        Assert.Equal(0, window.Requests);
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddMinutes(-6), now).Requests);
    }

    [Fact]
    public void Aggregate_UnalignedFrom_IncludesPartiallyCoveredFirstBucket()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        // 12:00:00 - 30.2 s = 11:59:29.8: its second bucket [11:59:29, 11:59:30) overlaps a window from 11:59:29.9.
        cache.Record(Op(now.AddSeconds(-30.2)));

        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddSeconds(-30.1), now).Requests);
        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, now.AddSeconds(-30), now).Requests);
    }

    [Fact]
    public void Aggregate_WindowEndsAtBucketStart_ExcludesThatBucket()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now));

        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, now.AddMinutes(-1), now).Requests);
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddMinutes(-1), now.AddTicks(1)).Requests);
    }

    [Fact]
    public void StepFor_WindowLongerThanFifteenMinutes_SwitchesToMinuteResolution()
    {
        var clock = Clock(Noon.AddSeconds(30));
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        Assert.Equal(Second, cache.StepFor(now.AddMinutes(-15)));
        Assert.Equal(Minute, cache.StepFor(now.AddMinutes(-15).AddSeconds(-1)));
        Assert.Equal(Minute, cache.StepFor(now.AddHours(-48)));
        Assert.Equal(TimeSpan.FromHours(1), cache.StepFor(now.AddHours(-49)));
    }

    [Fact]
    public void Aggregate_AcrossFifteenMinuteSwitch_ReadsMinuteBuckets()
    {
        // Now is 12:00:30. A at 11:45:40 (14m50s ago), B at 11:45:10 (15m20s ago).
        var clock = Clock(Noon.AddSeconds(30));
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now.AddSeconds(-890)));
        cache.Record(Op(now.AddSeconds(-920)));

        // Second buckets: only A's second is in the window.
        var recent = cache.Aggregate(SeriesKey.Total, now.AddSeconds(-890), now);

        // 15m10s is beyond the second ring, so minute buckets answer: [11:45, 11:46) overlaps the window and holds both.
        var longer = cache.Aggregate(SeriesKey.Total, now.AddSeconds(-910), now);

        Assert.Equal(1, recent.Requests);
        Assert.Equal(2, longer.Requests);
    }

    [Fact]
    public void Aggregate_AfterFineRingExpires_StillAnsweredByCoarserRing()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var recordedAt = clock.GetUtcNow().AddSeconds(10);
        clock.Advance(TimeSpan.FromSeconds(10));
        cache.Record(Op(recordedAt));

        clock.Advance(TimeSpan.FromMinutes(20));
        var window = cache.Aggregate(SeriesKey.Total, recordedAt, recordedAt.AddSeconds(1));

        Assert.Equal(Minute, cache.StepFor(recordedAt));
        Assert.Equal(1, window.Requests);
    }

    [Fact]
    public void Record_RingWraps_EvictsOldBucket()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(resolutions: [(Second, TimeSpan.FromSeconds(10))]), clock);
        var start = clock.GetUtcNow();
        cache.Record(Op(start, durationMs: 100));

        // 11 s later the ring's 11 slots have turned once; the new operation reuses the same slot.
        clock.Advance(TimeSpan.FromSeconds(11));
        cache.Record(Op(clock.GetUtcNow(), durationMs: 900));
        var all = cache.Aggregate(SeriesKey.Total, start.AddMinutes(-1), clock.GetUtcNow().AddSeconds(1));

        Assert.Equal(1, all.Requests);
        Assert.Equal(900, all.Latency.Max);
        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, start, start.AddSeconds(1)).Requests);
    }

    [Fact]
    public void Aggregate_BucketOutOfReachWithoutNewWrites_IsNotReported()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(resolutions: [(Second, TimeSpan.FromSeconds(10))]), clock);
        var start = clock.GetUtcNow();
        cache.Record(Op(start));

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, start, clock.GetUtcNow()).Requests);

        // Nothing overwrote the slot, but it is now older than the ring's reach.
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(0, cache.Aggregate(SeriesKey.Total, start, clock.GetUtcNow()).Requests);
    }

    [Fact]
    public void Record_OlderThanEveryRing_CountsTooOld()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        cache.Record(Op(now.AddDays(-31)));
        cache.Record(Op(now.AddDays(-29)));

        Assert.Equal(1, cache.TooOldCount);
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddDays(-40), now.AddSeconds(1)).Requests);
    }

    [Fact]
    public void Record_OlderThanFineRingOnly_IsNotTooOld()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        cache.Record(Op(now.AddHours(-1)));

        Assert.Equal(0, cache.TooOldCount);
        Assert.Equal(1, cache.Aggregate(SeriesKey.Total, now.AddHours(-2), now).Requests);
        Assert.All(cache.Range(SeriesKey.Total, now.AddHours(-1), now.AddHours(-1).AddSeconds(5), Second), p => Assert.Equal(0, p.Aggregate.Requests));
    }

    [Fact]
    public void Record_CompletionInFuture_IsClampedToNow()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        cache.Record(Op(now.AddHours(2)));
        var window = cache.Aggregate(SeriesKey.Total, now, now.AddSeconds(1));

        Assert.Equal(1, window.Requests);
        Assert.Equal(now, window.LastSeen);
    }

    [Fact]
    public void Record_FullOperation_CreatesSeriesInEveryDimension()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now, provider: "anthropic", model: "claude-sonnet-4", operation: AiOperationKinds.StreamText, application: "support-bot",
            status: AiOperationStatus.Error, errorCategory: ErrorCategory.RateLimit, environment: "production", functionId: "summarize",
            experimentKey: "prompt-v2", experimentVariant: "B"));

        Assert.Equal([SeriesKey.Total], cache.Keys(SeriesDimension.Total));
        Assert.Equal([SeriesKey.ForModel("anthropic", "claude-sonnet-4")], cache.Keys(SeriesDimension.Model));
        Assert.Equal([new SeriesKey(SeriesDimension.Provider, "anthropic")], cache.Keys(SeriesDimension.Provider));
        Assert.Equal([new SeriesKey(SeriesDimension.Operation, "stream_text")], cache.Keys(SeriesDimension.Operation));
        Assert.Equal([new SeriesKey(SeriesDimension.Application, "support-bot")], cache.Keys(SeriesDimension.Application));
        Assert.Equal([new SeriesKey(SeriesDimension.ErrorCategory, "rate_limit")], cache.Keys(SeriesDimension.ErrorCategory));
        Assert.Equal([new SeriesKey(SeriesDimension.Environment, "production")], cache.Keys(SeriesDimension.Environment));
        Assert.Equal([new SeriesKey(SeriesDimension.FunctionId, "summarize")], cache.Keys(SeriesDimension.FunctionId));
        Assert.Equal([new SeriesKey(SeriesDimension.ExperimentVariant, "prompt-v2/B")], cache.Keys(SeriesDimension.ExperimentVariant));
        Assert.Equal(9, cache.SeriesCount);
        Assert.Equal(1, cache.Aggregate(new SeriesKey(SeriesDimension.ExperimentVariant, "prompt-v2/B"), now, now.AddSeconds(1)).Errors);
        Assert.Equal(("anthropic", "claude-sonnet-4"), cache.Keys(SeriesDimension.Model)[0].ModelParts);
    }

    [Fact]
    public void Record_SuccessfulOperationWithoutOptionalFields_SkipsOptionalDimensions()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);

        cache.Record(Op(clock.GetUtcNow()));

        Assert.Empty(cache.Keys(SeriesDimension.ErrorCategory));
        Assert.Empty(cache.Keys(SeriesDimension.Environment));
        Assert.Empty(cache.Keys(SeriesDimension.FunctionId));
        Assert.Empty(cache.Keys(SeriesDimension.ExperimentVariant));
        Assert.Equal(5, cache.SeriesCount);
    }

    [Fact]
    public void Record_SameModelDifferentProviders_KeepsSeparateModelSeries()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        cache.Record(Op(now, provider: "openai", model: "gpt-4o"));
        cache.Record(Op(now, provider: "azure.ai.openai", model: "gpt-4o"));
        cache.Record(Op(now, provider: "azure.ai.openai", model: "gpt-4o"));

        Assert.Equal(2, cache.Keys(SeriesDimension.Model).Count);
        Assert.Equal(2, cache.Aggregate(SeriesKey.ForModel("azure.ai.openai", "gpt-4o"), now, now.AddSeconds(1)).Requests);
        Assert.Equal(1, cache.Aggregate(SeriesKey.ForModel("openai", "gpt-4o"), now, now.AddSeconds(1)).Requests);
    }

    [Fact]
    public void Record_MoreValuesThanCap_SendsExtrasToOverflowSeries()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(maxSeriesPerDimension: 2), clock);
        var now = clock.GetUtcNow();

        foreach (var model in new[] { "a", "b", "c", "d", "a", "c" })
        {
            cache.Record(Op(now, model: model));
        }

        var overflowKey = new SeriesKey(SeriesDimension.Model, SeriesKey.OverflowValue);
        Assert.Equal([SeriesKey.ForModel("openai", "a"), SeriesKey.ForModel("openai", "b"), overflowKey], cache.Keys(SeriesDimension.Model));
        Assert.Equal(3, cache.Aggregate(overflowKey, now, now.AddSeconds(1)).Requests);
        Assert.Equal(2, cache.Aggregate(SeriesKey.ForModel("openai", "a"), now, now.AddSeconds(1)).Requests);
        Assert.Equal(3, cache.OverflowCount);
        Assert.True(cache.Keys(SeriesDimension.Model)[2].IsOverflow);
        Assert.Equal(6, cache.Aggregate(SeriesKey.Total, now, now.AddSeconds(1)).Requests);
    }

    [Fact]
    public void Aggregate_UnknownKeyOrEmptyWindow_ReturnsEmpty()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now));

        var unknown = cache.Aggregate(SeriesKey.ForModel("openai", "nope"), now.AddHours(-1), now.AddSeconds(1));
        var empty = cache.Aggregate(SeriesKey.Total, now, now);

        Assert.Equal(0, unknown.Requests);
        Assert.Equal(0, unknown.Latency.Count);
        Assert.Null(unknown.LastSeen);
        Assert.Equal(0, empty.Requests);
    }

    [Fact]
    public void Range_MinuteStep_AlignsPointsAndSplitsOperations()
    {
        var clock = Clock(Noon.AddMinutes(3));
        var cache = new TimeSeriesCache(Options(), clock);
        cache.Record(Op(Noon.AddSeconds(5)));
        cache.Record(Op(Noon.AddSeconds(59)));
        cache.Record(Op(Noon.AddSeconds(60)));
        cache.Record(Op(Noon.AddSeconds(150)));

        var points = cache.Range(SeriesKey.Total, Noon.AddSeconds(20), Noon.AddMinutes(3), Minute);

        Assert.Equal([Noon, Noon.AddMinutes(1), Noon.AddMinutes(2)], points.Select(p => p.Start));
        Assert.Equal([2L, 1, 1], points.Select(p => p.Aggregate.Requests));
    }

    [Fact]
    public void Range_StepNotMultipleOfMinute_UsesSecondBuckets()
    {
        var clock = Clock(Noon.AddMinutes(3));
        var cache = new TimeSeriesCache(Options(), clock);
        cache.Record(Op(Noon.AddSeconds(89)));
        cache.Record(Op(Noon.AddSeconds(90)));

        var points = cache.Range(SeriesKey.Total, Noon, Noon.AddMinutes(3), TimeSpan.FromSeconds(90));

        Assert.Equal([1L, 1], points.Select(p => p.Aggregate.Requests));
    }

    [Fact]
    public void Range_OldHourlyWindow_ReadsHourRing()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        cache.Record(Op(now.AddDays(-10).AddMinutes(10)));
        cache.Record(Op(now.AddDays(-10).AddMinutes(70)));

        var points = cache.Range(SeriesKey.Total, now.AddDays(-10), now.AddDays(-10).AddHours(3), TimeSpan.FromHours(1));

        Assert.Equal([1L, 1, 0], points.Select(p => p.Aggregate.Requests));
    }

    [Fact]
    public void Range_StepNotMultipleOfAnyResolution_Throws()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        var error = Assert.Throws<ArgumentException>(() => cache.Range(SeriesKey.Total, now.AddMinutes(-1), now, TimeSpan.FromMilliseconds(1500)));

        Assert.Contains("not a whole multiple of any resolution step", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Range(SeriesKey.Total, now.AddMinutes(-1), now, TimeSpan.Zero));
        Assert.Throws<ArgumentException>(() => cache.Range(SeriesKey.Total, now.AddDays(-30), now, Second));
    }

    [Fact]
    public void Range_UnknownKey_ReturnsEmptyPoints()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();

        var points = cache.Range(new SeriesKey(SeriesDimension.Provider, "nope"), now.AddMinutes(-5), now, Minute);

        Assert.Equal(5, points.Count);
        Assert.All(points, p => Assert.Equal(0, p.Aggregate.Requests));
    }

    [Fact]
    public void Aggregate_OneHourOfMinuteBuckets_PercentilesMatchAllValues()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var start = clock.GetUtcNow();
        var random = new Random(11);
        var durations = new List<double>();
        for (var i = 0; i < 3_600; i++)
        {
            var duration = 20 + (random.NextDouble() * 3_000);
            durations.Add(duration);
            clock.SetUtcNow(start.AddSeconds(i + 1));
            cache.Record(Op(start.AddSeconds(i + 0.5), durationMs: duration));
        }

        clock.SetUtcNow(start.AddHours(1));
        var hour = cache.Aggregate(SeriesKey.Total, start, start.AddHours(1));
        durations.Sort();

        Assert.Equal(Minute, cache.StepFor(start));
        Assert.Equal(3_600, hour.Requests);
        foreach (var q in new[] { 0.5, 0.95, 0.99 })
        {
            var exact = durations[(int)Math.Floor(q * (durations.Count - 1))];
            Assert.InRange(hour.Latency.Quantile(q), exact * 0.99, exact * 1.01);
        }
    }

    [Fact]
    public async Task Record_ParallelWriters_SumsExactly()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        string[] models = ["a", "b", "c", "d"];
        const int Writers = 8;
        const int PerWriter = 5_000;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                cache.Record(Op(now.AddSeconds(-(i % 30)), model: models[i % models.Length], durationMs: 10 + w, inputTokens: 3, outputTokens: 1, costUsd: 0.01m));
            }
        })));

        var total = cache.Aggregate(SeriesKey.Total, now.AddMinutes(-1), now.AddSeconds(1));
        Assert.Equal(Writers * PerWriter, total.Requests);
        Assert.Equal(Writers * PerWriter * 3, total.InputTokens);
        Assert.Equal(Writers * PerWriter * 0.01m, total.CostUsd);
        Assert.Equal(Writers * PerWriter, total.Latency.Count);
        Assert.Equal(4, cache.Keys(SeriesDimension.Model).Count);
        Assert.All(models, m => Assert.Equal(Writers * PerWriter / 4, cache.Aggregate(SeriesKey.ForModel("openai", m), now.AddMinutes(-1), now.AddSeconds(1)).Requests));
    }

    [Fact]
    public void Record_SteadyState_AllocatesNothing()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(resolutions: [(Second, TimeSpan.FromSeconds(10)), (Minute, TimeSpan.FromMinutes(10))]), clock);
        var op = Op(clock.GetUtcNow(), ttftMs: 40, environment: "prod", functionId: "f", experimentKey: "exp", experimentVariant: "A",
            status: AiOperationStatus.Error, errorCategory: ErrorCategory.Timeout);

        // Warm up: create the series and every bucket's sketches, wrapping both rings once.
        for (var i = 0; i < 700; i++)
        {
            clock.Advance(Second);
            cache.Record(op with { StartTime = clock.GetUtcNow() });
        }

        // Measured: another ring turn per second ring, so slots are reset and their sketches reused.
        var ops = Enumerable.Range(1, 30).Select(k => op with { StartTime = clock.GetUtcNow().AddSeconds(k) }).ToArray();
        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var o in ops)
        {
            clock.Advance(Second);
            cache.Record(o);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Record_LateOperationAfterRollUp_IsCountedOnceAtEveryResolution()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var start = clock.GetUtcNow();
        cache.Record(Op(start, costUsd: 0.5m));

        // 40 s later a write in a new second rolls the first second up into the minute ring.
        clock.Advance(TimeSpan.FromSeconds(40));
        cache.Record(Op(clock.GetUtcNow(), costUsd: 0.25m));

        // An operation that completed in that first, already rolled-up second arrives late.
        cache.Record(Op(start, costUsd: 1m));
        var minute = cache.Range(SeriesKey.Total, start, start.AddMinutes(1), Minute).Single().Aggregate;
        var seconds = cache.Range(SeriesKey.Total, start, start.AddMinutes(1), Second);

        Assert.Equal(3, minute.Requests);
        Assert.Equal(1.75m, minute.CostUsd);
        Assert.Equal(2, seconds[0].Aggregate.Requests);
        Assert.Equal(1, seconds[40].Aggregate.Requests);
    }

    [Fact]
    public void Record_SeriesIdleLongerThanSecondRing_RollsUpItsLastSecond()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var start = clock.GetUtcNow();
        cache.Record(Op(start, durationMs: 300));

        // 20 minutes later the 1 s ring no longer reaches the first write; the minute ring must still hold it.
        clock.Advance(TimeSpan.FromMinutes(20));
        cache.Record(Op(clock.GetUtcNow(), durationMs: 700));
        var minutes = cache.Range(SeriesKey.Total, start, start.AddMinutes(21), Minute);

        Assert.Equal(1, minutes[0].Aggregate.Requests);
        Assert.Equal(300, minutes[0].Aggregate.Latency.Max);
        Assert.Equal(2, minutes.Sum(p => p.Aggregate.Requests));
    }

    [Fact]
    public void Range_MinuteRingWhileSecondsRollUp_MatchesSecondRingExactly()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var start = clock.GetUtcNow();
        var random = new Random(5);
        for (var i = 1; i <= 6_000; i++)
        {
            // Ten minutes, one operation every 100 ms; one in ten completes up to 30 s before it is recorded (late).
            clock.SetUtcNow(start.AddMilliseconds(i * 100));
            var lateMs = random.Next(10) == 0 ? random.Next(30_000) : random.Next(500);
            cache.Record(Op(clock.GetUtcNow().AddMilliseconds(-lateMs), durationMs: 20 + random.Next(3_000), inputTokens: 1 + random.Next(100), costUsd: 0.0001m * random.Next(50), ttftMs: random.Next(400)));
            if (i % 997 == 0 || i == 6_000)
            {
                // Mid-stream too, while the last seconds are still open (not rolled up yet).
                AssertMinutesMatchSeconds(cache, start, clock.GetUtcNow().AddSeconds(1));
            }
        }
    }

    private static void AssertMinutesMatchSeconds(TimeSeriesCache cache, DateTimeOffset from, DateTimeOffset to)
    {
        var seconds = cache.Range(SeriesKey.Total, from, to, Second);
        foreach (var minute in cache.Range(SeriesKey.Total, from, to, Minute))
        {
            var expected = new WindowAggregate();
            foreach (var second in seconds.Where(p => p.Start >= minute.Start && p.Start < minute.Start + Minute))
            {
                expected.Merge(second.Aggregate);
            }

            var actual = minute.Aggregate;
            Assert.Equal(expected.Requests, actual.Requests);
            Assert.Equal(expected.InputTokens, actual.InputTokens);
            Assert.Equal(expected.CostUsd, actual.CostUsd);
            Assert.Equal(expected.LastSeen, actual.LastSeen);
            Assert.Equal(expected.Latency.Count, actual.Latency.Count);
            Assert.Equal(expected.TimeToFirstToken.Count, actual.TimeToFirstToken.Count);
            foreach (var q in new[] { 0.0, 0.5, 0.95, 0.99, 1.0 })
            {
                Assert.Equal(expected.Latency.Quantile(q), actual.Latency.Quantile(q));
                Assert.Equal(expected.TimeToFirstToken.Quantile(q), actual.TimeToFirstToken.Quantile(q));
            }
        }
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsWithReason()
    {
        var error = Assert.Throws<ArgumentException>(() => new TimeSeriesCache(Options(maxSeriesPerDimension: 0), Clock()));

        Assert.Contains("MaxSeriesPerDimension must be at least 1", error.Message);
    }
}
