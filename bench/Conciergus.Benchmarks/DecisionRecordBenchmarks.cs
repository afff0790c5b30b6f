using BenchmarkDotNet.Attributes;
using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Compliance;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Options;

namespace Conciergus.Benchmarks;

/// <summary>
/// AI decision records (src/Conciergus.Core/Compliance): what they add to <see cref="AiOperationCollector.Record"/>
/// (the sink only enqueues; consent is one dictionary lookup), and how many records per second the single background
/// writer commits to LiteDB (hash chain, pseudonym mapping, batched inserts) on this machine.
/// </summary>
[MemoryDiagnoser]
public class DecisionRecordBenchmarks
{
    private const int WriterBatch = 20_000;

    private string _directory = null!;
    private ConciergusDatabase _database = null!;
    private DecisionLog _decisions = null!;
    private AiOperationCollector _plain = null!;
    private AiOperationCollector _withDecisions = null!;
    private AiOperation[] _operations = null!;
    private int _next;

    /// <summary>RecordWithDecisions: the writer is suspended so the measurement is Record's own cost (consent lookup and enqueue), not a second thread competing for the CPU.</summary>
    [GlobalSetup(Target = nameof(RecordWithDecisions))]
    public void SetupSuspended()
    {
        Setup();
        _decisions.SuspendWriter();
    }

    [GlobalSetup(Targets = [nameof(Record), nameof(WriterCommit)])]
    public void Setup()
    {
        var clock = new ManualTimeProvider(BenchData.Start.AddMinutes(30));
        _directory = Path.Combine(Path.GetTempPath(), "conciergus-bench-decisions-" + Guid.NewGuid().ToString("N"));
        var dataDirectory = new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = _directory }), _directory);
        _database = new ConciergusDatabase(dataDirectory);
        var key = new AuditKey(Options.Create(new AuditOptions()), dataDirectory);
        var options = Options.Create(new ComplianceOptions { RecordAiDecisions = true, DecisionQueueCapacity = 10_000_000 });
        _decisions = new DecisionLog(_database, key, dataDirectory, new DecisionSubjects(_database, key), options, clock);
        var audit = new AuditLog(_database, new AuditCheckpointFile(key, dataDirectory), Options.Create(new AuditOptions()), clock);
        var consent = new ConsentStore(_database, audit, new SubjectPseudonymizer(key), options);
        _plain = Collector(clock, [], []);
        _withDecisions = Collector(clock, [_decisions], [new ConsentOperationPreprocessor(consent)]);
        var random = new Random(7);
        _operations = Enumerable.Range(0, 1024)
            .Select(i => BenchData.Operation(random, clock.Now) with { UserId = $"user-{i % 400:000}", OperationId = $"op-{i}", TraceId = "0af7651916cd43dd8448eb211c80319c" })
            .ToArray();
        foreach (var op in _operations)
        {
            _plain.Record(op);
            _withDecisions.Record(op);
        }

        _decisions.WaitForDrainAsync().GetAwaiter().GetResult();
    }

    private static AiOperationCollector Collector(TimeProvider clock, IAiOperationSink[] sinks, IAiOperationPreprocessor[] preprocessors)
    {
        var options = new TimeSeriesOptions();
        return new AiOperationCollector(new TimeSeriesCache(options, clock), new UserCostLedger(options, clock), new RecentErrors(),
            new CostCalculator(PriceCatalog.CreateBuiltIn()), new ErrorCategorizer(), sinks, clock, preprocessors);
    }

    /// <summary>The suspended writer holds millions of queued operations: stopping it would write them all, so the process just ends.</summary>
    [GlobalCleanup(Target = nameof(RecordWithDecisions))]
    public void CleanupSuspended()
    {
    }

    [GlobalCleanup(Targets = [nameof(Record), nameof(WriterCommit)])]
    public void Cleanup()
    {
        _decisions.Dispose();
        _database.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>The collector without the compliance feature.</summary>
    [Benchmark(Baseline = true)]
    public void Record() => _plain.Record(_operations[_next++ & 1023]);

    /// <summary>The same with the decision sink and the consent preprocessor (writer suspended: the queue only grows; past 10M entries the drop path, also cheap).</summary>
    [Benchmark]
    public void RecordWithDecisions() => _withDecisions.Record(_operations[_next++ & 1023]);

    /// <summary>Enqueue 20,000 operations and wait until the writer has committed them all: time per committed record.</summary>
    [Benchmark(OperationsPerInvoke = WriterBatch)]
    public async Task WriterCommit()
    {
        for (var i = 0; i < WriterBatch; i++)
        {
            _decisions.Accept(_operations[i & 1023]);
        }

        await _decisions.WaitForDrainAsync();
    }
}
