using Conciergus.Core.Model;
using Conciergus.Core.Operations;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// AggregateAsync against a brute-force computation (<see cref="OperationFilter.Matches"/> plus sums and type-7
/// quantiles) over the same operations, for every filter field, combinations, groups, metadata and step buckets.
/// </summary>
public sealed class OperationStoreAggregateTests(AggregateStoreFixture fixture) : IClassFixture<AggregateStoreFixture>
{
    private static readonly DateTimeOffset From = OperationStoreTestData.Start;
    private static readonly DateTimeOffset To = OperationStoreTestData.Start.AddDays(3);

    private readonly TempOperationStore _host = fixture.Host;
    private readonly List<AiOperation> _operations = fixture.Operations;

    public static TheoryData<string, string> EveryField() => new()
    {
        { "model", "gpt-4o" },
        { "model", "gpt-4o,gpt-4o-mini" },
        { "model", "gemini-2.5-pro-2024-08-06" }, // the response model, used when the request model is "unknown"
        { "provider", "anthropic" },
        { "application", "support-bot" },
        { "environment", "eu" },
        { "operation", "embeddings" },
        { "function", "summarize,classify" },
        { "user", "u-42" },
        { "session", "s-b" },
        { "experiment", "prompt-v2" },
        { "variant", "treatment" },
        { "status", "error" },
        { "status", "ok" },
        { "errorCategory", "rate_limit" },
        { "errorCategory", "none" },
        { "metadata.tier", "pro" },
        { "metadata.tier", "free,enterprise" },
        { "metadata.region.name", "eu-west" },
        { "metadata.absent", "x" },
        { "user", "' OR 1=1 --" },
        { "user", "nobody" },
    };

