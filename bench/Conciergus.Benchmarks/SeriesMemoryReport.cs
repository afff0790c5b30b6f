using System.Globalization;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>
/// Bytes per time-series series under three traffic shapes (issue 20 item 3), measured, not benchmarked for speed:
/// <c>dotnet run -c Release --project bench/Conciergus.Benchmarks -- series-memory [series]</c>.
/// For each shape, <c>series</c> function ids (one series each) receive the traffic on a hand-set clock (15 simulated
/// minutes take a second), once with the function id and once without (the baseline: the same operations into the
/// shared series only); bytes per series = (with - without) / series, from the managed heap after a full collection
/// (<c>GC.GetTotalMemory(true)</c>) and from the cache's own estimate (<see cref="TimeSeriesCache.EstimatedBytes"/>).
/// Default options (1 s x 15 min, 1 min x 48 h, 1 h x 30 days). Latencies are log-normal around 900 ms with a TTFT.
/// </summary>
public static class SeriesMemoryReport
{
    private static readonly DateTimeOffset Start = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Prints the table.</summary>
    public static void Run(int series)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"Bytes per series, {series} series per shape, default resolutions, {Environment.Version}"));
        Console.WriteLine("| traffic per series | heap bytes per series | estimate per series | series in the 128 MB default budget |");
        Console.WriteLine("|---|--:|--:|--:|");
        Shape("one operation, then idle 20 min (after the sweep)", series, ops: 1, spacing: TimeSpan.Zero, idleAfter: TimeSpan.FromMinutes(20));
        Shape("one operation per minute for 15 min", series, ops: 15, spacing: TimeSpan.FromMinutes(1), idleAfter: TimeSpan.Zero);
        Shape("one operation per second for 15 min", series, ops: 900, spacing: TimeSpan.FromSeconds(1), idleAfter: TimeSpan.Zero);
        var dense = 4_503L * System.Runtime.CompilerServices.Unsafe.SizeOf<TimeBucket>();
        Console.WriteLine(string.Create(inv, $"Dense rings before this change: 4,503 buckets x {System.Runtime.CompilerServices.Unsafe.SizeOf<TimeBucket>()} B = {dense:N0} B per series before any sketch."));
    }

    private static void Shape(string name, int series, int ops, TimeSpan spacing, TimeSpan idleAfter)
    {
        var (heapWith, estimateWith) = Measure(series, ops, spacing, idleAfter, withFunction: true);
        var (heapWithout, estimateWithout) = Measure(series, ops, spacing, idleAfter, withFunction: false);
        var heap = (heapWith - heapWithout) / (double)series;
        var estimate = (estimateWith - estimateWithout) / (double)series;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {heap:N0} | {estimate:N0} | {128.0 * 1024 * 1024 / Math.Max(estimate, 1):N0} |"));
    }

    private static (long Heap, long Estimate) Measure(int series, int ops, TimeSpan spacing, TimeSpan idleAfter, bool withFunction)
    {
        var clock = new ManualTimeProvider(Start);
        var random = new Random(42);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var cache = new TimeSeriesCache(new TimeSeriesOptions { MaxSeriesPerDimension = series + 10, MemoryBudgetMB = 4096 }, clock);
        var functions = Enumerable.Range(0, series).Select(i => withFunction ? $"function-{i:D5}" : null).ToArray();
        for (var k = 0; k < ops; k++)
        {
            clock.Now = Start + (spacing * k);
            foreach (var function in functions)
            {
                cache.Record(Operation(random, clock.Now, function));
            }
        }

        if (idleAfter > TimeSpan.Zero)
        {
            clock.Now += idleAfter;
            cache.ReleaseIdle();
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);
        var estimate = cache.EstimatedBytes;
        GC.KeepAlive(cache);
        GC.KeepAlive(functions);
        return (after - before, estimate);
    }

    private static AiOperation Operation(Random random, DateTimeOffset end, string? function)
    {
        var u = 1 - random.NextDouble();
        var duration = Math.Exp(Math.Log(900) + (0.8 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * random.NextDouble())));
        return new AiOperation
        {
            OperationId = "op",
            StartTime = end.AddMilliseconds(-duration),
            DurationMs = duration,
            TimeToFirstTokenMs = duration * 0.3,
            Provider = "openai",
            RequestModel = "gpt-4o",
            Application = "app",
            InputTokens = 1_000,
            OutputTokens = 200,
            CostUsd = 0.001m,
            Pricing = PricingStatus.Priced,
            FunctionId = function,
        };
    }
}
