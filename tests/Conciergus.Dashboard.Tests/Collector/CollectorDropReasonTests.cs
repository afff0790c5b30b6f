using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Conciergus.Core.Collector;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Health;
using Conciergus.Dashboard.Tests.Components;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Collector;

/// <summary>Issue 17 item 6: the collector counts a drop, keeps the last reason and logs it at a limited rate.</summary>
public sealed class CollectorDropReasonTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly CapturingLoggerProvider _logs = new();
    private readonly Throwing _preprocessor = new();
    private readonly ThrowingSink _sink = new();
    private readonly ILoggerFactory _loggerFactory;

    public CollectorDropReasonTests()
    {
        _loggerFactory = LoggerFactory.Create(b => b.AddProvider(_logs));
    }

    public void Dispose() => _loggerFactory.Dispose();

    private AiOperationCollector NewCollector()
    {
        var options = new TimeSeriesOptions();
        return new AiOperationCollector(
            new TimeSeriesCache(options, _time), new UserCostLedger(options, _time), new RecentErrors(),
            new CostCalculator(PriceCatalog.CreateBuiltIn()), new ErrorCategorizer(), [_sink], _time, [_preprocessor],
            _loggerFactory.CreateLogger<AiOperationCollector>());
    }

    private AiOperation Operation() => new()
    {
        OperationId = Guid.NewGuid().ToString("N"),
        StartTime = _time.GetUtcNow().AddSeconds(-1),
        DurationMs = 200,
        Provider = "openai",
        RequestModel = "gpt-4o",
        Status = AiOperationStatus.Ok,
    };

    [Fact]
    public void Record_RepeatedFailure_KeepsLastReasonAndLogsOncePerInterval()
    {
        var collector = NewCollector();
        _preprocessor.Message = "consent lookup failed";

        collector.Record(Operation());
        collector.Record(Operation());
        collector.Record(Operation());
        _time.Advance(AiOperationCollector.DropLogInterval - TimeSpan.FromSeconds(1));
        _preprocessor.Message = "consent lookup failed again";
        collector.Record(Operation());

        Assert.Equal(4, collector.Stats.Dropped);
        Assert.Single(_logs.Messages);
        Assert.Contains("record: InvalidOperationException: consent lookup failed (0 like failures", _logs.Messages[0], StringComparison.Ordinal);
        var last = collector.Stats.LastDrop;
        Assert.NotNull(last);
        Assert.Equal(("record", "InvalidOperationException", "consent lookup failed again", _time.GetUtcNow()), (last.Stage, last.ExceptionType, last.Message, last.At));

        // One interval after the first line: the next failure is logged with the count of those it held back.
        _time.Advance(TimeSpan.FromSeconds(1));
        collector.Record(Operation());

        Assert.Equal(2, _logs.Messages.Count);
        Assert.Contains("(3 like failures since the previous line", _logs.Messages[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Record_SinkFailure_IsAnotherReasonWithItsOwnLimit()
    {
        var collector = NewCollector();
        _preprocessor.Message = "consent lookup failed";
        collector.Record(Operation());
        _preprocessor.Message = null;

        collector.Record(Operation());
        collector.Record(Operation());

        var stats = collector.Stats;
        Assert.Equal((1L, 2L, 1L), (stats.Dropped, stats.SinkFailures, stats.Recorded - 1));
        Assert.Equal(2, _logs.Messages.Count);
        Assert.Contains("sink ThrowingSink: ArgumentException: sink broke", _logs.Messages[1], StringComparison.Ordinal);
        Assert.Equal("sink ThrowingSink", stats.LastDrop?.Stage);
    }

    [Fact]
    public void Record_NullOperationAndLongMessage_AreKeptShort()
    {
        var collector = NewCollector();

        collector.Record(null!);
        Assert.Equal("ArgumentNullException", collector.Stats.LastDrop?.ExceptionType);

        _preprocessor.Message = new string('x', 1000);
        collector.Record(Operation());
        Assert.Equal(AiOperationCollector.MaxReasonLength + 1, collector.Stats.LastDrop?.Message.Length);
        Assert.Equal(2, collector.Stats.Dropped);
    }

    [Fact]
    public void Stats_NoFailure_HasNoReason()
    {
        var collector = NewCollector();
        _sink.Broken = false;

        collector.Record(Operation());

        Assert.Null(collector.Stats.LastDrop);
        Assert.Empty(_logs.Messages);
    }

    private sealed class Throwing : IAiOperationPreprocessor
    {
        public string? Message { get; set; }

        public AiOperation Process(AiOperation operation) =>
            Message is { } message ? throw new InvalidOperationException(message) : operation;
    }

    private sealed class ThrowingSink : IAiOperationSink
    {
        public bool Broken { get; set; } = true;

        public void Accept(AiOperation operation)
        {
            if (Broken)
            {
                throw new ArgumentException("sink broke");
            }
        }
    }
}

/// <summary>The health page's ingestion panel and /healthz show the last drop reason (as text; signed-in callers only).</summary>
public sealed class CollectorDropReasonDisplayTests : DashboardTestContext
{
    [Fact]
    public void Panel_AfterADrop_ShowsTheReasonAsText()
    {
        var collector = NewCollector(new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 15, 30, TimeSpan.Zero)));
        Services.AddSingleton(collector);

        collector.Record(new AiOperation
        {
            OperationId = "x",
            StartTime = DateTimeOffset.UnixEpoch,
            Provider = "<script>alert(1)</script>",
            RequestModel = "m",
        });

        var panel = Render<IngestionStatsPanel>();

        var cells = panel.FindAll("[data-field=collector-last-drop] td");
        Assert.Equal("2026-03-02 09:15:30 UTC · record · InvalidOperationException: <script>alert(1)</script>", cells[1].TextContent.Trim());
        Assert.Empty(panel.FindAll("[data-field=collector-last-drop] script"));
        Assert.Equal("dropping", panel.Find("[data-testid=ingestion-verdict]").TextContent.Trim());
    }

    [Fact]
    public void Panel_NoDrop_HasNoReasonRow()
    {
        Services.AddSingleton(NewCollector(new FakeTimeProvider()));

        var panel = Render<IngestionStatsPanel>();

        Assert.Empty(panel.FindAll("[data-field=collector-last-drop]"));
    }

    [Fact]
    public async Task Healthz_AfterADrop_ReasonForSignedInCallersOnly()
    {
        using var factory = new ConciergusAppFactory();
        using var anonymous = factory.CreateClient();
        using var viewer = factory.CreateApiClient(Conciergus.Dashboard.Security.ConciergusRole.Viewer);
        factory.Services.GetRequiredService<AiOperationCollector>().Record(null!);

        var open = await anonymous.GetFromJsonAsync<JsonElement>("/healthz");
        var signedIn = await viewer.GetFromJsonAsync<JsonElement>("/healthz");

        Assert.True(open.GetProperty("collector").GetProperty("dropped").GetInt64() >= 1);
        Assert.True(!open.GetProperty("collector").TryGetProperty("lastDrop", out var hidden) || hidden.ValueKind == JsonValueKind.Null);
        Assert.Equal("ArgumentNullException", signedIn.GetProperty("collector").GetProperty("lastDrop").GetProperty("exceptionType").GetString());
    }

    /// <summary>A collector whose only preprocessor throws with the operation's provider as the message (hostile text).</summary>
    private static AiOperationCollector NewCollector(FakeTimeProvider time)
    {
        var options = new TimeSeriesOptions();
        return new AiOperationCollector(
            new TimeSeriesCache(options, time), new UserCostLedger(options, time), new RecentErrors(),
            new CostCalculator(PriceCatalog.CreateBuiltIn()), new ErrorCategorizer(), [], time, [new EchoThrows()]);
    }

    private sealed class EchoThrows : IAiOperationPreprocessor
    {
        public AiOperation Process(AiOperation operation) => throw new InvalidOperationException(operation.Provider);
    }
}
