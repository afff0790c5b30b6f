using Bunit;
using HealthPage = Conciergus.Dashboard.Components.Pages.Health;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class HealthTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsCollectorFiguresAndModelHealth()
    {
        for (var i = 0; i < 6; i++)
        {
            Host.Record(model: "gpt-4o");
        }

        await StartAsync();
        var cut = Render<HealthPage>();

        Assert.Equal(Host.Collector.Stats.Recorded.ToString(System.Globalization.CultureInfo.InvariantCulture), cut.Find("[data-kpi=requests]").TextContent.Trim());
        Assert.Equal("0", cut.Find("[data-testid=health-dropped]").TextContent.Trim());
        Assert.Equal("0.1/s", cut.Find("[data-testid=health-ingestion-rate]").TextContent.Trim()); // 6 in the last minute
        Assert.Equal("healthy", cut.Find("[data-model='openai/gpt-4o'] [data-health]").GetAttribute("data-health"));
        Assert.Contains("running", cut.Find("[data-component=publisher]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Render_NoOperations_ShowsNoModelsYet()
    {
        await StartAsync();
        var cut = Render<HealthPage>();
        Assert.Single(cut.FindAll("[data-testid=model-health-empty]"));
    }

    [Fact]
    public async Task Render_FailuresArrive_ModelTurnsCritical()
    {
        await StartAsync();
        var cut = Render<HealthPage>();
        for (var i = 0; i < 10; i++)
        {
            Host.Record(model: "gpt-4o", error: i < 3);
        }

        Host.Tick();
        cut.WaitForAssertion(() => Assert.Equal("critical", cut.Find("[data-model='openai/gpt-4o'] [data-health]").GetAttribute("data-health")));
    }
}
