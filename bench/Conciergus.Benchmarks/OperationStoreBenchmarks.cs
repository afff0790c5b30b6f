using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Microsoft.Extensions.Options;

namespace Conciergus.Benchmarks;

/// <summary>Operations for the store benchmarks: 4 providers x 8 models, 5 applications, 2,000 users, a metadata key.</summary>
public static class StoreBenchData
{
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "o3-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "mistral-large"];
    private static readonly string[] Providers = ["openai", "openai", "openai", "anthropic", "anthropic", "gcp.gemini", "gcp.gemini", "mistral_ai"];
    private static readonly string[] Applications = ["support-bot", "summarizer", "search", "agent", "batch"];
    private static readonly string[] Tiers = ["free", "pro", "enterprise"];

    /// <summary>One operation ending at <paramref name="end"/>.</summary>
    public static AiOperation Operation(Random random, DateTimeOffset end, long i)
    {
        var m = random.Next(Models.Length);
        var duration = 50 + (random.NextDouble() * 4000);
        var error = random.NextDouble() < 0.03;
        return new AiOperation
        {
            OperationId = $"op-{i}",
            TraceId = i.ToString("x32", System.Globalization.CultureInfo.InvariantCulture),
            SpanId = i.ToString("x16", System.Globalization.CultureInfo.InvariantCulture),
            StartTime = end.AddMilliseconds(-duration),
            DurationMs = duration,
            TimeToFirstTokenMs = random.NextDouble() < 0.5 ? duration / 5 : null,
            Provider = Providers[m],
            RequestModel = Models[m],
            InputTokens = random.Next(100, 4000),
            OutputTokens = random.Next(10, 1000),
            CachedInputTokens = random.Next(0, 100),
            CostUsd = (decimal)random.Next(1, 100_000) / 10_000_000m,
            Pricing = PricingStatus.Priced,
            PriceVersion = Models[m] + "@2025-01-01",
            Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = error ? ErrorCategory.RateLimit : ErrorCategory.None,
            Application = Applications[random.Next(Applications.Length)],
            Environment = random.NextDouble() < 0.5 ? "production" : "eu",
            UserId = "user-" + random.Next(2000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            SessionId = "s-" + random.Next(20_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            FunctionId = "fn-" + random.Next(20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Metadata = new Dictionary<string, string> { ["tier"] = Tiers[random.Next(Tiers.Length)] },
        };
    }

    /// <summary>A store on a fresh temp folder.</summary>
    public static (DuckDbOperationStore Store, string Directory) NewStore(int queueCapacity = 200_000)
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-store-bench", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var options = Options.Create(new OperationStoreOptions { QueueCapacity = queueCapacity });
        return (new DuckDbOperationStore(options, Path.Combine(directory, "operations.duckdb"), TimeProvider.System), directory);
    }
}

/// <summary>
/// Filtered aggregates over a store holding <see cref="Count"/> operations spread over 30 days (what the read API asks
/// the store when the in-memory series cannot answer): p95 reported.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Percentiles))]
public class OperationStoreQueryBenchmarks
{
    private DuckDbOperationStore _store = null!;
    private string _directory = null!;
    private OperationQuery _filtered = null!;
    private OperationQuery _byModel = null!;
    private OperationQuery _metadataSeries = null!;

    /// <summary>Stored operations.</summary>
    [Params(1_000_000)]
    public int Count { get; set; }

    /// <summary>Appends <see cref="Count"/> operations over 30 days and reports disk bytes per operation.</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_store, _directory) = StoreBenchData.NewStore(queueCapacity: 1_000_000);
        var random = new Random(42);
        var start = BenchData.Start;
        var spacing = TimeSpan.FromDays(30) / Count;
        for (var i = 0; i < Count; i++)
        {
            while (!_store.TryAppend(StoreBenchData.Operation(random, start + (spacing * i), i)))
            {
                _store.FlushAsync().GetAwaiter().GetResult();
            }
        }

        _store.FlushAsync().GetAwaiter().GetResult();
        _store.CompactAsync().GetAwaiter().GetResult(); // a checkpointed file, as after a restart
        var bytes = _store.Status.DiskBytes;
        Console.WriteLine($"// STORE: {Count} operations, {bytes} bytes on disk, {(double)bytes / Count:0.0} bytes per operation");
        var to = start + TimeSpan.FromDays(30);
        var filter = new OperationFilter([new FilterClause("model", ["gpt-4o", "claude-sonnet-4-5"]), new FilterClause("application", ["support-bot"]), new FilterClause("environment", ["eu"])]);
        _filtered = new OperationQuery { From = start, To = to, Filter = filter, GroupBy = "user" };
        _byModel = new OperationQuery { From = to.AddDays(-7), To = to, GroupBy = "model" };
        _metadataSeries = new OperationQuery { From = to.AddDays(-1), To = to, GroupBy = "metadata.tier", Step = TimeSpan.FromHours(1), Filter = new OperationFilter([new FilterClause("status", ["error"])]) };
    }

    /// <summary>30 days, 3 filters (model OR, application, environment), grouped by user, with exact percentiles.</summary>
    [Benchmark]
    public int Filtered30DaysByUser() => _store.AggregateAsync(_filtered).GetAwaiter().GetResult().Count;

    /// <summary>7 days, no filter, one row per provider + model.</summary>
    [Benchmark]
    public int Last7DaysByModel() => _store.AggregateAsync(_byModel).GetAwaiter().GetResult().Count;

    /// <summary>1 day of errors by a metadata key in hourly buckets.</summary>
    [Benchmark]
    public int LastDayErrorsByMetadataHourly() => _store.AggregateAsync(_metadataSeries).GetAwaiter().GetResult().Count;

    /// <summary>Closes and deletes the store.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class Percentiles : ManualConfig
    {
        public Percentiles()
        {
            AddColumn(StatisticColumn.P95);
            AddJob(Job.ShortRun.WithIterationCount(15).WithToolchain(InProcessEmitToolchain.Instance)); // in-process: no separate build on a busy box
        }
    }
}

/// <summary>
/// Sustained appends: 100,000 operations enqueued and committed (TryAppend then FlushAsync) per invocation; the
/// rate is 100,000 / Mean. <see cref="TryAppend"/> is the hot-path cost alone (enqueue into the bounded channel).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Short))]
public class OperationStoreAppendBenchmarks
{
    private const int Batch = 100_000;
    private readonly AiOperation[] _operations = new AiOperation[Batch];
    private DuckDbOperationStore _store = null!;
    private string _directory = null!;

