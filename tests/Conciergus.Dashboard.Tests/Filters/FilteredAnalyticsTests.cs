using System.Globalization;
using Conciergus.Core.Analytics;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>
/// Every filter field and several combinations, answered from memory (when the series answer them exactly) and from the
/// store, compared with a brute-force computation over the same operations (<see cref="OperationFilter.Matches"/>).
/// Counts, tokens and cost must be exact; percentiles within 2% (the sketch's budget; the reference is numpy "lower").
/// </summary>
public sealed class FilteredAnalyticsTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static TheoryData<string, bool> Filters => new()
    {
        { "", true },
        { "model=gpt-4o", true },
        { "model=gpt-4o,claude-sonnet-4-5", true },
        { "model=mystery-1", true },
        { "model=no-such-model", true },
        { "provider=anthropic", true },
        { "provider=openai,acme", true },
        { "application=support-bot", true },
        { "environment=eu", true },
        { "operation=embeddings", true },
        { "function=summarize,classify", true },
        { "errorCategory=rate_limit", true },
        { "errorCategory=timeout,server_error", true },
        { "errorCategory=unknown", false },
        { "errorCategory=none", false },
        { "user=u-42", false },
        { "user=u-1,u-2", false },
        { "session=s-1", false },
        { "experiment=exp-a", false },
        { "variant=treatment", false },
        { "status=error", false },
        { "status=ok", false },
        { "metadata.tier=pro", false },
        { "metadata.region=north,south", false },
        { "model=gpt-4o&application=support-bot", false },
        { "user=u-42&operation=chat", false },
        { "environment=eu&status=error&model=gpt-4o,gpt-4o-mini", false },
        { "provider=openai&metadata.tier=free&function=summarize", false },
        { "experiment=exp-a&variant=control&user=u-1,u-2,u-3", false },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task SummaryAsync_EveryFilter_MatchesBruteForceFromMemoryAndStore(string query, bool fromMemory)
    {
        // Arrange
        var data = new SliceTestData();
        var filter = SliceTestData.Filter(query);
        var expected = BruteForceOperationStore.Row(data.Matching(filter));
        Assert.Equal(fromMemory, data.Analytics.IsServedFromMemory(filter));

        // Act: the routed answer, then the store's answer to the same question
        var routed = await data.Analytics.SummaryAsync(Hour, filter);
        var queriesBefore = data.Store.Queries;
        data.Analytics.ForceStore = true;
        var stored = await data.Analytics.SummaryAsync(Hour, filter);

        // Assert
        Assert.True(data.Store.Queries > queriesBefore);
        AssertSame(expected, routed);
        AssertSame(expected, stored);
    }

    [Theory]
    [InlineData("model", "")]
    [InlineData("model", "provider=openai")]
    [InlineData("model", "model=gpt-4o,mystery-1")]
    [InlineData("provider", "")]
    [InlineData("application", "application=billing,search")]
    [InlineData("environment", "")]
    [InlineData("function", "user=u-1")]
    [InlineData("user", "")]
    [InlineData("user", "model=gpt-4o")]
    [InlineData("session", "")]
    [InlineData("session", "application=support-bot&status=ok")]
    [InlineData("status", "")]
    [InlineData("status", "provider=anthropic")]
    [InlineData("metadata.tier", "")]
    [InlineData("metadata.tier", "environment=us")]
    [InlineData("experiment", "")]
    [InlineData("experiment", "metadata.tier=pro")]
    [InlineData("variant", "experiment=exp-b")]
    [InlineData("day", "")]
    [InlineData("day", "model=gpt-4o")]
    [InlineData("day", "session=s-2")]
    public async Task CostsAsync_GroupByAndFilter_GroupsMatchBruteForceFromMemoryAndStore(string groupBy, string query)
    {
        // Arrange
        var data = new SliceTestData();
        var filter = SliceTestData.Filter(query);
        var matching = data.Matching(filter);
        var expectedGroups = matching
            .Select(o => (Key: GroupKey(o, groupBy), Op: o))
            .Where(g => g.Key is not null)
            .GroupBy(g => g.Key!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => BruteForceOperationStore.Row(g.Select(x => x.Op).ToList()), StringComparer.Ordinal);

        foreach (var forceStore in new[] { false, true })
        {
            // Act
            data.Analytics.ForceStore = forceStore;
            var costs = await data.Analytics.CostsAsync(Hour, groupBy, filter);

            // Assert: the total is the filter's, every group is exact, unpriced counts included
            Assert.Equal(BruteForceOperationStore.Row(matching).CostUsd, costs.TotalUsd);
            Assert.Equal(matching.Count(o => o.Pricing == PricingStatus.Unpriced), costs.UnpricedRequests);
            Assert.Equal(expectedGroups.Keys.Order(StringComparer.Ordinal), costs.Groups.Select(g => g.Key).Order(StringComparer.Ordinal));
            foreach (var group in costs.Groups)
            {
                var expected = expectedGroups[group.Key];
                Assert.Equal(expected.Requests, group.Requests);
                Assert.Equal(expected.CostUsd, group.CostUsd);
                Assert.Equal(expected.InputTokens, group.InputTokens);
                Assert.Equal(expected.OutputTokens, group.OutputTokens);
                if (group.UnpricedRequests is { } unpriced)
                {
                    Assert.Equal(expected.UnpricedRequests, unpriced);
                }
                else
                {
                    // Only the per-day user ledger (store off) cannot tell; with a store every group carries its count.
                    Assert.Equal("user", groupBy);
                    Assert.False(forceStore);
                }
            }
        }
    }

    [Fact]
    public async Task CostsAsync_UnknownModel_GroupCarriesItsUnpricedCountFromMemoryAndStore()
    {
        // Arrange: "acme/mystery-1" has no price (issue 16 item 3: unpriced is never $0)
        var data = new SliceTestData();
        var unpriced = data.Operations.Count(o => o.RequestModel == "mystery-1");
        Assert.True(unpriced > 0);

        foreach (var forceStore in new[] { false, true })
        {
            data.Analytics.ForceStore = forceStore;

            // Act
            var costs = await data.Analytics.CostsAsync(Hour, "model", OperationFilter.Empty);

            // Assert
            var group = costs.Groups.Single(g => g.Key == "acme/mystery-1");
            Assert.Equal(unpriced, group.UnpricedRequests);
            Assert.Equal(0m, group.CostUsd);
            Assert.All(costs.Groups.Where(g => g.Key != "acme/mystery-1"), g => Assert.Equal(0, g.UnpricedRequests));
        }
    }

    [Theory]
    [InlineData("", "status")]
    [InlineData("model=gpt-4o", null)]
    [InlineData("model=gpt-4o,gpt-4o-mini", "provider")]
    [InlineData("user=u-2", null)]
    [InlineData("application=search", "user")]
    [InlineData("status=error", "metadata.tier")]
    [InlineData("environment=eu", "session")]
    [InlineData("provider=openai", "model")]
    public async Task TimeSeriesAsync_FilterAndGroupBy_EveryStepMatchesBruteForceFromMemoryAndStore(string query, string? groupBy)
    {
        // Arrange
        var data = new SliceTestData();
        var filter = SliceTestData.Filter(query);
        var step = TimeSpan.FromMinutes(5);
        var matching = data.Matching(filter);

        foreach (var forceStore in new[] { false, true })
        {
            data.Analytics.ForceStore = forceStore;

            // Act
            var requests = await data.Analytics.TimeSeriesAsync(TimeSeriesMetric.Requests, Hour, step, groupBy, filter);
            var cost = await data.Analytics.TimeSeriesAsync(TimeSeriesMetric.Cost, Hour, step, groupBy, filter);

            // Assert: per line and per step, requests and cost are exact
            var expectedLines = matching
                .Select(o => (Key: groupBy is null ? "total" : GroupKey(o, groupBy), Op: o))
                .Where(g => g.Key is not null)
                .GroupBy(g => g.Key!, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(x => x.Op).ToList(), StringComparer.Ordinal);
            if (groupBy is null && matching.Count == 0)
            {
                expectedLines["total"] = [];
            }

            Assert.Equal(expectedLines.Keys.Order(StringComparer.Ordinal), requests.Series.Select(s => s.Key).Order(StringComparer.Ordinal));
            foreach (var line in requests.Series)
            {
                var ops = expectedLines[line.Key];
                var costLine = cost.Series.Single(s => s.Key == line.Key);
                Assert.Equal(ops.Count, line.Points.Sum(p => p[1]!.Value));
                for (var i = 0; i < line.Points.Count; i++)
                {
                    var start = DateTimeOffset.FromUnixTimeMilliseconds((long)line.Points[i][0]!.Value);
                    var inStep = ops.Where(o => o.EndTime >= start && o.EndTime < start + step).ToList();
                    Assert.Equal(inStep.Count, line.Points[i][1]);
                    Assert.Equal((double)BruteForceOperationStore.Row(inStep).CostUsd, costLine.Points[i][1]!.Value, 9);
                }
            }
        }
    }

    [Theory]
    [InlineData("model=gpt-4o,claude-sonnet-4-5")]
    [InlineData("application=billing&status=error")]
    public async Task LineAsync_LatencyP95_WithinTwoPercentOfExactPerStep(string query)
    {
        // Arrange: several series summed (memory) or a store query: percentiles of merged sketches stay within 2%
        var data = new SliceTestData(count: 2000);
        var filter = SliceTestData.Filter(query);
        var step = TimeSpan.FromMinutes(10);
        var matching = data.Matching(filter);

        // Act
        var line = await data.Analytics.LineAsync(TimeSeriesMetric.LatencyP95, Hour, step, filter);

        // Assert
        foreach (var point in line.Points)
        {
            var start = DateTimeOffset.FromUnixTimeMilliseconds((long)point[0]!.Value);
            var durations = matching.Where(o => o.EndTime >= start && o.EndTime < start + step).Select(o => o.DurationMs).Order().ToArray();
            var exact = BruteForceOperationStore.Lower(durations, 0.95);
            if (exact is null)
            {
                Assert.Null(point[1]);
            }
            else
            {
                AssertWithin2Percent(exact.Value, point[1]);
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("provider=openai")]
    [InlineData("model=gpt-4o-mini,mystery-1")]
    [InlineData("application=support-bot")]
    [InlineData("user=u-1&metadata.tier=pro")]
    public async Task ModelsAsync_Filter_RowsMatchBruteForce(string query)
    {
        var data = new SliceTestData();
        var filter = SliceTestData.Filter(query);
        var expected = data.Matching(filter).GroupBy(o => (o.Provider, o.Model)).ToDictionary(g => g.Key, g => BruteForceOperationStore.Row(g.ToList()));

        foreach (var forceStore in new[] { false, true })
        {
            data.Analytics.ForceStore = forceStore;
            var models = await data.Analytics.ModelsAsync(Hour, filter);

            Assert.Equal(expected.Count, models.Count);
            foreach (var model in models)
            {
                var row = expected[(model.Provider, model.Model)];
                AssertSame(row, model.Stats);
                Assert.Equal(row.UnpricedRequests == 0, model.Priced);
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("errorCategory=rate_limit,timeout")]
    [InlineData("application=support-bot")]
    [InlineData("model=gpt-4o&environment=eu")]
    [InlineData("status=ok")]
    public async Task ErrorsAsync_Filter_CategoriesMatchBruteForce(string query)
    {
        var data = new SliceTestData();
        var filter = SliceTestData.Filter(query);
        var expected = data.Matching(filter)
            .Where(o => o.Status == AiOperationStatus.Error)
            .GroupBy(o => (o.ErrorCategory == ErrorCategory.None ? ErrorCategory.Unknown : o.ErrorCategory).ToWireName())
            .ToDictionary(g => g.Key, g => g.Count());

        foreach (var forceStore in new[] { false, true })
        {
            data.Analytics.ForceStore = forceStore;
            var report = await data.Analytics.ErrorsAsync(Hour, filter);

            Assert.Equal(expected.Values.Sum(), report.TotalErrors);
            Assert.Equal(expected.OrderBy(e => e.Key).ToList(), report.Categories.Select(c => KeyValuePair.Create(c.Category, (int)c.Count)).OrderBy(e => e.Key).ToList());
            Assert.All(report.Categories, c => Assert.True(c.Sample is null || filter.Matches(data.Operations.Single(o => o.OperationId == c.Sample.OperationId))));
        }
    }

    [Theory]
    [InlineData(OperationStoreState.Degraded, "disk full")]
    [InlineData(OperationStoreState.Disabled, "switched off")]
    [InlineData(OperationStoreState.Starting, "still opening")]
    public async Task SliceNeedingStore_StoreUnavailable_ThrowsWithTheReasonNeverUnfiltered(OperationStoreState state, string reason)
    {
        // Arrange
        var data = new SliceTestData();
        data.Store.State = state;
        data.Store.Reason = "disk full";

        // Act / Assert: a store slice is refused with the reason; a memory slice still answers
        var refused = await Assert.ThrowsAsync<SliceUnavailableException>(() => data.Analytics.SummaryAsync(Hour, SliceTestData.Filter("user=u-42")));
        Assert.Contains(reason, refused.Message, StringComparison.Ordinal);
        var fromMemory = await data.Analytics.SummaryAsync(Hour, SliceTestData.Filter("model=gpt-4o"));
        Assert.Equal(data.Matching(SliceTestData.Filter("model=gpt-4o")).Count, fromMemory.Requests);
    }

    [Fact]
    public async Task SliceNeedingStore_NoStoreConfigured_Throws()
    {
        var data = new SliceTestData(withStore: false);

        var refused = await Assert.ThrowsAsync<SliceUnavailableException>(() => data.Analytics.CostsAsync(Hour, "session", OperationFilter.Empty));

        Assert.Contains("not configured", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsServedFromMemory_ValueInOverflowSeries_GoesToStore()
    {
        // Arrange: two applications per dimension at most, so "search" (or another) lands in the overflow series
        var data = new SliceTestData(maxSeriesPerDimension: 2);
        var own = data.Cache.Keys(Core.TimeSeries.SeriesDimension.Application).Where(k => !k.IsOverflow).Select(k => k.Value).ToList();
        var overflowed = new[] { "support-bot", "billing", "search" }.Except(own).First();

        // Act / Assert
        Assert.True(data.Analytics.IsServedFromMemory(SliceTestData.Filter("application=" + own[0])));
        Assert.False(data.Analytics.IsServedFromMemory(SliceTestData.Filter("application=" + overflowed)));
    }

    [Fact]
    public async Task SummaryAsync_LiveUpdate_NewOperationIsCountedUnderTheFilter()
    {
        // Arrange
        var data = new SliceTestData();
        var filter = SliceTestData.Filter("user=u-42&model=gpt-4o");
        var before = (await data.Analytics.SummaryAsync(Hour, filter)).Requests;

        // Act: one more matching operation a second later
        data.Clock.Advance(TimeSpan.FromSeconds(1));
        data.Record(data.Matching(filter).First() with { OperationId = "late", StartTime = data.Clock.GetUtcNow().AddMilliseconds(-200), DurationMs = 100 });

        // Assert
        Assert.Equal(before + 1, (await data.Analytics.SummaryAsync(Hour, filter)).Requests);
    }

    [Fact]
    public async Task FilterValuesAsync_StoreOffOrOn_OffersTheValuesSeen()
    {
        var withStore = new SliceTestData();
        var withoutStore = new SliceTestData(withStore: false);

        Assert.Equal("u-1", (await withStore.Analytics.FilterValuesAsync("user", Hour, 10)).Order(StringComparer.Ordinal).First());
        Assert.Contains("gpt-4o", await withoutStore.Analytics.FilterValuesAsync("model", Hour, 50));
        Assert.Empty(await withoutStore.Analytics.FilterValuesAsync("user", Hour, 50));
        Assert.Equal(["ok", "error"], await withoutStore.Analytics.FilterValuesAsync("status", Hour, 50));
    }

    private static string? GroupKey(AiOperation o, string groupBy) => groupBy switch
    {
        "model" => $"{o.Provider}/{o.Model}",
        "experiment" => o.ExperimentKey is null ? null : $"{o.ExperimentKey}/{o.ExperimentVariant ?? ""}",
        "day" => o.EndTime.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => FilterFields.ValueOf(o, groupBy),
    };

    private static void AssertSame(OperationAggregateRow expected, SummaryReport actual)
    {
        Assert.Equal(expected.Requests, actual.Requests);
        Assert.Equal(expected.Errors, actual.Errors);
        Assert.Equal(expected.InputTokens, actual.InputTokens);
        Assert.Equal(expected.OutputTokens, actual.OutputTokens);
        Assert.Equal(expected.CachedInputTokens, actual.CachedInputTokens);
        Assert.Equal(expected.ReasoningTokens, actual.ReasoningTokens);
        Assert.Equal(expected.CostUsd, actual.CostUsd);
        Assert.Equal(expected.UnpricedRequests, actual.UnpricedRequests);
        AssertWithin2Percent(expected.LatencyP50, actual.LatencyMs.P50);
        AssertWithin2Percent(expected.LatencyP95, actual.LatencyMs.P95);
        AssertWithin2Percent(expected.LatencyP99, actual.LatencyMs.P99);
        AssertWithin2Percent(expected.TtftP50, actual.TtftMs.P50);
        AssertWithin2Percent(expected.TtftP95, actual.TtftMs.P95);
        if (expected.LatencyAvg is { } avg)
        {
            Assert.Equal(avg, actual.LatencyMs.Avg!.Value, avg * 1e-9);
        }
    }

    private static void AssertWithin2Percent(double? expected, double? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.InRange(actual!.Value, expected.Value * 0.98, expected.Value * 1.02);
    }
}
