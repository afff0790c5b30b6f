using System.Diagnostics;
using System.Diagnostics.Metrics;

using BenchmarkDotNet.Attributes;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Telemetry;
using Microsoft.Extensions.AI;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Conciergus.Benchmarks;

/// <summary>
/// Side by side, in one run: what recording one chat call costs in Conciergus and in Microsoft.Extensions.AI's
/// <c>UseOpenTelemetry()</c> with the OpenTelemetry SDK's MeterProvider listening (DESIGN.md section 15).
/// </summary>
/// <remarks>
/// <para>
/// Every row calls the same fake inner client, which returns one fixed, completed <see cref="ChatResponse"/> with usage
/// (1,200 input / 350 output / 800 cached tokens, response model, finish reason), so the rows differ only by the
/// middleware. The MeterProvider has a reader with a do-nothing exporter that is never collected during the run:
/// every histogram measurement is really aggregated by the SDK (setup checks that points were exported), and nothing
/// is exported while measuring.
/// </para>
/// <para>
/// <see cref="ActivityListener"/> false: nobody listens to either ActivitySource, so neither middleware creates a span
/// (M.E.AI records metrics only; Conciergus records its operation only). True: one <see cref="System.Diagnostics.ActivityListener"/>
/// samples both sources with AllDataAndRecorded (what an OpenTelemetry TracerProvider with the default sampler does), so
/// each middleware also creates and fills its GenAI span, and the SDK's default trace-based exemplar filter sees a
/// sampled span.
/// </para>
/// </remarks>
[MemoryDiagnoser]
public class OpenTelemetryPeerBenchmarks
{
    /// <summary>Source and meter name given to <c>UseOpenTelemetry</c>.</summary>
    public const string MeaiSource = "Bench.Meai";

    private const string HistogramsOnlyMeter = "Bench.HistogramsOnly";

    private static readonly KeyValuePair<string, object?>[] NoTags = [];

    private readonly List<ChatMessage> _messages = [new(ChatRole.User, "Where is my order 4711?")];
    private FakeChatClient _inner = null!;
    private IChatClient _meai = null!;
    private IChatClient _conciergus = null!;
    private AiOperationCollector _collector = null!;
    private AiOperation _operation = null!;
    private ICostCalculator _pricer = null!;
    private PricingInput _pricingInput;
    private MeterProvider _meterProvider = null!;
    private CountingExporter _exporter = null!;
    private Meter _histogramsMeter = null!;
    private Histogram<double> _duration = null!;
    private Histogram<int> _tokens = null!;
    private ActivityListener? _listener;

    /// <summary>Whether an ActivityListener samples both middlewares' ActivitySources.</summary>
    [Params(false, true)]
    public bool ActivityListener { get; set; }

    /// <summary>Builds both pipelines, the MeterProvider and (when asked) the listener, and checks metrics flow.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _inner = new FakeChatClient();
        _exporter = new CountingExporter();
        _meterProvider = Sdk.CreateMeterProviderBuilder()
            .AddMeter(MeaiSource, HistogramsOnlyMeter)
            .AddReader(new BaseExportingMetricReader(_exporter))
            .Build();

