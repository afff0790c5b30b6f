using Conciergus.Core.Operations;
using Conciergus.Dashboard.Tests.Operations;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>
/// The same slices against the real DuckDB store: the routed answer (memory where exact) and the store's answer agree
/// with the brute force on counts, tokens and cost exactly, with the exact lower-rank sample on percentiles within the
/// latency sketch's 1% (the issue allows 2%), and with each other on percentiles exactly (both read the same sketch buckets).
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

        // Both answer percentiles with the latency sketch (the store from its stored sketch buckets): each within 1% of
        // the exact lower-rank sample, and the same figure from memory and from the store for the same operations.
        var durations = data.Matching(filter).Select(o => o.DurationMs).Order().ToList();
        var ttfts = data.Matching(filter).Where(o => o.TimeToFirstTokenMs is not null).Select(o => o.TimeToFirstTokenMs!.Value).Order().ToList();
        foreach (var q in new[] { 0.5, 0.95, 0.99 })
        {
            var exact = OperationStoreTestData.Lower(durations, q);
            var actual = q switch { 0.5 => stored.LatencyMs.P50, 0.95 => stored.LatencyMs.P95, _ => stored.LatencyMs.P99 };
            var memory = q switch { 0.5 => routed.LatencyMs.P50, 0.95 => routed.LatencyMs.P95, _ => routed.LatencyMs.P99 };
            Assert.Equal(exact.HasValue, actual.HasValue);
            if (exact is { } e)
            {
                Assert.InRange(actual!.Value, (e * 0.99) - 1e-3, (e * 1.01) + 1e-3);
            }

            Assert.Equal(memory, actual);
        }

        var ttftExact = OperationStoreTestData.Lower(ttfts, 0.95);
        if (ttftExact is { } t)
        {
            Assert.InRange(stored.TtftMs.P95!.Value, (t * 0.99) - 1e-3, (t * 1.01) + 1e-3);
        }

        Assert.Equal(routed.TtftMs.P50, stored.TtftMs.P50);
        Assert.Equal(routed.TtftMs.P95, stored.TtftMs.P95);
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
