using System.Diagnostics;
using System.Globalization;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using Microsoft.Extensions.Options;

/// <summary>
/// The store's cost per ingested row, as OTLP ingestion feeds it (issue 14 (a)): the rows of the LoadGen's payload (per
/// trace one operation and the span of its AI call, 12 attributes, as `OtlpTraceIngestor` makes them) go through the
/// store's own TryAppend / TryAppendSpan at a fixed rate, so the writer lingers and commits as it does under ingestion
/// (a few commits a second) rather than in full batches. Variants, side by side in one process, alternating: "ops"
/// (operations only) and "ops+spans", after a warm-up round and with the rollup's empty hours sealed first; the
/// process's CPU from the first append to the closed file (the last checkpoint included) per trace. The span row's cost is the difference.
/// </summary>
internal static class RowCost
{
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash"];
    private static readonly string[] Providers = ["openai", "openai", "anthropic", "gcp.gemini"];

    public static async Task RunAsync(string directory, int count, int rate, int rounds, TimeSpan commitInterval, bool requestSpans, string? settings, bool noFinishReasons = false)
    {
        var (operations, spans, parents) = Traces(count, requestSpans);
        if (noFinishReasons)
        {
            // What the operation row costs without its one list column (finish_reasons) filled.
            for (var i = 0; i < count; i++)
            {
                operations[i] = operations[i] with { FinishReasons = null };
            }
        }

        var results = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        // Round -1 warms up (JIT, DuckDB) and is not counted.
        for (var round = -1; round < rounds; round++)
        {
            foreach (var withSpans in new[] { false, true })
            {
                var n = round < 0 ? Math.Min(count, 20_000) : count;
                var name = withSpans ? (requestSpans ? "ops+2spans" : "ops+spans") : "ops";
                var file = Path.Combine(directory, $"rowcost-{round}-{name}.duckdb");
                var (cpu, seconds, status, bytes) = await StorePassAsync(file, operations, withSpans ? spans : null, withSpans ? parents : null, n, rate, commitInterval, settings);
                var perTrace = cpu * 1e6 / n;
                if (round >= 0)
                {
                    (results.TryGetValue(name, out var list) ? list : results[name] = []).Add(perTrace);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(round < 0 ? "warm-up" : "RESULT")} rowcost round={round} variant={name} traces={n} rate={rate}/s commitInterval={commitInterval.TotalMilliseconds:0}ms settings=\"{settings}\" seconds={seconds:0.00} cpuSeconds={cpu:0.00} cpuUsPerTrace={perTrace:0.0} appended={status.Appended} spans={status.SpansAppended} dropped={status.Dropped} bytes={bytes}"));
                File.Delete(file);
            }
        }

        var ops = results["ops"].Average();
        var both = results.Where(p => p.Key != "ops").SelectMany(p => p.Value).Average();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT rowcost summary opsUsPerTrace={ops:0.0} withSpansUsPerTrace={both:0.0} spanRowsUsPerTrace={both - ops:0.0} (mean of {rounds} rounds)"));
    }

    /// <summary>
    /// One pass through the store's own TryAppend / TryAppendSpan, paced at <paramref name="rate"/> traces/s: the process's CPU
    /// seconds from the first append to the closed file (last checkpoint included), the wall seconds, the final status and
    /// the file's bytes. <paramref name="spans"/> null: operations only; <paramref name="parents"/>: an extra span per trace.
    /// </summary>
    internal static async Task<(double Cpu, double Seconds, OperationStoreStatus Status, long Bytes)> StorePassAsync(
        string file, AiOperation[] operations, SpanRecord[]? spans, SpanRecord[]? parents, int n, int rate, TimeSpan commitInterval, string? settings)
    {
        foreach (var stale in new[] { file, file + ".wal" })
        {
            File.Delete(stale);
        }

        var options = Microsoft.Extensions.Options.Options.Create(new OperationStoreOptions { QueueCapacity = 200_000, MaxBatchSize = 50_000, MaxDiskBytes = 0, CommitInterval = commitInterval, BenchmarkSettings = settings });
        var store = new DuckDbOperationStore(options, file, TimeProvider.System);
        while (store.Status.State == OperationStoreState.Starting)
        {
            await Task.Delay(10);
        }

        // A fresh file has 31 days of empty hours to seal in the rollup (a few seconds of the writer's passes after
        // the first start): sealed here, so the figure is the steady state of a store that has been running.
        await store.BuildRollupAsync();

        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            await PaceAsync(i, rate, clock);
            store.TryAppend(operations[i]);
            if (parents is not null)
            {
                store.TryAppendSpan(parents[i]);
            }

            if (spans is not null)
            {
                store.TryAppendSpan(spans[i]);
            }
        }

        await store.FlushAsync();
        var status = store.Status;
        await store.DisposeAsync(); // the last checkpoint belongs to the cost
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        return (cpu, clock.Elapsed.TotalSeconds, status, new FileInfo(file).Length);
    }

    /// <summary>Paced like ingestion: every 256 items, waits until item <paramref name="i"/> is due at <paramref name="rate"/>/s.</summary>
    internal static async ValueTask PaceAsync(int i, int rate, Stopwatch clock)
    {
        if ((i & 0xFF) == 0)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }
        }
    }

    /// <summary><paramref name="count"/> traces of the LoadGen's payload ending now, one millisecond apart (seed 42); the HTTP parents only when asked.</summary>
    internal static (AiOperation[] Operations, SpanRecord[] Spans, SpanRecord[]? Parents) Traces(int count, bool requestSpans = false)
    {
        var random = new Random(42);
        var now = DateTimeOffset.UtcNow;
        var operations = new AiOperation[count];
        var spans = new SpanRecord[count];
        var parents = requestSpans ? new SpanRecord[count] : null;
        for (var i = 0; i < count; i++)
        {
            (operations[i], spans[i], var parent) = Trace(random, now.AddMilliseconds(-(count - i)), i);
            if (parents is not null)
            {
                parents[i] = parent;
            }
        }

        return (operations, spans, parents);
    }

    /// <summary>One trace of the LoadGen's payload: the operation and the AI span (as the OTLP ingestor maps them), and the HTTP parent.</summary>
    private static (AiOperation Operation, SpanRecord Span, SpanRecord Parent) Trace(Random random, DateTimeOffset end, int i)
    {
        var m = random.Next(Models.Length);
        var traceId = Guid.NewGuid().ToString("N");
        var spanId = random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        var parentId = random.NextInt64().ToString("x16", CultureInfo.InvariantCulture);
        var duration = 300 + random.Next(4000);
        var input = 200 + random.Next(3000);
        var output = 20 + random.Next(800);
        var failed = random.NextDouble() < 0.03;
        var start = end.AddMilliseconds(-duration);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["gen_ai.operation.name"] = "chat",
            ["gen_ai.provider.name"] = Providers[m],
            ["gen_ai.request.model"] = Models[m],
            ["server.address"] = "api." + Providers[m] + ".com",
            ["server.port"] = "443",
            ["gen_ai.request.max_tokens"] = "1024",
            ["gen_ai.request.temperature"] = "0.2",
            ["gen_ai.response.model"] = Models[m] + "-2024-08-06",
            ["gen_ai.response.id"] = "chatcmpl-" + i.ToString("x", CultureInfo.InvariantCulture),
            ["gen_ai.usage.input_tokens"] = input.ToString(CultureInfo.InvariantCulture),
            ["gen_ai.usage.output_tokens"] = output.ToString(CultureInfo.InvariantCulture),
            ["gen_ai.response.finish_reasons"] = "[\"stop\"]",
        };
        var operation = new AiOperation
        {
            OperationId = spanId,
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentId,
            StartTime = start,
            DurationMs = duration,
            Provider = Providers[m],
            RequestModel = Models[m],
            ResponseModel = Models[m] + "-2024-08-06",
            InputTokens = input,
            OutputTokens = output,
            CostUsd = (decimal)random.Next(1, 100_000) / 10_000_000m,
            Pricing = PricingStatus.Priced,
            PriceVersion = Models[m] + "@2025-01-01",
            Status = failed ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = failed ? ErrorCategory.RateLimit : ErrorCategory.None,
            Error = failed ? new ErrorDetails { Type = "429" } : null,
            Application = "support-bot",
            Environment = "production",
            FinishReasons = failed ? null : ["stop"],
        };
        var span = new SpanRecord
        {
            TraceId = traceId,
            SpanId = spanId,
            ParentSpanId = parentId,
            Name = "chat " + Models[m],
            Kind = "client",
            StartTime = start,
            DurationMs = duration,
            Status = failed ? "error" : "unset",
            StatusMessage = failed ? "Rate limit reached for requests" : null,
            Application = "support-bot",
            Attributes = attributes,
            Operation = operation,
        };
        var parent = new SpanRecord
        {
            TraceId = traceId,
            SpanId = parentId,
            Name = "POST /api/chat",
            Kind = "server",
            StartTime = start.AddMilliseconds(-20),
            DurationMs = duration + 40,
            Application = "support-bot",
            Attributes = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["http.request.method"] = "POST",
                ["http.route"] = "/api/chat",
                ["url.path"] = "/api/chat",
                ["url.scheme"] = "https",
                ["http.response.status_code"] = "200",
                ["user_agent.original"] = "Mozilla/5.0 (X11; Linux x86_64)",
            },
        };
        return (operation, span, parent);
    }
}
