using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Pricing;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>A store on a fresh temp folder (real DuckDB) with a fake clock, deleted on dispose.</summary>
internal sealed class TempOperationStore : IAsyncDisposable
{
    public TempOperationStore(Action<OperationStoreOptions>? configure = null, FakeTimeProvider? time = null, PriceCatalog? catalog = null, string? directory = null)
    {
        Directory = directory ?? Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Options = new OperationStoreOptions { ArchiveDirectory = null };
        configure?.Invoke(Options);
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        FilePath = Path.Combine(Directory, "operations.duckdb");
        Store = new DuckDbOperationStore(Microsoft.Extensions.Options.Options.Create(Options), FilePath, Time, NullLogger<DuckDbOperationStore>.Instance, catalog);
    }

    public string Directory { get; }

    public string FilePath { get; }

    public OperationStoreOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public DuckDbOperationStore Store { get; }

    /// <summary>Waits (without a clock) until the store reaches <paramref name="state"/>; fails after 120 s of real time (a loaded machine).</summary>
    public async Task WaitForStateAsync(OperationStoreState state)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        while (Store.Status.State != state)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Yield();
            await Task.Delay(5, CancellationToken.None);
        }
    }

    /// <summary>Leave the folder on dispose (a later store reopens the same file).</summary>
    public bool KeepFiles { get; init; }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        if (KeepFiles)
        {
            return;
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Random operations over every filterable field (with missing values), and a brute-force aggregate to compare with.</summary>
internal static class OperationStoreTestData
{
    /// <summary>The rows of a two-column query (an id, a nullable string) as a dictionary: what the writer or a migration wrote.</summary>
    public static Dictionary<string, string?> Texts(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, string?>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result[reader.GetString(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
        }

        return result;
    }

    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-pro"];
    public static readonly string[] Providers = ["openai", "azure.ai.openai", "anthropic", "gcp.gemini"];
    public static readonly string[] Applications = ["support-bot", "summarizer", "search"];
    public static readonly string[] Environments = ["production", "staging", "eu"];
    public static readonly string[] Kinds = [AiOperationKinds.Chat, AiOperationKinds.Embeddings, AiOperationKinds.StreamText];
    public static readonly string[] Functions = ["summarize", "classify", "answer"];
    public static readonly string[] Users = ["u-1", "u-2", "u-42", "u-7"];
    public static readonly string[] Sessions = ["s-a", "s-b", "s-c"];
    public static readonly string[] Tiers = ["free", "pro", "enterprise"];

    /// <summary>Deterministic operations spread over <paramref name="hours"/> hours from <see cref="Start"/>.</summary>
    public static List<AiOperation> Generate(int count, int seed = 7, int hours = 48)
    {
        var random = new Random(seed);
        var result = new List<AiOperation>(count);
        for (var i = 0; i < count; i++)
        {
            var error = random.NextDouble() < 0.15;
            var model = Pick(random, Models);
            var input = random.Next(0, 5000);
            var cached = random.Next(0, input / 2 + 1);
            var output = random.Next(0, 2000);
            var metadata = new Dictionary<string, string>();
            if (random.NextDouble() < 0.7)
            {
                metadata["tier"] = Pick(random, Tiers);
            }

            if (random.NextDouble() < 0.3)
            {
                metadata["region.name"] = random.NextDouble() < 0.5 ? "eu-west" : "us-east";
            }

            var pricing = random.NextDouble() < 0.1 ? PricingStatus.Unpriced : PricingStatus.Priced;
            result.Add(new AiOperation
            {
                OperationId = $"op-{seed}-{i}",
                TraceId = random.NextDouble() < 0.5 ? $"{i:x32}" : null,
                SpanId = $"{i:x16}",
                StartTime = Start.AddMilliseconds(random.NextInt64(0, hours * 3_600_000L)),
                DurationMs = Math.Round(random.NextDouble() * 5000, 3),
                TimeToFirstTokenMs = random.NextDouble() < 0.5 ? Math.Round(random.NextDouble() * 800, 3) : null,
                Operation = Pick(random, Kinds),
                Provider = Pick(random, Providers),
                RequestModel = random.NextDouble() < 0.1 ? "unknown" : model,
                ResponseModel = random.NextDouble() < 0.5 ? model + "-2024-08-06" : null,
                InputTokens = input,
                OutputTokens = output,
                CachedInputTokens = cached,
                CacheCreationInputTokens = random.Next(0, 10),
                ReasoningTokens = random.Next(0, output / 3 + 1),
                CostUsd = pricing == PricingStatus.Priced ? Math.Round((decimal)random.NextDouble() / 10m, 9) : null,
                Pricing = pricing,
                PriceVersion = pricing == PricingStatus.Priced ? model + "@2024-05-13" : null,
                Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
                ErrorCategory = error ? (random.NextDouble() < 0.5 ? ErrorCategory.RateLimit : ErrorCategory.Timeout) : ErrorCategory.None,
                Error = error ? new ErrorDetails { Type = "HttpRequestException", HttpStatus = 429, Message = "slow down" } : null,
                Application = Pick(random, Applications),
                Environment = random.NextDouble() < 0.8 ? Pick(random, Environments) : null,
                FunctionId = random.NextDouble() < 0.8 ? Pick(random, Functions) : null,
                UserId = random.NextDouble() < 0.9 ? Pick(random, Users) : null,
                SessionId = random.NextDouble() < 0.7 ? Pick(random, Sessions) : null,
                ConversationId = random.NextDouble() < 0.3 ? $"conv-{i % 13}" : null,
                ExperimentKey = random.NextDouble() < 0.4 ? "prompt-v2" : null,
                ExperimentVariant = random.NextDouble() < 0.4 ? (random.NextDouble() < 0.5 ? "control" : "treatment") : null,
                RetryCount = random.Next(0, 3),
                FallbackUsed = random.NextDouble() < 0.1,
                FinishReasons = random.NextDouble() < 0.5 ? ["stop"] : null,
                Metadata = metadata.Count == 0 ? null : metadata,
            });
        }

        return result;
    }

    /// <summary>The aggregate computed by hand over <paramref name="operations"/>, with the same definitions as the store.</summary>
    public static OperationAggregateRow BruteForce(IEnumerable<AiOperation> operations)
    {
        var list = operations.ToList();
        var durations = list.Select(o => o.DurationMs).OrderBy(d => d).ToList();
        var ttfts = list.Where(o => o.TimeToFirstTokenMs is not null).Select(o => o.TimeToFirstTokenMs!.Value).OrderBy(d => d).ToList();
        return new OperationAggregateRow
        {
            Requests = list.Count,
            Errors = list.Count(o => o.Status == AiOperationStatus.Error),
            InputTokens = list.Sum(o => o.InputTokens),
            OutputTokens = list.Sum(o => o.OutputTokens),
            CachedInputTokens = list.Sum(o => o.CachedInputTokens),
            CacheCreationInputTokens = list.Sum(o => o.CacheCreationInputTokens),
            ReasoningTokens = list.Sum(o => o.ReasoningTokens),
            CostUsd = list.Sum(o => o.CostUsd ?? 0m),
            UnpricedRequests = list.Count(o => o.Pricing == PricingStatus.Unpriced),
            LatencyP50 = Quantile(durations, 0.5),
            LatencyP95 = Quantile(durations, 0.95),
            LatencyP99 = Quantile(durations, 0.99),
            LatencyAvg = durations.Count == 0 ? null : durations.Average(),
            TtftP50 = Quantile(ttfts, 0.5),
            TtftP95 = Quantile(ttfts, 0.95),
            LastSeen = list.Count == 0 ? null : list.Max(o => o.EndTime),
        };
    }

    /// <summary>
    /// Continuous quantile with linear interpolation between closest ranks (Hyndman and Fan type 7, the definition of
    /// numpy.percentile's default and of DuckDB's quantile_cont): h = (n - 1) q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
    /// </summary>
    public static double? Quantile(IReadOnlyList<double> sorted, double q)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var h = (sorted.Count - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>Asserts that a store row equals the brute-force row (counts, tokens, cost exact; percentiles to 1e-6).</summary>
    public static void AssertSame(OperationAggregateRow expected, OperationAggregateRow actual, string context)
    {
        Assert.True(expected.Requests == actual.Requests, $"{context}: requests {expected.Requests} != {actual.Requests}");
        Assert.True(expected.Errors == actual.Errors, $"{context}: errors");
        Assert.True(expected.InputTokens == actual.InputTokens, $"{context}: input tokens");
        Assert.True(expected.OutputTokens == actual.OutputTokens, $"{context}: output tokens");
        Assert.True(expected.CachedInputTokens == actual.CachedInputTokens, $"{context}: cached tokens");
        Assert.True(expected.CacheCreationInputTokens == actual.CacheCreationInputTokens, $"{context}: cache creation tokens");
        Assert.True(expected.ReasoningTokens == actual.ReasoningTokens, $"{context}: reasoning tokens");
        Assert.True(expected.CostUsd == actual.CostUsd, $"{context}: cost {expected.CostUsd} != {actual.CostUsd}");
        Assert.True(expected.UnpricedRequests == actual.UnpricedRequests, $"{context}: unpriced");
        Close(expected.LatencyP50, actual.LatencyP50, $"{context}: p50");
        Close(expected.LatencyP95, actual.LatencyP95, $"{context}: p95");
        Close(expected.LatencyP99, actual.LatencyP99, $"{context}: p99");
        Close(expected.LatencyAvg, actual.LatencyAvg, $"{context}: avg");
        Close(expected.TtftP50, actual.TtftP50, $"{context}: ttft p50");
        Close(expected.TtftP95, actual.TtftP95, $"{context}: ttft p95");
        if (expected.LastSeen is { } last)
        {
            Assert.NotNull(actual.LastSeen);
            Assert.True(Math.Abs((last - actual.LastSeen!.Value).TotalMilliseconds) < 0.01, $"{context}: last seen");
        }
    }

    private static void Close(double? expected, double? actual, string context)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{context}: {expected} vs {actual}");
        if (expected is { } e)
        {
            Assert.True(Math.Abs(e - actual!.Value) <= 1e-6 * Math.Max(1, Math.Abs(e)), $"{context}: {e} != {actual}");
        }
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];
}