        if (ActivityListener)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is MeaiSource or ConciergusDiagnostics.ActivitySourceName,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        }

        _meai = new ChatClientBuilder(_inner).UseOpenTelemetry(sourceName: MeaiSource).Build();

        // As the dashboard's DI does: one cost calculator, given to the collector and resolved by UseConciergus().
        _pricer = new CostCalculator(PriceCatalog.CreateBuiltIn());
        _collector = CollectorBenchmarks.Create(TimeProvider.System, _pricer);
        _conciergus = new ChatClientBuilder(_inner).UseConciergus().Build(new Services(_collector, _pricer));

        // What the middleware prices for this call: the response model first, the fake client's tokens.
        _pricingInput = new PricingInput(AiOperationKinds.Chat, "openai", "gpt-4o", "gpt-4o-2024-08-06", BenchData.JustFinished, 1_200, 350, 800, 0, 0);

        // What the middleware hands the collector for this call, priced (the collector's allocation-free case).
        _operation = new AiOperation
        {
            OperationId = "0123456789abcdef",
            StartTime = BenchData.JustFinished,
            DurationMs = 850,
            Provider = "openai",
            RequestModel = "gpt-4o",
            ResponseModel = "gpt-4o-2024-08-06",
            InputTokens = 1_200,
            CachedInputTokens = 800,
            OutputTokens = 350,
            CostUsd = 0.0042m,
            Pricing = PricingStatus.Priced,
        };

        // The instruments M.E.AI's OpenTelemetryChatClient creates, with the same names, units and bucket advice.
        _histogramsMeter = new Meter(HistogramsOnlyMeter);
        _duration = _histogramsMeter.CreateHistogram<double>(
            "gen_ai.client.operation.duration", "s", null, NoTags,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92] });
        _tokens = _histogramsMeter.CreateHistogram<int>(
            "gen_ai.client.token.usage", "{token}", null, NoTags,
            new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 4, 16, 64, 256, 1_024, 4_096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864] });

        // Prove the peer really records: one call through each path, then one collection.
        _meai.GetResponseAsync(_messages).GetAwaiter().GetResult();
        OtelHistogramsOnly();
        var recorded = _collector.Stats.Recorded;
        _conciergus.GetResponseAsync(_messages).GetAwaiter().GetResult();
        _meterProvider.ForceFlush();
        if (_exporter.Points < 6 || _collector.Stats.Recorded != recorded + 1)
        {
            throw new InvalidOperationException($"Setup check failed: {_exporter.Points} metric points exported, collector recorded {_collector.Stats.Recorded - recorded}.");
        }
    }

    /// <summary>Disposes the listener, the pipelines and the MeterProvider.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        _meai.Dispose();
        _conciergus.Dispose();
        _meterProvider.Dispose();
        _histogramsMeter.Dispose();
    }

    /// <summary>The fake inner client alone: the floor every middleware row adds to.</summary>
    [Benchmark]
    public Task<ChatResponse> InnerClientOnly() => _inner.GetResponseAsync(_messages);

    /// <summary>M.E.AI <c>UseOpenTelemetry()</c> around the fake client, MeterProvider listening (span too when listened). The baseline of Ratio.</summary>
    [Benchmark(Baseline = true)]
    public Task<ChatResponse> MeaiUseOpenTelemetry() => _meai.GetResponseAsync(_messages);

    /// <summary><c>UseConciergus()</c> around the fake client, recording into the real collector (span too when listened).</summary>
    [Benchmark]
    public Task<ChatResponse> ConciergusUseConciergus() => _conciergus.GetResponseAsync(_messages);

    /// <summary>
    /// Only the three histogram measurements M.E.AI makes for this call (duration; input and output tokens), with the
    /// same tags (operation, request model, provider, server address and port, response model, token type).
    /// </summary>
    [Benchmark]
    public void OtelHistogramsOnly()
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.request.model", "gpt-4o" },
            { "gen_ai.provider.name", "openai" },
            { "server.address", "api.openai.com" },
            { "server.port", 443 },
            { "gen_ai.response.model", "gpt-4o-2024-08-06" },
        };
        _duration.Record(0.85, tags);
        var input = new TagList
        {
            { "gen_ai.token.type", "input" },
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.request.model", "gpt-4o" },
            { "gen_ai.provider.name", "openai" },
            { "server.address", "api.openai.com" },
            { "server.port", 443 },
            { "gen_ai.response.model", "gpt-4o-2024-08-06" },
        };
        _tokens.Record(1_200, input);
        var output = new TagList
        {
            { "gen_ai.token.type", "output" },
            { "gen_ai.operation.name", "chat" },
            { "gen_ai.request.model", "gpt-4o" },
            { "gen_ai.provider.name", "openai" },
            { "server.address", "api.openai.com" },
            { "server.port", 443 },
            { "gen_ai.response.model", "gpt-4o-2024-08-06" },
        };
        _tokens.Record(350, output);
    }

    /// <summary>Only Conciergus's recording: <see cref="AiOperationCollector.Record"/> of the prebuilt, priced operation for this call.</summary>
    [Benchmark]
    public void CollectorRecord() => _collector.Record(_operation);

    /// <summary>Only the pricing <c>UseConciergus()</c> does for this call (catalog lookup of the response model, then the arithmetic).</summary>
    [Benchmark]
    public CostResult PricingOnly() => _pricer.Calculate(in _pricingInput);

    /// <summary>A provider's client: fixed metadata and one completed response with usage.</summary>
    private sealed class FakeChatClient : IChatClient
    {
        private readonly ChatClientMetadata _metadata = new("openai", new Uri("https://api.openai.com/v1"), "gpt-4o");

        private readonly Task<ChatResponse> _response = Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "It ships tomorrow."))
        {
            ResponseId = "resp_0123456789",
            ModelId = "gpt-4o-2024-08-06",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 1_200, OutputTokenCount = 350, CachedInputTokenCount = 800, TotalTokenCount = 1_550 },
        });

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => _response;

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }

    /// <summary>What <c>Build(services)</c> resolves for <c>UseConciergus()</c>: the recorder, the clock and the cost calculator.</summary>
    private sealed class Services(AiOperationCollector collector, ICostCalculator pricer) : IServiceProvider
    {
        public object? GetService(Type serviceType) =>
            serviceType == typeof(IAiOperationRecorder) ? collector
            : serviceType == typeof(TimeProvider) ? TimeProvider.System
            : serviceType == typeof(ICostCalculator) ? pricer
            : null;
    }

    /// <summary>Counts exported metric points; never called while measuring (the reader is only collected in setup).</summary>
    private sealed class CountingExporter : BaseExporter<Metric>
    {
        public int Points { get; private set; }

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                foreach (ref readonly var point in metric.GetMetricPoints())
                {
                    _ = point;
                    Points++;
                }
            }

            return ExportResult.Success;
        }
    }
}
