using System.Globalization;
using Bunit;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Tests.Live;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class OverviewTests : DashboardTestContext
{
    private readonly LiveTestHost _host = new();
    private readonly BunitJSModuleInterop _charts;

    public OverviewTests()
    {
        Services.AddSingleton(_host.Publisher);
        Services.AddSingleton<TimeProvider>(_host.Time);
        _charts = JSInterop.SetupModule(LiveLineChart.ModulePath);
        _charts.Setup<string?>("createChart", _ => true).SetResult("chart-1");
        _charts.Setup<int>("appendPoints", _ => true).SetResult(0);
        _charts.SetupVoid("destroy", _ => true).SetVoidResult();
    }

    [Fact]
    public async Task Render_RecordedOperations_ShowsKpisOfTheWindow()
    {
        // Arrange: 30 operations in the 5-minute window, 3 failed, 200 ms each, 100 in / 50 out tokens, $0.01
        RecordBatch(30, errors: 3);
        await _host.StartAsync();
        _host.Tick();

        // Act
        var cut = Render<Overview>();

        // Assert: 30 / 300 s = 0.1/s; 3 / 30 = 10%; 3,000 and 1,500 tokens; 30 x $0.01
        Assert.Equal("0.1/s", Kpi(cut, "requests-per-second"));
        Assert.Equal("avg 5 min · now 1/s", Kpi(cut, "requests-per-second-caption")); // one per completed second
        Assert.Equal("10%", Kpi(cut, "error-rate"));
        Assert.Equal("3k", Kpi(cut, "tokens-in"));
        Assert.Equal("1.5k", Kpi(cut, "tokens-out"));
        Assert.Equal("$0.30", Kpi(cut, "cost"));
        AssertMilliseconds(200, Kpi(cut, "latency-p95"));
        Assert.Empty(cut.FindAll("[data-testid=overview-empty]"));
        Assert.Empty(cut.FindAll("[data-testid=chart-loading]"));
    }

    [Fact]
    public async Task Render_OperationRecordedAndPublisherTicks_UpdatesKpis()
    {
        // Arrange
        RecordBatch(30, errors: 0);
        await _host.StartAsync();
        _host.Tick();
        var cut = Render<Overview>();
        Assert.Equal("0.1/s", Kpi(cut, "requests-per-second"));

        // Act: 30 more operations, 6 of them failed, then the publisher's next tick
        RecordBatch(30, errors: 6);
        _host.Tick();

        // Assert: 60 / 300 s = 0.2/s; 6 / 60 = 10%; 6,000 input tokens
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("0.2/s", Kpi(cut, "requests-per-second"));
            Assert.Equal("10%", Kpi(cut, "error-rate"));
            Assert.Equal("6k", Kpi(cut, "tokens-in"));
            Assert.Equal("$0.60", Kpi(cut, "cost"));
        });
    }

    [Fact]
    public async Task Render_BeforeFirstPublish_ShowsLoadingThenValues()
    {
        // Arrange
        RecordBatch(3, errors: 0);
        var cut = Render<Overview>();
        Assert.Single(cut.FindAll("[data-testid=chart-loading]"));
        Assert.Empty(cut.FindAll("[data-testid=kpi-requests-per-second]"));

        // Act
        await _host.StartAsync();
        _host.Tick();

        // Assert
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=chart-loading]"));
            Assert.Equal("0.01/s", Kpi(cut, "requests-per-second"));
        });
    }

    [Fact]
    public async Task Render_NoOperationsInWindow_ShowsEmptyState()
    {
        // Arrange: one operation, older than the 5-minute window
        _host.Record(endsAgo: TimeSpan.FromMinutes(6));
        await _host.StartAsync();
        _host.Tick();

        // Act
        var cut = Render<Overview>();

        // Assert
        Assert.Single(cut.FindAll("[data-testid=overview-empty]"));
        Assert.Contains("No data in this window yet", cut.Find("[data-testid=chart-empty]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0/s", Kpi(cut, "requests-per-second"));
        Assert.Equal("—", Kpi(cut, "latency-p95"));
    }

    [Fact]
    public async Task Render_SecondCompletes_AppendsOnlyTheNewPointToTheChart()
    {
        // Arrange: a published history, the page rendered with it
        await _host.StartAsync();
        _host.Tick();
        var cut = Render<Overview>();
        cut.WaitForAssertion(() => Assert.Single(_charts.Invocations["appendPoints"]));
        var backfill = (double?[][][])_charts.Invocations["appendPoints"][0].Arguments[1]!;
        Assert.Equal(_host.Options.HistoryPoints, backfill[0].Length);

        // Act: two operations, one failed; tick until their second has completed
        _host.Record();
        _host.Record(error: true);
        var second = Floor(_host.Time.GetUtcNow());
        for (var i = 0; i < 4; i++)
        {
            _host.Tick();
        }

        // Assert: the later call carries only that one second, requests and errors
        cut.WaitForAssertion(() =>
        {
            var batch = (double?[][][])_charts.Invocations["appendPoints"][^1].Arguments[1]!;
            Assert.Equal([second.ToUnixTimeMilliseconds(), 2d], Assert.Single(batch[0]));
            Assert.Equal([second.ToUnixTimeMilliseconds(), 1d], Assert.Single(batch[1]));
        });
        Assert.Single(_charts.Invocations["createChart"]);
    }

    [Fact]
    public async Task Dispose_Page_UnsubscribesAndDestroysTheChart()
    {
        // Arrange
        await _host.StartAsync();
        _host.Tick();
        Render<Overview>();
        Assert.Equal(1, _host.Publisher.Status.Subscribers);

        // Act
        await DisposeComponentsAsync();

        // Assert
        Assert.Equal(0, _host.Publisher.Status.Subscribers);
        Assert.Single(_charts.Invocations["destroy"]);
    }

    private void RecordBatch(int count, int errors)
    {
        for (var i = 0; i < count; i++)
        {
            _host.Record(durationMs: 200, inputTokens: 100, outputTokens: 50, costUsd: 0.01m, error: i < errors, endsAgo: TimeSpan.FromSeconds(i));
        }
    }

    private static string Kpi(IRenderedComponent<Overview> cut, string name) =>
        cut.Find($"[data-testid=kpi-{name}]").TextContent.Trim();

    private static void AssertMilliseconds(double expected, string text)
    {
        Assert.EndsWith(" ms", text, StringComparison.Ordinal);
        var value = double.Parse(text[..^3], CultureInfo.InvariantCulture);

        // Latency percentiles come from a log-bucketed sketch with at most 2% relative error (DESIGN.md section 4).
        Assert.InRange(value, expected * 0.98, expected * 1.02);
    }

    private static DateTimeOffset Floor(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