    /// <summary>Prepares the operations and an empty store.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < Batch; i++)
        {
            _operations[i] = StoreBenchData.Operation(random, BenchData.Start.AddMilliseconds(i), i);
        }

        (_store, _directory) = StoreBenchData.NewStore(queueCapacity: 2 * Batch);
        _store.FlushAsync().GetAwaiter().GetResult();
    }

    /// <summary>Enqueues 100,000 and waits until they are committed.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void AppendAndCommit()
    {
        foreach (var operation in _operations)
        {
            _store.TryAppend(operation);
        }

        _store.FlushAsync().GetAwaiter().GetResult();
    }

    /// <summary>The hot path alone: enqueue 100,000 (the writer drains concurrently; flushed outside the measurement).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int TryAppend()
    {
        var accepted = 0;
        foreach (var operation in _operations)
        {
            accepted += _store.TryAppend(operation) ? 1 : 0;
        }

        return accepted;
    }

    /// <summary>Drains what <see cref="TryAppend"/> queued, outside the measurement.</summary>
    [IterationCleanup]
    public void Drain() => _store.FlushAsync().GetAwaiter().GetResult();

    /// <summary>Reports drops, closes and deletes the store.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// STORE: appended {_store.Status.Appended}, dropped {_store.Status.Dropped}, {_store.Status.DiskBytes} bytes");
        _store.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private sealed class Short : ManualConfig
    {
        public Short() => AddJob(Job.ShortRun.WithInvocationCount(1).WithUnrollFactor(1).WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance));
    }
}
