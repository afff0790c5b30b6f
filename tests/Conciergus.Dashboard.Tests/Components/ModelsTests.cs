using Bunit;
using Conciergus.Dashboard.Components.Pages;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class ModelsTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsOneRowPerModelWithHealth()
    {
        // Arrange: gpt-4o healthy (10 ok), gpt-4o-mini failing (10 of 10)
        for (var i = 0; i < 10; i++)
        {
            Host.Record(model: "gpt-4o", outputTokens: 100, durationMs: 1000);
            Host.Record(error: true);
        }

        await StartAsync();

        // Act
        var cut = Render<Models>();

        // Assert: rows as AnalyticsService.Models; 100 output tokens per 1 s call = 100 tokens/s; cost per 1k = $10
        var models = Host.Analytics.Models(TimeSpan.FromHours(1));
        Assert.Equal(models.Select(m => $"{m.Provider}/{m.Model}"), cut.FindAll("[data-model]").Select(a => a.GetAttribute("data-model")));
        var gpt4o = cut.FindAll("tr").Single(r => r.QuerySelector("[data-model='openai/gpt-4o']") is not null);
        Assert.Contains("100", gpt4o.TextContent, StringComparison.Ordinal);
        Assert.Contains("$10.00", gpt4o.TextContent, StringComparison.Ordinal);
        Assert.Equal("healthy", gpt4o.QuerySelector("[data-health]")!.GetAttribute("data-health"));
        var mini = cut.FindAll("tr").Single(r => r.QuerySelector("[data-model='openai/gpt-4o-mini']") is not null);
        Assert.Equal("down", mini.QuerySelector("[data-health]")!.GetAttribute("data-health"));
        Assert.Equal(2, cut.FindAll("[data-testid=sparkline] polyline").Count);
    }

    [Fact]
    public async Task Render_NoOperations_ShowsEmptyState()
    {
        await StartAsync();
        var cut = Render<Models>();
        Assert.Single(cut.FindAll("[data-testid=panel-empty]"));
    }

    [Fact]
    public async Task Render_NewModel_AppearsWithoutReload()
    {
        await StartAsync();
        var cut = Render<Models>();
        Host.Record(model: "o4-mini");
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-model='openai/o4-mini']")));
    }

    [Fact]
    public async Task Detail_Model_ShowsItsSeriesOnly()
    {
        Host.Record(model: "gpt-4o");
        Host.Record(model: "gpt-4o");
        Host.Record();
        await StartAsync();
        var cut = Render<ModelDetail>(p => p.Add(x => x.Provider, "openai").Add(x => x.Model, "gpt-4o"));
        Assert.Equal("2", cut.Find("[data-kpi=requests]").TextContent.Trim());
        Host.Record(model: "gpt-4o");
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Equal("3", cut.Find("[data-kpi=requests]").TextContent.Trim()));
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 }, 2, new double[] { 3, 7 })]
    [InlineData(new double[] { 1, 1, 1 }, 5, new double[] { 1, 1, 1 })]
    public void Downsample_Values_SumsIntoBuckets(double[] values, int points, double[] expected) =>
        Assert.Equal(expected, Models.Downsample(values, points));
}
