using System.Globalization;
using Bunit;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Pages;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class OverviewTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsKpisEqualToTheReadModel()
    {
        // Arrange: 30 operations in the 5-minute window, 3 failed, 200 ms each, 100 in / 50 out tokens, $0.01
        RecordBatch(30, errors: 3);
        await StartAsync();

        // Act
        var cut = RenderFiveMinutes();

        // Assert: the figures of AnalyticsService.Summary(5m), formatted; counts under 10,000 are exact
        var summary = Host.Analytics.Summary(TimeSpan.FromMinutes(5));
        Assert.Equal(30, summary.Requests);
        Assert.Equal("30", Kpi(cut, "requests"));
        Assert.Equal("0.1/s", cut.Find("[data-testid=kpi-requests-per-second]").TextContent.Trim());
        Assert.Equal("10%", Kpi(cut, "errorRate"));
        Assert.Equal("4,500", Kpi(cut, "tokens"));
        Assert.Equal("3k", cut.Find("[data-testid=kpi-tokens-in]").TextContent.Trim());
        Assert.Equal("1.5k", cut.Find("[data-testid=kpi-tokens-out]").TextContent.Trim());
        Assert.Equal("$0.30", Kpi(cut, "cost"));
        AssertMilliseconds(200, Kpi(cut, "p95"));
        Assert.Empty(cut.FindAll("[data-testid=panel-empty]"));
        Assert.Single(cut.FindAll("[data-testid=top-models] tr[data-model='openai/gpt-4o-mini']"));
    }

    [Fact]
    public async Task Render_MoreTrafficThanThePreviousWindow_ShowsTheChange()
    {
        // Arrange: 10 operations 6-7 minutes ago (previous 5-minute window), 20 now
        for (var i = 0; i < 10; i++)
        {
            Host.Record(endsAgo: TimeSpan.FromMinutes(6) + TimeSpan.FromSeconds(i));
        }

        RecordBatch(20, errors: 0);
        await StartAsync();

        // Act
        var cut = RenderFiveMinutes();

        // Assert: 20 vs 10 requests
        Assert.Equal("▲ 100% vs previous 5 min", cut.Find("[data-testid=kpi-requests-change]").TextContent.Trim());
    }

    [Fact]
    public async Task Render_PreviousWindowNearlyEmpty_SaysNewInsteadOfAHugePercentage()
    {
        // Arrange: 1 operation in the previous 5-minute window, 40 now (issue 22: no "3900% vs previous" after a start)
        Host.Record(endsAgo: TimeSpan.FromMinutes(6));
        RecordBatch(40, errors: 0);
        await StartAsync();

        // Act
        var cut = RenderFiveMinutes();

        // Assert
        Assert.Equal("new (previous 5 min nearly empty)", cut.Find("[data-testid=kpi-requests-change]").TextContent.Trim());
        Assert.Equal("new (previous 5 min nearly empty)", cut.Find("[data-testid=kpi-cost-change]").TextContent.Trim());
    }

    [Fact]
    public async Task Render_LatencyRisingAtASteadyRate_P95SaysIncreasingRequestsStable()
    {
        // Arrange: one call in each 15-second step of the 5-minute window (20 trend points), each 50 ms slower (issue 18 item 4)
        for (var i = 0; i < 19; i++)
        {
            Host.Record(durationMs: 200 + (50 * i), endsAgo: TimeSpan.FromSeconds(300 - (15 * i) - 7));
        }

        await StartAsync();

        // Act
        var cut = RenderFiveMinutes();

        // Assert: a significant rising slope on p95, none on requests (one per step) or errors (none)
        Assert.Equal("increasing", cut.Find("[data-testid=kpi-latency-p95-trend]").GetAttribute("data-trend"));
        Assert.Equal("↑ increasing", cut.Find("[data-testid=kpi-latency-p95-trend]").TextContent.Trim());
        Assert.Equal("stable", cut.Find("[data-testid=kpi-requests-trend]").GetAttribute("data-trend"));
        Assert.Equal("stable", cut.Find("[data-testid=kpi-error-rate-trend]").GetAttribute("data-trend"));
    }

    [Fact]
    public async Task Render_OperationRecordedAndPublisherTicks_UpdatesKpis()
    {
        // Arrange
        RecordBatch(30, errors: 0);
        await StartAsync();
        var cut = Render<Overview>();
        Assert.Equal("30", Kpi(cut, "requests"));

        // Act: 30 more operations, 6 of them failed, then the publisher's next tick
        RecordBatch(30, errors: 6);
        Host.Tick();

        // Assert
        cut.WaitForAssertion(() =>
        {
            Assert.Equal("60", Kpi(cut, "requests"));
            Assert.Equal("10%", Kpi(cut, "errorRate"));
            Assert.Equal("9,000", Kpi(cut, "tokens"));
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
        Assert.Empty(cut.FindAll("[data-kpi=requests]"));

        // Act
        await StartAsync();

        // Assert
        cut.WaitForAssertion(() =>
        {
            Assert.Empty(cut.FindAll("[data-testid=chart-loading]"));
            Assert.Equal("3", Kpi(cut, "requests"));
        });
    }

    [Fact]
    public async Task Render_NoOperationsInWindow_ShowsEmptyState()
    {
        // Arrange: one operation, older than the 5-minute window
        Host.Record(endsAgo: TimeSpan.FromMinutes(6));
        await StartAsync();

        // Act
        var cut = RenderFiveMinutes();

        // Assert
        Assert.Single(cut.FindAll("[data-testid=panel-empty]"));
        Assert.Contains("No data in this window yet", cut.Find("[data-testid=panel-empty]").TextContent, StringComparison.Ordinal);
        Assert.Contains("No data in this window yet", cut.Find("[data-testid=chart-empty]").TextContent, StringComparison.Ordinal);
        Assert.Equal("0", Kpi(cut, "requests"));
        Assert.Equal("—", Kpi(cut, "p95"));
    }

    [Fact]
    public async Task Render_WindowAndModelFilterInTheUrl_ShowTheFilteredSeries()
    {
        // Arrange: 5 on gpt-4o 30 minutes ago, 7 on gpt-4o-mini now
        for (var i = 0; i < 5; i++)
        {
            Host.Record(model: "gpt-4o", endsAgo: TimeSpan.FromMinutes(30));
        }

        RecordBatch(7, errors: 0);
        await StartAsync();

        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo("/?window=1h");
        var cut = Render<Overview>();
        Assert.Equal("12", Kpi(cut, "requests"));
        var resetsBefore = Charts.Invocations["resetPoints"].Count;

        // Act: the filter, then a shorter window, change in the URL of the open page
        navigation.NavigateTo("/?window=1h&model=openai%2Fgpt-4o");

        // Assert: the KPIs are the model's series; the charts got the new series once (reset), nothing re-created
        cut.WaitForAssertion(() => Assert.Equal("5", Kpi(cut, "requests")));
        Assert.Equal(Host.Analytics.Summary(TimeSpan.FromHours(1), SeriesKey.ForModel("openai", "gpt-4o")).Requests.ToString(CultureInfo.InvariantCulture), Kpi(cut, "requests"));
        cut.WaitForAssertion(() => Assert.Equal(resetsBefore + 4, Charts.Invocations["resetPoints"].Count));
        navigation.NavigateTo("/?window=5m&model=openai%2Fgpt-4o");
        cut.WaitForAssertion(() => Assert.Equal("0", Kpi(cut, "requests")));
        Assert.Equal(4, Charts.Invocations["createChart"].Count);
    }

    [Theory]
    [InlineData(0, 101, "per 3 s")]    // not measured: 650 px assumed, 3-second buckets (100 steps and the partial first)
    [InlineData(390, 101, "per 3 s")]  // a phone still gets about 100 points
    [InlineData(1300, 151, "per 2 s")] // full width at 1440 px
    [InlineData(2000, 301, "per 1 s")] // very wide: 300 points
    public async Task Render_MeasuredChartWidth_BucketFromWindowAndWidth(int widthPx, int points, string caption)
    {
        // Issue 22 item 3: the default 5-minute window is no longer drawn in 1-second buckets on an ordinary chart.
        Charts.Setup<int>("chartWidth", _ => true).SetResult(widthPx);
        await StartAsync();

        var cut = RenderFiveMinutes();

        cut.WaitForAssertion(() => Assert.Equal(4, Charts.Invocations["appendPoints"].Count));
        var backfill = (double?[][][])Charts.Invocations["appendPoints"][0].Arguments[1]!;
        Assert.InRange(backfill[0].Length, points - 1, points);
        cut.WaitForAssertion(() => Assert.Contains(caption, cut.Markup, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Render_LiveTicks_ChartsAreCreatedOnceAndReceiveOnlyNewPoints()
    {
        // Arrange: the page rendered on a published window, its charts measured 2000 px wide (300 points: 1-second steps)
        Charts.Setup<int>("chartWidth", _ => true).SetResult(2000);
        await StartAsync();
        var cut = RenderFiveMinutes();
        cut.WaitForAssertion(() => Assert.Equal(4, Charts.Invocations["appendPoints"].Count));
        Assert.Equal(4, Charts.Invocations["createChart"].Count);

        // The whole window went out once per chart, with its creation: 5 minutes of 1-second steps
        var backfill = (double?[][][])Charts.Invocations["appendPoints"][0].Arguments[1]!;
        Assert.InRange(backfill[0].Length, 299, 301);

        // Act: two operations, one failed, then ticks
        Host.Record();
        Host.Record(error: true);
        var second = Floor(Host.Time.GetUtcNow());
        for (var i = 0; i < 4; i++)
        {
            Host.Tick();
        }

        // Assert: appends carry only the newest step(s), never the window again; no chart is re-created
        cut.WaitForAssertion(() =>
        {
            var appends = Charts.Invocations["appendPoints"].Skip(4).ToList();
            Assert.NotEmpty(appends);
            var requests = appends.Select(a => ((double?[][][])a.Arguments[1]!)[0]).ToList();
            Assert.All(requests, r => Assert.InRange(r.Length, 1, 3));
            Assert.Contains(requests.SelectMany(r => r), p => p[0] == second.ToUnixTimeMilliseconds() && p[1] == 2d);
        });
        Assert.Equal(4, Charts.Invocations["createChart"].Count);
        Assert.Empty(Charts.Invocations["resetPoints"]);
    }

    [Fact]
    public async Task Dispose_Page_UnsubscribesAndDestroysTheCharts()
    {
        // Arrange
        await StartAsync();
        Render<Overview>();
        Assert.Equal(1, Host.Publisher.Status.Subscribers);

        // Act
        await DisposeComponentsAsync();

        // Assert
        Assert.Equal(0, Host.Publisher.Status.Subscribers);
        Assert.Equal(4, Charts.Invocations["destroy"].Count);
    }

    private void RecordBatch(int count, int errors)
    {
        for (var i = 0; i < count; i++)
        {
            Host.Record(durationMs: 200, inputTokens: 100, outputTokens: 50, costUsd: 0.01m, error: i < errors, endsAgo: TimeSpan.FromSeconds(i));
        }
    }

    private static string Kpi(IRenderedComponent<Overview> cut, string name) =>
        cut.Find($"[data-kpi={name}]").TextContent.Trim();

    private static void AssertMilliseconds(double expected, string text)
    {
        Assert.EndsWith(" ms", text, StringComparison.Ordinal);
        var value = double.Parse(text[..^3], CultureInfo.InvariantCulture);

        // Latency percentiles come from a log-bucketed sketch with at most 2% relative error (DESIGN.md section 4).
        Assert.InRange(value, expected * 0.98, expected * 1.02);
    }

    private static DateTimeOffset Floor(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    [Fact]
    public async Task Render_NoExperimentsFeature_SaysNoExperimentIsRunning()
    {
        await StartAsync();

        var cut = Render<Overview>();

        Assert.Single(cut.FindAll("[data-testid=running-experiments-empty]"));
    }

    [Fact]
    public async Task Render_RunningExperiment_ListsItWithVariantsAndLink()
    {
        using var experiments = new Conciergus.Dashboard.Tests.Experiments.ExperimentTestHost();
        var definition = Conciergus.Dashboard.Tests.Experiments.ExperimentTestHost.Definition();
        var created = await experiments.Service.CreateAsync(definition, Conciergus.Dashboard.Tests.Experiments.ExperimentTestHost.Operator);
        await experiments.Service.StartAsync(created.Key, Conciergus.Dashboard.Tests.Experiments.ExperimentTestHost.Operator);
        Services.AddSingleton(experiments.Service);
        await StartAsync();

        var cut = Render<Overview>();

        var row = cut.Find($"[data-testid=running-experiments] tr[data-experiment='{created.Key}']");
        Assert.Equal($"/experiments/{created.Key}", row.QuerySelector("a")!.GetAttribute("href"));
        foreach (var variant in created.Variants)
        {
            Assert.Contains(variant.Key, row.TextContent, StringComparison.Ordinal);
        }
    }

    // These tests were written for a 5-minute window; every page now opens at the one default (1h) unless the URL says otherwise.
    private IRenderedComponent<Overview> RenderFiveMinutes()
    {
        Services.GetRequiredService<NavigationManager>().NavigateTo("/?window=5m");
        return Render<Overview>();
    }
}
