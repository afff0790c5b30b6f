using System.Diagnostics;
using System.Globalization;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Microsoft.Extensions.Options;

// Operation store measurements (issue 14), driven by bench/storebench.sh:
//   append  --file F --count N [--days D] [--pregenerate]   appends N operations ending now (spread over D days) through
//                                                          the store's own TryAppend + writer; prints the committed rate
//                                                          and, after close (checkpoint), bytes per operation
//   query   --file F [--runs R] [--catalog] [--stale]        filtered aggregates over the whole file: p50 / p95 / max;
//                                                          --catalog opens the store with the built-in price catalog
//                                                          (as the dashboard does), --stale also asks for the stale-price
//                                                          count (the join to the catalog's versions)
//   rowcost [--dir D] [--count N] [--rate R] [--rounds K] [--commit-ms C] [--request-spans] [--settings "SET x = y;"] [--no-finish-reasons]
//                                                          CPU per trace of the rows OTLP ingestion stores: operations
//                                                          only vs operations + span rows, paced at R traces/s (RowCost.cs)
//   stagecost [--dir D] [--count N] [--rate R] [--rounds K] [--commit-ms C] [--variants store,pace,stage,...] [--settings "SET x = y;"] [--keep]
//                                                          the same rows through the store, a memory stage, the stage
//                                                          loaded by row groups, an fsync'd log (StageCost.cs)
// Every line starting with "RESULT" is machine-read by the script.
var command = args.Length > 0 ? args[0] : "help";
var options = Options(args);
switch (command)
{
    case "append":
        await AppendAsync(options["file"], long.Parse(options["count"], CultureInfo.InvariantCulture), double.Parse(options.GetValueOrDefault("days", "30"), CultureInfo.InvariantCulture), options.ContainsKey("pregenerate"));
        break;
    case "grow":
        Grow(options["file"], long.Parse(options["count"], CultureInfo.InvariantCulture));
        break;
    case "read":
        await ReadAsync(options["file"]);
        break;
    case "restore":
        await RestoreProfileAsync(options["file"]);
        break;
    case "sql":
        Sql(options["file"], options["sql"], int.Parse(options.GetValueOrDefault("runs", "5"), CultureInfo.InvariantCulture));
        break;
    case "rowcost":
        var paced = Paced(options, defaultCount: 100_000);
        await RowCost.RunAsync(
            paced.Dir,
            paced.Count,
            paced.Rate,
            paced.Rounds,
            paced.CommitInterval,
            options.ContainsKey("request-spans"),
            options.GetValueOrDefault("settings"),
            options.ContainsKey("no-finish-reasons"));
        break;
    case "stagecost":
        var staged = Paced(options, defaultCount: 250_000);
        await StageCost.RunAsync(staged.Dir, staged.Count, staged.Rate, staged.Rounds, staged.CommitInterval, options.GetValueOrDefault("variants"),
            options.GetValueOrDefault("settings"),
            options.ContainsKey("keep"));
        break;
    case "query":
        await QueryAsync(options["file"], int.Parse(options.GetValueOrDefault("runs", "40"), CultureInfo.InvariantCulture), options.ContainsKey("catalog"), options.ContainsKey("stale"));
        break;
    default:
        Console.WriteLine("usage: append --file F --count N [--days D] [--pregenerate] | query --file F [--runs R]");
        return 2;
}

return 0;

