using BenchmarkDotNet.Attributes;
using Conciergus.Core.Analytics;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>
/// What <c>/api/v1/summary</c>, <c>/api/v1/models</c> and <c>/api/v1/costs</c> compute (<see cref="AnalyticsService"/>)
/// over the last hour, the hour holding 1,000,000 operations of the realistic mix recorded through the collector.
/// </summary>
[MemoryDiagnoser]
public class AnalyticsQueryBenchmarks
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private AnalyticsService _analytics = null!;

    /// <summary>Records 1,000,000 operations (one every 3.6 ms) over the hour before "now", through the collector.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var clock = new ManualTimeProvider(BenchData.Start);
        var options = new TimeSeriesOptions();
        var cache = new TimeSeriesCache(options, clock);
        var ledger = new UserCostLedger(options, clock);
        var errors = new RecentErrors();
        var collector = new AiOperationCollector(cache, ledger, errors, new CostCalculator(PriceCatalog.CreateBuiltIn()), new ErrorCategorizer(), [], clock);
        var random = new Random(42);
        const int Count = 1_000_000;
        var spacing = Hour / Count;
        for (var i = 0; i < Count; i++)
        {
            var end = BenchData.Start + (spacing * i);
            clock.Now = end;
            collector.Record(BenchData.MixOperation(random, end));
        }

        clock.Now = BenchData.Start + Hour;
        _analytics = new AnalyticsService(cache, ledger, errors, options, clock);
        var summary = _analytics.Summary(Hour);
        if (summary.Requests != Count)
        {
            throw new InvalidOperationException($"Setup check failed: the hour holds {summary.Requests} operations, not {Count}.");
        }
    }

    /// <summary>/api/v1/summary?window=1h: totals, error rate, latency p50/p95/p99/avg, TTFT p50/p95, cost.</summary>
    [Benchmark(Baseline = true)]
    public SummaryReport Summary1h() => _analytics.Summary(Hour);

    /// <summary>/api/v1/models?window=1h: the summary of each of the 8 model series, sorted.</summary>
    [Benchmark]
    public IReadOnlyList<ModelReport> Models1h() => _analytics.Models(Hour);

    /// <summary>/api/v1/costs?window=1h&amp;groupBy=model: total plus one row per model.</summary>
    [Benchmark]
    public CostBreakdown CostsByModel1h() => _analytics.Costs(Hour, CostGroupBy.Model);

    /// <summary>/api/v1/costs?window=1h&amp;groupBy=user: from the per-user ledger (200 users).</summary>
    [Benchmark]
    public CostBreakdown CostsByUser1h() => _analytics.Costs(Hour, CostGroupBy.User);
}
