using BenchmarkDotNet.Attributes;
using Conciergus.Core.Collector;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Trace;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Conciergus.Benchmarks;

/// <summary>
/// OTLP/HTTP protobuf trace ingestion per span (Core/Ingestion/Otlp), on a batch of 100 GenAI chat spans as the .NET
/// OpenTelemetry exporter sends them for Microsoft.Extensions.AI's <c>UseOpenTelemetry()</c>.
/// </summary>
/// <remarks>
/// The spans are copies of the 7 chat spans recorded from the real exporter (tests payload
/// <c>dotnet-sdk-meai.pb</c>, embedded), each with its own trace, span and parent id; 2 of every 100 are failures.
/// Before each invocation's decode the 100 trace ids in the serialized body are rewritten with a fresh counter, so
/// every span is new to the ingestor's de-duplication (as in production) and no two invocations decode the same ids.
/// Figures are per span (<c>OperationsPerInvoke = 100</c>). No trace store is registered: spans feed operations only.
/// </remarks>
[MemoryDiagnoser]
public class OtlpIngestionBenchmarks
{
    private const int Spans = 100;

    private byte[] _body = [];
    private int[] _traceIdOffsets = [];
    private long _counter;
    private OtlpTraceIngestor _mapOnly = null!;
    private OtlpTraceIngestor _withCollector = null!;
    private OtlpTraceIngestor _withCollectorAndStore = null!;
    private CountingRecorder _counting = null!;

    /// <summary>Builds the batch, finds its trace ids in the bytes, and the ingestors.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var template = LoadRecordedRequest();
        var templates = template.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans)
            .Where(s => s.Attributes.Any(a => a.Key == "gen_ai.operation.name"))
            .ToArray();
        if (templates.Length == 0)
        {
            throw new InvalidOperationException("The recorded payload has no GenAI spans.");
        }

        var request = new ExportTraceServiceRequest();
        var resourceSpans = template.ResourceSpans[0].Clone();
        resourceSpans.ScopeSpans.Clear();
        var scope = template.ResourceSpans[0].ScopeSpans.First(s => s.Spans.Any(templates.Contains)).Clone();
        scope.Spans.Clear();
        var random = new Random(5);
        var traceIds = new List<byte[]>();
        for (var i = 0; i < Spans; i++)
        {
            var span = templates[i % templates.Length].Clone();
            var traceId = new byte[16];
            random.NextBytes(traceId);
            traceIds.Add(traceId);
            span.TraceId = ByteString.CopyFrom(traceId);
            span.SpanId = ByteString.CopyFrom(RandomId(random));
            span.ParentSpanId = ByteString.CopyFrom(RandomId(random));
            if (i % 50 == 49)
            {
                span.Status = new Status { Code = Status.Types.StatusCode.Error, Message = "429 Too Many Requests" };
                span.Attributes.Add(new Core.Ingestion.Otlp.Proto.Common.KeyValue
                {
                    Key = "error.type",
                    Value = new Core.Ingestion.Otlp.Proto.Common.AnyValue { StringValue = "System.ClientModel.ClientResultException" },
                });
            }

            scope.Spans.Add(span);
        }

        resourceSpans.ScopeSpans.Add(scope);
        request.ResourceSpans.Add(resourceSpans);
        _body = request.ToByteArray();
        _traceIdOffsets = traceIds.Select(id => _body.AsSpan().IndexOf(id)).ToArray();
        if (_traceIdOffsets.Any(o => o < 0))
        {
            throw new InvalidOperationException("A trace id was not found in the serialized batch.");
        }

        var options = Options.Create(new OtlpOptions { ChildHold = TimeSpan.Zero });
        _counting = new CountingRecorder();
        _mapOnly = new OtlpTraceIngestor(_counting, [], new OtlpIngestionStats(), options, TimeProvider.System);
        _withCollector = new OtlpTraceIngestor(CollectorBenchmarks.Create(TimeProvider.System), [], new OtlpIngestionStats(), options, TimeProvider.System);
        var store = new TraceStore(Options.Create(new TraceOptions()), TimeProvider.System);
        _withCollectorAndStore = new OtlpTraceIngestor(CollectorBenchmarks.Create(TimeProvider.System), [store], new OtlpIngestionStats(), options, TimeProvider.System);

        // Every span must become one operation (nothing refused, nothing taken for a duplicate).
        var result = _mapOnly.Ingest(OtlpPayload.Parse(FreshBody(), OtlpFormat.Protobuf, ExportTraceServiceRequest.Parser));
        if (result.Accepted != Spans || result.Rejected != 0 || _counting.Count != Spans)
        {
            throw new InvalidOperationException($"Setup check failed: accepted {result.Accepted}, rejected {result.Rejected}, operations {_counting.Count}.");
        }
    }

    /// <summary>Disposes the ingestors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _mapOnly.Dispose();
        _withCollector.Dispose();
        _withCollectorAndStore.Dispose();
    }

    /// <summary>Protobuf decode only (<see cref="OtlpPayload.Parse"/>), per span.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Spans)]
    public int Decode() => OtlpPayload.Parse(FreshBody(), OtlpFormat.Protobuf, ExportTraceServiceRequest.Parser).ResourceSpans.Count;

    /// <summary>Decode + map to spans and operations + de-duplication, handing operations to a counter, per span.</summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public long DecodeAndMap() => _mapOnly.Ingest(OtlpPayload.Parse(FreshBody(), OtlpFormat.Protobuf, ExportTraceServiceRequest.Parser)).Accepted;

    /// <summary>Decode + map + <see cref="AiOperationCollector.Record"/> into the real collector, per span.</summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public long DecodeMapRecord() => _withCollector.Ingest(OtlpPayload.Parse(FreshBody(), OtlpFormat.Protobuf, ExportTraceServiceRequest.Parser)).Accepted;

    /// <summary>As <see cref="DecodeMapRecord"/>, plus the in-memory trace store the dashboard registers, per span.</summary>
    [Benchmark(OperationsPerInvoke = Spans)]
    public long DecodeMapRecordStore() => _withCollectorAndStore.Ingest(OtlpPayload.Parse(FreshBody(), OtlpFormat.Protobuf, ExportTraceServiceRequest.Parser)).Accepted;

    /// <summary>The batch with fresh trace ids (the counter in each id's last 8 bytes).</summary>
    private byte[] FreshBody()
    {
        var counter = ++_counter;
        foreach (var offset in _traceIdOffsets)
        {
            BitConverter.TryWriteBytes(_body.AsSpan(offset + 8, 8), counter);
        }

        return _body;
    }

    private static byte[] RandomId(Random random)
    {
        var id = new byte[8];
        random.NextBytes(id);
        id[0] |= 1;
        return id;
    }

    private static ExportTraceServiceRequest LoadRecordedRequest()
    {
        using var stream = typeof(OtlpIngestionBenchmarks).Assembly.GetManifestResourceStream("dotnet-sdk-meai.pb")
            ?? throw new InvalidOperationException("Embedded payload dotnet-sdk-meai.pb is missing.");
        return ExportTraceServiceRequest.Parser.ParseFrom(stream);
    }

    /// <summary>Counts operations instead of recording them.</summary>
    private sealed class CountingRecorder : IAiOperationRecorder
    {
        public long Count { get; private set; }

        public void Record(AiOperation operation) => Count++;
    }
}