static async Task AppendAsync(string file, long count, double days, bool pregenerate)
{
    var (store, _) = Open(file, queueCapacity: 200_000);
    await WaitHealthyAsync(store);
    var end = DateTimeOffset.UtcNow;
    var spacing = TimeSpan.FromDays(days) / count;
    var start = end - TimeSpan.FromDays(days);
    var random = new Random(42);
    var before = store.Status.Appended;

    // Pregenerated: the writer alone is measured (the producer only enqueues); otherwise generation shares the cores.
    AiOperation[]? pool = null;
    if (pregenerate)
    {
        pool = new AiOperation[count];
        for (var i = 0L; i < count; i++)
        {
            pool[i] = StoreData.Operation(random, start + (spacing * i), i);
        }
    }

    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var lastReport = clock.Elapsed;
    for (var i = 0L; i < count; i++)
    {
        var operation = pool is null ? StoreData.Operation(random, start + (spacing * i), i) : pool[i];

        // Backpressure for a generator: wait for room rather than drop (the dashboard drops and counts instead).
        if ((i & 0x3FF) == 0)
        {
            while (store.Status.QueueLength > 190_000)
            {
                await Task.Delay(2);
            }
        }

        store.TryAppend(operation);

        if ((i & 0xFFFF) == 0 && clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
        {
            lastReport = clock.Elapsed;
            Console.WriteLine($"  {i:N0} enqueued, {store.Status.Appended - before:N0} committed, {clock.Elapsed.TotalSeconds:0} s");
        }
    }

    await store.FlushAsync();
    var seconds = clock.Elapsed.TotalSeconds;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    var status = store.Status;
    var committed = status.Appended - before;
    var dropped = status.Dropped;
    await BuildRollupAsync(store);
    await store.DisposeAsync(); // checkpoints
    var bytes = new FileInfo(file).Length + (File.Exists(file + ".wal") ? new FileInfo(file + ".wal").Length : 0);
    var total = TotalRows(file);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT append count={committed} seconds={seconds:0.00} rate={committed / seconds:0} dropped={dropped} pregenerated={pregenerate} cpuSeconds={cpu:0.00} cpuUsPerOp={cpu * 1e6 / Math.Max(1, committed):0.0}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT disk rows={total} bytes={bytes} bytesPerOp={(double)bytes / Math.Max(1, total):0.0}"));
}

// Copies the rows already in the file until it holds `count`: new operation ids, times shifted by whole seconds (same
// 30 days), so a 10M file is made in seconds from 1M rows written by the store's own appender. Rows added behind the
// store's back make its hourly rollup stale: it is emptied here and rebuilt by the store below.
static void Grow(string file, long count)
{
    var clock = Stopwatch.StartNew();
    var rows = TotalRows(file);
    var copies = (count + rows - 1) / rows;
    using (var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={file}"))
    {
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"""
            SET preserve_insertion_order = false;
            INSERT INTO operations SELECT o.* REPLACE (
                    o.operation_id || '-' || t.k AS operation_id,
                    o.start_time - to_seconds(t.k * 7) AS start_time,
                    o.end_time - to_seconds(t.k * 7) AS end_time)
                FROM range(1, {copies}) t(k), operations o LIMIT {count - rows};
            DELETE FROM rollup_hours; DELETE FROM rollup_totals; DELETE FROM rollup_sketch;
            CHECKPOINT;
            """);
        command.ExecuteNonQuery();
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT grow seconds={clock.Elapsed.TotalSeconds:0.0}"));

    // As a store that has been running keeps it: every complete hour in the rollup (timed: the cost of a full rebuild).
    var (store, _) = Open(file, queueCapacity: 1000);
    WaitHealthyAsync(store).GetAwaiter().GetResult();
    BuildRollupAsync(store).GetAwaiter().GetResult();
    store.DisposeAsync().AsTask().GetAwaiter().GetResult();
    var total = TotalRows(file);
    var bytes = new FileInfo(file).Length + (File.Exists(file + ".wal") ? new FileInfo(file + ".wal").Length : 0);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT grow rows={total}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT disk rows={total} bytes={bytes} bytesPerOp={(double)bytes / Math.Max(1, total):0.0}"));
}

// Seals every complete hour of the store's hourly rollup (what the writer does a few hours at a time) and says what it cost.
static async Task BuildRollupAsync(DuckDbOperationStore store)
{
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    var hours = await store.BuildRollupAsync();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT rollup hours={hours} seconds={clock.Elapsed.TotalSeconds:0.00} cpuSeconds={(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:0.00}"));
}

// The restore's read alone (no rings): how much of restart-to-restored is DuckDB plus materializing the operations.
static async Task ReadAsync(string file)
{
    var (store, _) = Open(file, queueCapacity: 1000);
    await WaitHealthyAsync(store);
    var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    long rows = 0;
    long tokens = 0;
    await foreach (var operation in store.ReadForRestoreAsync(DateTimeOffset.UnixEpoch, DateTimeOffset.UtcNow.AddDays(1)))
    {
        rows++;
        tokens += operation.InputTokens;
    }

    var seconds = clock.Elapsed.TotalSeconds;
    var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT read rows={rows} seconds={seconds:0.00} rate={rows / seconds:0} cpuUsPerOp={cpu * 1e6 / Math.Max(1, rows):0.0} tokens={tokens}"));
    await store.DisposeAsync();
}

// The bulk restore's reads one by one (rows, wall, process CPU), with the default rings, ending now: where restart time goes.
static async Task RestoreProfileAsync(string file)
{
    var (store, _) = Open(file, queueCapacity: 1000);
    await WaitHealthyAsync(store);
    var now = DateTimeOffset.UtcNow;
    var rings = new (TimeSpan Step, TimeSpan Reach)[] { (TimeSpan.FromHours(1), TimeSpan.FromDays(30)), (TimeSpan.FromMinutes(1), TimeSpan.FromHours(48)), (TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(15)) };
    // Side by side: the raw scan first, then the hourly rollup (the hour ring only; the others read raw rows either way).
    foreach (var rollup in new[] { false, true })
    {
        store.ReadRollup = rollup;
        var query = new RestoreBucketQuery { Since = now - TimeSpan.FromDays(30) - TimeSpan.FromHours(1), Until = now, Step = TimeSpan.FromHours(1), ClampTo = now, SketchScale = 1 / Math.Log(1.01 / 0.99) };
        var cpuHour = Process.GetCurrentProcess().TotalProcessorTime;
        var hourClock = Stopwatch.StartNew();
        await TimeAsync($"totals step=01:00:00 rollup={rollup}", store.ReadRestoreBucketsAsync(query));
        await TimeAsync($"latency step=01:00:00 rollup={rollup}", store.ReadRestoreSketchAsync(query, false));
        await TimeAsync($"ttft step=01:00:00 rollup={rollup}", store.ReadRestoreSketchAsync(query, true));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT restoreread name=hourring rollup={rollup} seconds={hourClock.Elapsed.TotalSeconds:0.00} cpuSeconds={(Process.GetCurrentProcess().TotalProcessorTime - cpuHour).TotalSeconds:0.00}"));
    }

    var total = Stopwatch.StartNew();
    var cpuTotal = Process.GetCurrentProcess().TotalProcessorTime;
    foreach (var (step, reach) in rings)
    {
        var query = new RestoreBucketQuery { Since = now - reach - step, Until = now, Step = step, ClampTo = now, SketchScale = 1 / Math.Log(1.01 / 0.99) };
        await TimeAsync($"totals step={step}", store.ReadRestoreBucketsAsync(query));
        await TimeAsync($"latency step={step}", store.ReadRestoreSketchAsync(query, false));
        await TimeAsync($"ttft step={step}", store.ReadRestoreSketchAsync(query, true));
    }

    await TimeAsync("ledger", store.ReadRestoreUserDaysAsync(new RestoreBucketQuery { Since = now.AddDays(-35), Until = now, ClampTo = now }));
    var errors = Stopwatch.StartNew();
    await store.ReadNewestAsync(now.AddDays(-35), now, new OperationFilter([new FilterClause("status", ["error"])]), 512);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT restoreread name=errors seconds={errors.Elapsed.TotalSeconds:0.00}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT restoreread name=all seconds={total.Elapsed.TotalSeconds:0.00} cpuSeconds={(Process.GetCurrentProcess().TotalProcessorTime - cpuTotal).TotalSeconds:0.00}"));
    await store.DisposeAsync();

    static async Task TimeAsync<T>(string name, IAsyncEnumerable<T> rows)
    {
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        TimeSpan? first = null;
        long n = 0;
        await foreach (var _ in rows)
        {
            first ??= clock.Elapsed;
            n++;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT restoreread name=\"{name}\" rows={n} firstRowSeconds={first?.TotalSeconds ?? 0:0.00} seconds={clock.Elapsed.TotalSeconds:0.00} cpuSeconds={(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:0.00}"));
    }
}

// Ad-hoc SQL timing (statements separated by lines holding only ";;"): one warm run, then R timed runs, CPU ms per run;
// prints the first three rows of each statement (row counts and sizes of what a statement built).
static void Sql(string file, string sqlFile, int runs)
{
    using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={file}");
    connection.Open();
    foreach (var text in File.ReadAllText(sqlFile).Split("\n;;\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        long rows = 0;
        var shown = new List<string>();
        void Run()
        {
            using var command = connection.CreateCommand();
            command.CommandText = text;
            using var reader = command.ExecuteReader();
            rows = 0;
            shown.Clear();
            do
            {
                while (reader.Read())
                {
                    if (rows++ < 3)
                    {
                        shown.Add(string.Join(" | ", Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture))));
                    }
                }
            }
            while (reader.NextResult());
        }

        Run();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var times = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            Run();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / Math.Max(1, runs);
        var head = text.Length > 90 ? text[..90] : text;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT sql rows={rows} cpuMs={cpuMs:0.0} p50={(runs > 0 ? times[runs / 2] : 0):0.0} max={(runs > 0 ? times[^1] : 0):0.0} :: {head.ReplaceLineEndings(" ")}"));
        shown.ForEach(row => Console.WriteLine("  " + row));
    }
}

static async Task QueryAsync(string file, int runs, bool catalog, bool stale)
{
    var openCpu = Process.GetCurrentProcess().TotalProcessorTime;
    var openClock = Stopwatch.StartNew();
    var (store, _) = Open(file, queueCapacity: 1000, catalog ? Conciergus.Core.Pricing.PriceCatalog.CreateBuiltIn() : null);
    await WaitHealthyAsync(store);
    // Opening includes a file's migration to the current schema (once per file).
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT open seconds={openClock.Elapsed.TotalSeconds:0.00} cpuSeconds={(Process.GetCurrentProcess().TotalProcessorTime - openCpu).TotalSeconds:0.00}"));
    var rows = await store.AggregateAsync(new OperationQuery { From = DateTimeOffset.UnixEpoch, To = DateTimeOffset.UtcNow.AddDays(1) });
    var total = rows.Sum(r => r.Requests);
    var to = DateTimeOffset.UtcNow.AddMinutes(1);
    var from = to.AddDays(-31);
    var queries = new (string Name, OperationQuery Query)[]
    {
        // What the read API sends the store for a slice the memory series cannot answer.
        ("30d model(2)+application+environment by user", new OperationQuery
        {
            From = from, To = to, GroupBy = "user",
            Filter = new OperationFilter([new FilterClause("model", ["gpt-4o", "claude-sonnet-4-5"]), new FilterClause("application", ["support-bot"]), new FilterClause("environment", ["eu"])]),
        }),
        ("30d summary user=user-42 (one user)", new OperationQuery { From = from, To = to, Filter = new OperationFilter([new FilterClause("user", ["user-42"])]) }),
        ("30d metadata.tier=pro by model", new OperationQuery { From = from, To = to, GroupBy = "model", Filter = new OperationFilter([new FilterClause("metadata.tier", ["pro"])]) }),
        ("24h errors by metadata.tier hourly", new OperationQuery { From = to.AddDays(-1), To = to, GroupBy = "metadata.tier", Step = TimeSpan.FromHours(1), Filter = new OperationFilter([new FilterClause("status", ["error"])]) }),
    };
    queries = [.. queries.Select(q => (q.Name, q.Query with { CountStalePriced = stale }))];

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {total:N0} operations in the file"));
    var worstP95 = 0.0;
    foreach (var (name, query) in queries)
    {
        await store.AggregateAsync(query); // warm (first read of the columns)
        var times = new List<double>(runs);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        for (var r = 0; r < runs; r++)
        {
            var clock = Stopwatch.StartNew();
            await store.AggregateAsync(query);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / runs;
        times.Sort();
        var p50 = times[(int)Math.Ceiling(0.50 * runs) - 1];
        var p95 = times[(int)Math.Ceiling(0.95 * runs) - 1];
        worstP95 = Math.Max(worstP95, p95);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT query name=\"{name}\" runs={runs} p50={p50:0.0} p95={p95:0.0} max={times[^1]:0.0} ms, CPU {cpuMs:0.0} ms per query (DuckDB threads included)"));
    }

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT queries operations={total} worstP95={worstP95:0.0}"));
    await store.DisposeAsync();
}

