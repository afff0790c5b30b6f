using Conciergus.Core.Operations;
using Conciergus.Dashboard.Tests.Operations;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>
/// The same slices against the real DuckDB store: the routed answer (memory where exact) and the store's answer agree
/// with the brute force on counts, tokens and cost exactly, and with each other on percentiles within 2%.
/// (The store's percentiles are DuckDB's quantile_cont, type 7; the sketch's are the lower sample; both within 2%.)
/// </summary>
public sealed class FilteredAnalyticsDuckDbTests(FilteredAnalyticsDuckDbTests.Fixture fixture) : IClassFixture<FilteredAnalyticsDuckDbTests.Fixture>
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Theory]
    [MemberData(nameof(FilteredAnalyticsTests.Filters), MemberType = typeof(FilteredAnalyticsTests))]
    public async Task SummaryAsync_EveryFilter_DuckDbAndMemoryMatchBruteForce(string query, bool fromMemory)
    {
        var data = fixture.Data;
        var filter = SliceTestData.Filter(query);
        var expected = BruteForceOperationStore.Row(data.Matching(filter));
        Assert.Equal(fromMemory, data.Analytics.IsServedFromMemory(filter));

        var routed = await data.Analytics.SummaryAsync(Hour, filter);
        var stored = await Stored(() => data.Analytics.SummaryAsync(Hour, filter));

        foreach (var actual in new[] { routed, stored })
        {
            Assert.Equal(expected.Requests, actual.Requests);
            Assert.Equal(expected.Errors, actual.Errors);
            Assert.Equal(expected.InputTokens, actual.InputTokens);
            Assert.Equal(expected.OutputTokens, actual.OutputTokens);
            Assert.Equal(expected.CostUsd, actual.CostUsd);
            Assert.Equal(expected.UnpricedRequests, actual.UnpricedRequests);
        }

        // The store interpolates (type 7), the sketch reads the lower sample: on a few dozen samples the gap between two
        // neighbours can exceed 2%, so each is held to its own exact definition within 2%, and to each other on large slices.
        var sorted = data.Matching(filter).Select(o => o.DurationMs).Order().ToList();
        if (sorted.Count > 0)
        {
            var type7 = OperationStoreTestData.Quantile(sorted, 0.95)!.Value;
            Assert.InRange(stored.LatencyMs.P95!.Value, type7 * 0.98, type7 * 1.02);
        }

        if (expected.Requests >= 400)
        {
            Assert.InRange(stored.LatencyMs.P95!.Value, routed.LatencyMs.P95!.Value * 0.98, routed.LatencyMs.P95!.Value * 1.02);
            Assert.InRange(stored.LatencyMs.P50!.Value, routed.LatencyMs.P50!.Value * 0.98, routed.LatencyMs.P50!.Value * 1.02);
        }
    }

    [Theory]
    [InlineData("model", "")]
    [InlineData("user", "model=gpt-4o")]
    [InlineData("status", "provider=anthropic")]
    [InlineData("metadata.tier", "environment=us")]
    [InlineData("session", "application=support-bot&status=ok")]
    [InlineData("experiment", "metadata.tier=pro")]
    [InlineData("day", "session=s-2")]
    public async Task CostsAsync_GroupBy_DuckDbMatchesBruteForce(string groupBy, string query)
    {
        var data = fixture.Data;
        var filter = SliceTestData.Filter(query);
        var matching = data.Matching(filter);

        var costs = await Stored(() => data.Analytics.CostsAsync(Hour, groupBy, filter));

        Assert.Equal(BruteForceOperationStore.Row(matching).CostUsd, costs.TotalUsd);
        Assert.Equal(matching.Count, costs.Groups.Sum(g => g.Requests) + matching.Count(o => Key(o, groupBy) is null));
        foreach (var group in costs.Groups)
        {
            var mine = matching.Where(o => Key(o, groupBy) == group.Key).ToList();
            Assert.Equal(mine.Count, group.Requests);
            Assert.Equal(BruteForceOperationStore.Row(mine).CostUsd, group.CostUsd);
            Assert.Equal(mine.Count(o => o.Pricing == Core.Model.PricingStatus.Unpriced), group.UnpricedRequests);
        }
    }

    private async Task<T> Stored<T>(Func<Task<T>> query)
    {
        // One test at a time flips the switch (xunit runs a class's tests one after another).
        fixture.Data.Analytics.ForceStore = true;
        try
        {
            return await query();
        }
        finally
        {
            fixture.Data.Analytics.ForceStore = false;
        }
    }

    private static string? Key(Core.Model.AiOperation o, string groupBy) => groupBy switch
    {
        "model" => $"{o.Provider}/{o.Model}",
        "experiment" => o.ExperimentKey is null ? null : $"{o.ExperimentKey}/{o.ExperimentVariant ?? ""}",
        "day" => o.EndTime.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        _ => FilterFields.ValueOf(o, groupBy),
    };

    /// <summary>One DuckDB file with the slice operations, shared by the class.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly TempOperationStore _host = new();

        internal SliceTestData Data { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Data = new SliceTestData(realStore: _host.Store);
            await _host.Store.FlushAsync(CancellationToken.None);
            Assert.Equal(OperationStoreState.Healthy, _host.Store.Status.State);
        }

        public Task DisposeAsync() => _host.DisposeAsync().AsTask();
    }
}
