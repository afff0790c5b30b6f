using Bunit;
using Conciergus.Dashboard.Components.Charts;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class LiveLineChartTests : DashboardTestContext
{
    private static readonly IReadOnlyList<ChartSeries> TwoLines = [new("Requests"), new("Errors")];

    private readonly BunitJSModuleInterop _module;

    public LiveLineChartTests()
    {
        _module = JSInterop.SetupModule(LiveLineChart.ModulePath);
        _module.Setup<string?>("createChart", _ => true).SetResult("chart-1");
        _module.Setup<int>("appendPoints", _ => true).SetResult(0);
        _module.SetupVoid("setTheme", _ => true).SetVoidResult();
        _module.SetupVoid("destroy", _ => true).SetVoidResult();
    }

    [Fact]
    public void Render_Rerendered_CreatesTheChartOnce()
    {
        // Arrange
        var cut = Render<LiveLineChart>(p => p.Add(c => c.Series, TwoLines));

        // Act
        cut.Render(p => p.Add(c => c.Height, 300));
        cut.Render(p => p.Add(c => c.Height, 320));

        // Assert
        var create = Assert.Single(_module.Invocations["createChart"]);
        Assert.True(cut.Instance.IsCreated);
        Assert.Empty(_module.Invocations["appendPoints"]);
        Assert.IsType<ElementReference>(create.Arguments[0]);
    }

    [Fact]
    public async Task AppendAsync_TwoBatches_SendsOnlyTheNewPoints()
    {
        // Arrange
        var cut = Render<LiveLineChart>(p => p.Add(c => c.Series, TwoLines));
        ChartPoint[] first = [new(1_000, 3), new(2_000, 4)];
        ChartPoint[] second = [new(3_000, 5)];

        // Act
        await cut.Instance.AppendAsync([first, [new(1_000, 0), new(2_000, 1)]]);
        await cut.Instance.AppendAsync([second, [new(3_000, 0)]]);

        // Assert
        var calls = _module.Invocations["appendPoints"];
        Assert.Equal(2, calls.Count);
        Assert.Equal("chart-1", calls[1].Arguments[0]);
        var batch = Assert.IsType<double?[][][]>(calls[1].Arguments[1]);
        Assert.Equal(2, batch.Length);
        Assert.Equal([3_000d, 5d], Assert.Single(batch[0]));
        Assert.Equal([3_000d, 0d], Assert.Single(batch[1]));
        Assert.Equal(0, cut.Instance.PendingCount);
    }

    [Fact]
    public async Task AppendAsync_MoreThanMaxPointsBeforeCreation_KeepsTheNewest()
    {
        // Arrange: the module never answers createChart, so points stay buffered
        var slowContext = new SlowChartContext();
        var cut = slowContext.Render<LiveLineChart>(p => p.Add(c => c.Series, [new ChartSeries("Requests")]).Add(c => c.MaxPoints, 3));

        // Act
        await cut.Instance.AppendAsync([[new(1, 1), new(2, 2), new(3, 3), new(4, 4), new(5, 5)]]);

        // Assert
        Assert.False(cut.Instance.IsCreated);
        Assert.Equal(3, cut.Instance.PendingCount);
        await slowContext.DisposeAsync();
    }

    [Fact]
    public void DarkModeChanged_AppliesThemeWithoutRecreating()
    {
        // Arrange
        var cut = Render<DarkModeHost>(p => p
            .Add(h => h.Dark, false)
            .AddChildContent<LiveLineChart>(c => c.Add(x => x.Series, TwoLines)));

        // Act
        cut.Render(p => p.Add(h => h.Dark, true));

        // Assert
        var setTheme = Assert.Single(_module.Invocations["setTheme"]);
        Assert.Equal(["chart-1", "dark"], setTheme.Arguments);
        Assert.Single(_module.Invocations["createChart"]);
    }

    [Fact]
    public async Task Dispose_DestroysTheChart()
    {
        // Arrange
        Render<LiveLineChart>(p => p.Add(c => c.Series, TwoLines));

        // Act
        await DisposeComponentsAsync();

        // Assert
        var destroy = Assert.Single(_module.Invocations["destroy"]);
        Assert.Equal("chart-1", destroy.Arguments[0]);
    }

    private sealed class SlowChartContext : DashboardTestContext
    {
        public SlowChartContext()
        {
            // createChart is set up without a result: the task never completes, like a slow browser.
            JSInterop.SetupModule(LiveLineChart.ModulePath).Setup<string?>("createChart", _ => true);
        }
    }
}