static (DuckDbOperationStore Store, string File) Open(string file, int queueCapacity, Conciergus.Core.Pricing.PriceCatalog? catalog = null)
{
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
    var options = Microsoft.Extensions.Options.Options.Create(new OperationStoreOptions { QueueCapacity = queueCapacity, MaxBatchSize = 50_000, MaxDiskBytes = 0 });
    return (new DuckDbOperationStore(options, file, TimeProvider.System, catalog: catalog), file);
}

static async Task WaitHealthyAsync(DuckDbOperationStore store)
{
    while (store.Status.State == OperationStoreState.Starting)
    {
        await Task.Delay(10);
    }

    if (store.Status.State != OperationStoreState.Healthy)
    {
        throw new InvalidOperationException($"store not healthy: {store.Status.Reason}");
    }
}

static long TotalRows(string file)
{
    using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={file}");
    connection.Open();
    using var command = connection.CreateCommand();
    command.CommandText = "SELECT count(*) FROM operations";
    return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
}

// The paced subcommands' common arguments (rowcost, stagecost): folder, traces per variant, traces/s, rounds, commit interval.
static (string Dir, int Count, int Rate, int Rounds, TimeSpan CommitInterval) Paced(Dictionary<string, string> options, int defaultCount) => (
    options.GetValueOrDefault("dir", Path.GetTempPath()),
    options.TryGetValue("count", out var count) ? int.Parse(count, CultureInfo.InvariantCulture) : defaultCount,
    int.Parse(options.GetValueOrDefault("rate", "14000"), CultureInfo.InvariantCulture),
    int.Parse(options.GetValueOrDefault("rounds", "2"), CultureInfo.InvariantCulture),
    TimeSpan.FromMilliseconds(double.Parse(options.GetValueOrDefault("commit-ms", "250"), CultureInfo.InvariantCulture)));

