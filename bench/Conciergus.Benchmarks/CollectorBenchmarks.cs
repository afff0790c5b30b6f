using BenchmarkDotNet.Attributes;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>
/// The whole in-process recording path: <see cref="AiOperationCollector.Record"/> with the real price catalog,
/// error categorizer, time-series cache, per-user ledger and recent-error ring, on the system clock (so the
/// once-a-second roll-up into the minute and hour rings is part of what is measured).
/// </summary>
[MemoryDiagnoser]
public class CollectorBenchmarks
{
    private AiOperationCollector _collector = null!;
    private AiOperation _one = null!;
    private AiOperation[] _mix = null!;
    private AiOperation[] _pending = null!;
    private int _next;

    /// <summary>Builds the collector and warms every series and bucket so the measurement sees the steady state.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _collector = Create(TimeProvider.System);
        var random = new Random(7);

        // Completion times lie ahead of the clock, so every operation lands in the bucket in progress (clamped to now).
        _one = BenchData.Operation(random, BenchData.JustFinished) with { UserId = "user-001" };
        _mix = Enumerable.Range(0, 1024).Select(_ => BenchData.MixOperation(random, BenchData.JustFinished)).ToArray();

        // As the middleware hands them in: not priced yet, so the collector prices them (one copy of the record).
        _pending = _mix.Select(o => o with { Pricing = PricingStatus.Pending, CostUsd = null }).ToArray();

        foreach (var op in _pending)
        {
            _collector.Record(op);
        }

        _collector.Record(_one);
    }

    /// <summary>The same operation every time: one model, application, environment and function (7 series).</summary>
    [Benchmark(Baseline = true)]
    public void RecordOneSeries() => _collector.Record(_one);

    /// <summary>The realistic mix of dimensions (8 models, 4 apps, 2 environments, 12 functions, experiments, errors, 200 users), priced.</summary>
    [Benchmark]
    public void RecordMix() => _collector.Record(_mix[_next++ & 1023]);

    /// <summary>The same mix not yet priced: the collector prices it from the catalog (the middleware's case).</summary>
    [Benchmark]
    public void RecordMixPending() => _collector.Record(_pending[_next++ & 1023]);

    /// <summary>A collector over a fresh cache, ledger and error ring, with the built-in catalog and no sinks.</summary>
    public static AiOperationCollector Create(TimeProvider clock, ICostCalculator? costCalculator = null)
    {
        var options = new TimeSeriesOptions();
        return new AiOperationCollector(
            new TimeSeriesCache(options, clock),
            new UserCostLedger(options, clock),
            new RecentErrors(),
            costCalculator ?? new CostCalculator(PriceCatalog.CreateBuiltIn()),
            new ErrorCategorizer(),
            [],
            clock);
    }
}
