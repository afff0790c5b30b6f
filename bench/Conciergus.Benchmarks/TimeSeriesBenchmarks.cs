using BenchmarkDotNet.Attributes;

using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>The recording hot path: one realistic operation into every series it belongs to (7-8 series).</summary>
[MemoryDiagnoser]
public class TimeSeriesRecordBenchmarks
{
    private AiOperation[] _operations = [];
    private TimeSeriesCache _cache = null!;
    private int _next;

    /// <summary>
    /// 1,024 operations over 4 models, completing "now" (clamped: the bucket in progress, as in production), on the
    /// system clock, so each new second's roll-up into the minute and hour rings is included.
    /// </summary>
    [GlobalSetup]
    public void Setup()
    {
        _cache = new TimeSeriesCache(new TimeSeriesOptions(), TimeProvider.System);
        var random = new Random(1);
        _operations = Enumerable.Range(0, 1_024).Select(_ => BenchData.Operation(random, BenchData.JustFinished)).ToArray();
        foreach (var operation in _operations)
        {
            _cache.Record(operation);
        }
    }

    /// <summary>TimeSeriesCache.Record of one operation.</summary>
    [Benchmark]
    public void Record() => _cache.Record(_operations[_next++ & 1_023]);
}

/// <summary>Panel queries over one hour of a series holding 1,000,000 operations recorded over that hour.</summary>
[MemoryDiagnoser]
public class TimeSeriesQueryBenchmarks
{
    private TimeSeriesCache _cache = null!;
    private DateTimeOffset _now;
    private SeriesKey _model;

    /// <summary>Records 1M operations over the hour before "now" (one every 3.6 ms).</summary>
    [GlobalSetup]
    public void Setup()
    {
        (_cache, var clock) = BenchData.FilledCache(1_000_000);
        _now = clock.Now;
        _model = SeriesKey.ForModel("openai", "gpt-4o");
    }

    /// <summary>Aggregate of the Total series over the last hour (minute ring: 60 bucket merges).</summary>
    [Benchmark(Baseline = true)]
    public long Aggregate1h() => _cache.Aggregate(SeriesKey.Total, _now.AddHours(-1), _now).Requests;

    /// <summary>What /api/v1/summary needs for one hour: the aggregate plus p50/p95/p99 latency and p50/p95 TTFT.</summary>
    [Benchmark]
    public double Summary1h()
    {
        var window = _cache.Aggregate(SeriesKey.Total, _now.AddHours(-1), _now);
        return window.Latency.Quantile(0.5) + window.Latency.Quantile(0.95) + window.Latency.Quantile(0.99)
            + window.TimeToFirstToken.Quantile(0.5) + window.TimeToFirstToken.Quantile(0.95) + window.ErrorRate;
    }

    /// <summary>The same summary over the last 5 minutes (second ring: 300 bucket merges).</summary>
    [Benchmark]
    public double Summary5m()
    {
        var window = _cache.Aggregate(SeriesKey.Total, _now.AddMinutes(-5), _now);
        return window.Latency.Quantile(0.5) + window.Latency.Quantile(0.95) + window.Latency.Quantile(0.99)
            + window.TimeToFirstToken.Quantile(0.5) + window.TimeToFirstToken.Quantile(0.95) + window.ErrorRate;
    }

    /// <summary>One model's p95 over the last hour (a row of the models table).</summary>
    [Benchmark]
    public double ModelP95Over1h() => _cache.Aggregate(_model, _now.AddHours(-1), _now).Latency.Quantile(0.95);

    /// <summary>A chart: the last hour in 1-minute points (60 points).</summary>
    [Benchmark]
    public int Range1hBy1m() => _cache.Range(SeriesKey.Total, _now.AddHours(-1), _now, TimeSpan.FromMinutes(1)).Count;
}

/// <summary>The sketch on its own: add, merge (what every query does per bucket) and a percentile.</summary>
[MemoryDiagnoser]
public class LatencySketchBenchmarks
{
    private readonly LatencySketch _sketch = new();
    private readonly LatencySketch _accumulator = new();
    private LatencySketch[] _minutes = [];
    private double[] _values = [];
    private int _next;

    /// <summary>Log-normal latencies around 900 ms.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        _values = Enumerable.Range(0, 4_096).Select(_ => BenchData.Operation(random, BenchData.Start).DurationMs).ToArray();
        foreach (var value in _values)
        {
            _sketch.Add(value);
        }

        // 60 one-minute sketches of ~280 latencies each (1M operations an hour spread over 60 buckets is ~16,700;
        // the spread, not the count, sets a sketch's size, so 280 log-normal values already span it).
        _minutes = Enumerable.Range(0, 60).Select(_ =>
        {
            var minute = new LatencySketch();
            for (var i = 0; i < 280; i++)
            {
                minute.Add(BenchData.Operation(random, BenchData.Start).DurationMs);
            }

            return minute;
        }).ToArray();
        _accumulator.Merge(_sketch);
    }

    /// <summary>Adds one value.</summary>
    [Benchmark]
    public void Add() => _sketch.Add(_values[_next++ & 4_095]);

    /// <summary>p99 of the sketch.</summary>
    [Benchmark]
    public double P99() => _sketch.Quantile(0.99);

    /// <summary>Merges one minute's sketch into an accumulator (one bucket of a query).</summary>
    [Benchmark]
    public void Merge() => _accumulator.Merge(_minutes[_next++ % 60]);

    /// <summary>An hour's p95 from scratch: merge 60 minute sketches into an empty one, then the percentile.</summary>
    [Benchmark]
    public double Merge60ThenP95()
    {
        var hour = new LatencySketch();
        foreach (var minute in _minutes)
        {
            hour.Merge(minute);
        }

        return hour.Quantile(0.95);
    }
}