static Dictionary<string, string> Options(string[] args)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 1; i < args.Length; i++)
    {
        if (args[i].StartsWith("--", StringComparison.Ordinal))
        {
            var key = args[i][2..];
            result[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : "true";
        }
    }

    return result;
}

/// <summary>Operations like the store benchmarks': 8 models over 4 providers, 5 applications, 2,000 users, a metadata key, 3% errors.</summary>
internal static class StoreData
{
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "o3-mini", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro", "gemini-2.5-flash", "mistral-large"];
    private static readonly string[] Providers = ["openai", "openai", "openai", "anthropic", "anthropic", "gcp.gemini", "gcp.gemini", "mistral_ai"];
    private static readonly string[] Applications = ["support-bot", "summarizer", "search", "agent", "batch"];
    private static readonly string[] Users = [.. Enumerable.Range(0, 2000).Select(i => "user-" + i.ToString(CultureInfo.InvariantCulture))];
    private static readonly string[] Sessions = [.. Enumerable.Range(0, 20_000).Select(i => "s-" + i.ToString(CultureInfo.InvariantCulture))];
    private static readonly string[] Functions = [.. Enumerable.Range(0, 20).Select(i => "fn-" + i.ToString(CultureInfo.InvariantCulture))];
    private static readonly Dictionary<string, string>[] Tiers = [new() { ["tier"] = "free" }, new() { ["tier"] = "pro" }, new() { ["tier"] = "enterprise" }];

    /// <summary>One operation ending at <paramref name="end"/>.</summary>
    public static AiOperation Operation(Random random, DateTimeOffset end, long i)
    {
        var m = random.Next(Models.Length);
        var duration = 50 + (random.NextDouble() * 4000);
        var error = random.NextDouble() < 0.03;
        return new AiOperation
        {
            OperationId = "op-" + i.ToString(CultureInfo.InvariantCulture),
            TraceId = i.ToString("x32", CultureInfo.InvariantCulture),
            SpanId = i.ToString("x16", CultureInfo.InvariantCulture),
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
            UserId = Users[random.Next(Users.Length)],
            SessionId = Sessions[random.Next(Sessions.Length)],
            FunctionId = Functions[random.Next(Functions.Length)],
            Metadata = Tiers[random.Next(Tiers.Length)],
        };
    }
}