    [Theory]
    [MemberData(nameof(EveryField))]
    public async Task AggregateAsync_OneFilter_EqualsBruteForce(string field, string values)
    {
        var filter = Filter((field, values));

        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, Filter = filter }, CancellationToken.None);

        var expected = OperationStoreTestData.BruteForce(_operations.Where(o => InRange(o) && filter.Matches(o)));
        var row = Assert.Single(rows);
        OperationStoreTestData.AssertSame(expected, row, $"{field}={values}");
        if (field is "model" or "status" && values is "gpt-4o" or "error")
        {
            Assert.True(row.Requests > 0, "the filter must select something for the comparison to mean anything");
        }
    }

    [Fact]
    public async Task AggregateAsync_Combinations_EqualBruteForce()
    {
        var combinations = new[]
        {
            Filter(("model", "gpt-4o"), ("application", "support-bot")),
            Filter(("user", "u-42"), ("function", "summarize")),
            Filter(("environment", "eu"), ("status", "error")),
            Filter(("model", "gpt-4o,claude-sonnet-4"), ("metadata.tier", "pro"), ("status", "ok")),
            Filter(("errorCategory", "timeout"), ("provider", "openai,anthropic"), ("session", "s-a,s-c")),
            Filter(("experiment", "prompt-v2"), ("variant", "control"), ("operation", "chat")),
        };
        foreach (var filter in combinations)
        {
            var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, Filter = filter }, CancellationToken.None);

            var matching = _operations.Where(o => InRange(o) && filter.Matches(o)).ToList();
            Assert.NotEmpty(matching);
            OperationStoreTestData.AssertSame(OperationStoreTestData.BruteForce(matching), Assert.Single(rows), string.Join("&", filter.ToQuery()));
        }
    }

    [Fact]
    public async Task AggregateAsync_TimeRange_CountsOperationsByEndTime()
    {
        var from = From.AddHours(5);
        var to = From.AddHours(11);

        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = from, To = to }, CancellationToken.None);

        var expected = OperationStoreTestData.BruteForce(_operations.Where(o => o.EndTime >= from && o.EndTime < to));
        OperationStoreTestData.AssertSame(expected, Assert.Single(rows), "range");
    }

    [Theory]
    [InlineData("provider")]
    [InlineData("application")]
    [InlineData("environment")]
    [InlineData("operation")]
    [InlineData("function")]
    [InlineData("user")]
    [InlineData("session")]
    [InlineData("experiment")]
    [InlineData("variant")]
    [InlineData("status")]
    [InlineData("errorCategory")]
    [InlineData("metadata.tier")]
    [InlineData("metadata.region.name")]
    public async Task AggregateAsync_GroupBy_OneRowPerValueEqualToBruteForce(string groupBy)
    {
        var filter = Filter(("application", "support-bot,search"));

        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, Filter = filter, GroupBy = groupBy }, CancellationToken.None);

        var expected = _operations.Where(o => InRange(o) && filter.Matches(o))
            .GroupBy(o => FilterFields.ValueOf(o, groupBy) ?? "\0null")
            .ToDictionary(g => g.Key, g => OperationStoreTestData.BruteForce(g), StringComparer.Ordinal);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            Assert.Null(row.Provider);
            OperationStoreTestData.AssertSame(expected[row.Group ?? "\0null"], row, $"{groupBy}={row.Group}");
        }

        Assert.Equal(rows.OrderByDescending(r => r.Requests).Select(r => r.Requests), rows.Select(r => r.Requests));
    }

    [Fact]
    public async Task AggregateAsync_GroupByModel_OneRowPerProviderAndModel()
    {
        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, GroupBy = "model" }, CancellationToken.None);

        var expected = _operations.Where(InRange).GroupBy(o => (o.Provider, o.Model)).ToDictionary(g => g.Key, g => OperationStoreTestData.BruteForce(g));
        Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            Assert.NotNull(row.Provider);
            OperationStoreTestData.AssertSame(expected[(row.Provider!, row.Group!)], row, $"{row.Provider}/{row.Group}");
        }
    }

    [Fact]
    public async Task AggregateAsync_GroupByDay_UtcDays()
    {
        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, GroupBy = "day" }, CancellationToken.None);

        var expected = _operations.Where(InRange).GroupBy(o => o.EndTime.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => OperationStoreTestData.BruteForce(g));
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), rows.Select(r => r.Group!).Order(StringComparer.Ordinal));
        foreach (var row in rows)
        {
            OperationStoreTestData.AssertSame(expected[row.Group!], row, row.Group!);
        }
    }

    [Fact]
    public async Task AggregateAsync_StepAndGroup_BucketsAlignedToTheEpoch()
    {
        var step = TimeSpan.FromMinutes(90);
        var filter = Filter(("status", "error"));

        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, Filter = filter, GroupBy = "provider", Step = step }, CancellationToken.None);

        var expected = _operations.Where(o => InRange(o) && filter.Matches(o))
            .GroupBy(o => (Bucket: new DateTimeOffset(o.EndTime.UtcTicks / step.Ticks * step.Ticks, TimeSpan.Zero), o.Provider))
            .ToDictionary(g => g.Key, g => OperationStoreTestData.BruteForce(g));
        Assert.Equal(expected.Count, rows.Count);
        foreach (var row in rows)
        {
            OperationStoreTestData.AssertSame(expected[(row.Bucket!.Value, row.Group!)], row, $"{row.Bucket}/{row.Group}");
        }

        Assert.Equal(rows.Select(r => r.Bucket).Order(), rows.Select(r => r.Bucket));
    }

    [Fact]
    public async Task AggregateAsync_EmptyRange_OneZeroTotalRow()
    {
        var rows = await _host.Store.AggregateAsync(new OperationQuery { From = To, To = To.AddDays(1) }, CancellationToken.None);

        var row = Assert.Single(rows);
        Assert.Equal(0, row.Requests);
        Assert.Null(row.LatencyP95);
        Assert.Equal(0m, row.CostUsd);
    }

    [Fact]
    public async Task AggregateAsync_UnknownGroup_Throws()
    {
        await Assert.ThrowsAsync<ArgumentException>(() =>
            _host.Store.AggregateAsync(new OperationQuery { From = From, To = To, GroupBy = "colour" }, CancellationToken.None));
    }

    [Fact]
    public async Task DistinctValuesAsync_MostFrequentFirst()
    {
        var users = await _host.Store.DistinctValuesAsync("user", From, To, 10, CancellationToken.None);
        var keys = await _host.Store.DistinctValuesAsync("metadata", From, To, 10, CancellationToken.None);
        var tiers = await _host.Store.DistinctValuesAsync("metadata.tier", From, To, 2, CancellationToken.None);

        var expectedUsers = _operations.Where(o => InRange(o) && o.UserId is not null).GroupBy(o => o.UserId!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).ToList();
        Assert.Equal(expectedUsers, users);
        Assert.Equal(["tier", "region.name"], keys);
        Assert.Equal(2, tiers.Count);
    }

    [Fact]
    public async Task ReadAsync_FilteredRange_ReturnsEveryFieldOldestFirst()
    {
        var filter = Filter(("user", "u-42"));
        var read = new List<AiOperation>();

        await foreach (var operation in _host.Store.ReadAsync(From, To, filter, CancellationToken.None))
        {
            read.Add(operation);
        }

        var expected = _operations.Where(o => InRange(o) && filter.Matches(o)).OrderBy(o => o.EndTime).ThenBy(o => o.OperationId, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Count, read.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(Normalize(expected[i]), Normalize(read[i]));
        }
    }

    [Fact]
    public async Task ReadAsync_RangeLargerThanAChunk_EveryOperationOnceOldestFirst()
    {
        // Arrange: chunks of ~50 operations, cut on hours, over 3 days of a few hundred operations
        _host.Store.ReadChunkRows = 50;
        var read = new List<AiOperation>();

        // Act
        try
        {
            await foreach (var operation in _host.Store.ReadAsync(From, To, OperationFilter.Empty, CancellationToken.None))
            {
                read.Add(operation);
            }
        }
        finally
        {
            _host.Store.ReadChunkRows = 262_144;
        }

        // Assert
        var expected = _operations.Where(InRange).OrderBy(o => o.EndTime).ThenBy(o => o.OperationId, StringComparer.Ordinal).ToList();
        Assert.True(expected.Count > 200, "the range must span several chunks for the test to mean anything");
        Assert.Equal(expected.Select(o => o.OperationId), read.Select(o => o.OperationId));
    }

    [Fact]
    public async Task ReadForRestoreAsync_Range_SameOperationsWithWhatTheSeriesAndLedgerRead()
    {
        var read = new List<AiOperation>();

        await foreach (var operation in _host.Store.ReadForRestoreAsync(From, To, CancellationToken.None))
        {
            read.Add(operation);
        }

        var expected = _operations.Where(InRange).OrderBy(o => o.OperationId, StringComparer.Ordinal).Select(Restored).ToList();
        Assert.Equal(expected, read.OrderBy(o => o.OperationId, StringComparer.Ordinal).Select(Restored).ToList());
    }

    // The fields TimeSeriesCache.Restore and UserCostLedger.Restore read (and the id the restore de-duplicates by).
    private static string Restored(AiOperation o) => string.Join(
        '|',
        o.OperationId,
        o.EndTime.UtcTicks / 10,
        o.TimeToFirstTokenMs,
        o.Operation,
        o.Provider,
        o.Model,
        o.InputTokens,
        o.OutputTokens,
        o.CachedInputTokens,
        o.CacheCreationInputTokens,
        o.ReasoningTokens,
        o.CostUsd / 1.000000000000000000m,
        o.Pricing,
        o.Status,
        o.ErrorCategory,
        o.Application,
        o.FunctionId,
        o.UserId,
        o.Environment,
        o.ExperimentKey,
        o.ExperimentVariant);

    private static string Normalize(AiOperation operation) => System.Text.Json.JsonSerializer.Serialize(operation with
    {
        CostUsd = operation.CostUsd / 1.000000000000000000m, // same value, one scale
        Metadata = operation.Metadata?.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(),
    });

    private static bool InRange(AiOperation o) => o.EndTime >= From && o.EndTime < To;

    private static OperationFilter Filter(params (string Field, string Values)[] clauses)
    {
        var query = clauses.Select(c => new KeyValuePair<string, IReadOnlyList<string?>>(c.Field, [c.Values]));
        Assert.True(OperationFilter.TryParse(query, new HashSet<string>(), out var filter, out var error), error);
        return filter;
    }
}

/// <summary>One store with 3,000 generated operations, shared by the aggregate tests (they only read).</summary>
public sealed class AggregateStoreFixture : IAsyncLifetime
{
    internal TempOperationStore Host { get; } = new();

    internal List<AiOperation> Operations { get; } = OperationStoreTestData.Generate(3000);

    public async Task InitializeAsync()
    {
        foreach (var operation in Operations)
        {
            Assert.True(Host.Store.TryAppend(operation));
        }

        await Host.Store.FlushAsync(CancellationToken.None);
        Assert.Equal(OperationStoreState.Healthy, Host.Store.Status.State);
        Assert.Equal(Operations.Count, Host.Store.Status.Appended);
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}
