using BenchmarkDotNet.Attributes;
using Conciergus.Core.Errors;
using Conciergus.Core.Pricing;
using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>
/// The whole in-process recording path: <see cref="AiOperationCollector.Record"/> with the real price catalog,
/// error categorizer, time-series cache, per-user ledger and recent-error ring.
/// </summary>
[MemoryDiagnoser]
public class CollectorBenchmarks
{
    private AiOperationCollector _collector = null!;
    private AiOperation[] _priced = null!;
    private AiOperation[] _pending = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        var clock = new ManualTimeProvider(BenchData.Start.AddMinutes(30));
        var options = new TimeSeriesOptions();
        _collector = new AiOperationCollector(
            new TimeSeriesCache(options, clock),
            new UserCostLedger(options, clock),
            new RecentErrors(),
            new CostCalculator(PriceCatalog.CreateBuiltIn()),
            new ErrorCategorizer(),
            [],
            clock);
        var random = new Random(7);
        _priced = Enumerable.Range(0, 1024)
            .Select(i => BenchData.Operation(random, clock.Now) with { UserId = $"user-{i % 40:000}" })
            .ToArray();

        // As the middleware hands them in: not priced yet, so the collector prices them (one copy of the record).
        _pending = _priced.Select(o => o with { Pricing = PricingStatus.Pending, CostUsd = null }).ToArray();

        // Warm every series and bucket so the measurement sees the steady state.
        foreach (var op in _pending)
        {
            _collector.Record(op);
        }
    }

    /// <summary>An operation already priced and categorised (JSON/OTLP with cost, or a pre-enriched producer).</summary>
    [Benchmark(Baseline = true)]
    public void RecordPriced() => _collector.Record(_priced[_next++ & 1023]);

    /// <summary>An operation the collector prices from the catalog (the middleware's case).</summary>
    [Benchmark]
    public void RecordPending() => _collector.Record(_pending[_next++ & 1023]);
}
