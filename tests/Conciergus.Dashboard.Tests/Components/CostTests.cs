using Bunit;
using Conciergus.Core.Analytics;
using Conciergus.Dashboard.Components.Pages;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class CostTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsTotalBurnRateBreakdownAndHints()
    {
        // Arrange: an expensive model and a cheap one with the same latency and error rate (20+ requests each)
        for (var i = 0; i < 25; i++)
        {
            Host.Record(model: "gpt-4o", costUsd: 0.02m, durationMs: 500, endsAgo: TimeSpan.FromSeconds(i));
            Host.Record(model: "gpt-4o-mini", costUsd: 0.001m, durationMs: 500, endsAgo: TimeSpan.FromSeconds(i));
        }

        await StartAsync();

        // Act
        var cut = Render<Cost>();

        // Assert: $0.525 over 1 h -> $0.53/h; rows as AnalyticsService.Costs; the cheaper-model hint
        var costs = Host.Analytics.Costs(TimeSpan.FromHours(1), CostGroupBy.Model);
        Assert.Equal(Formatting(costs.TotalUsd), cut.Find("[data-kpi=cost]").TextContent.Trim());
        Assert.Equal("$0.53/h", cut.Find("[data-testid=cost-burn]").TextContent.Trim());
        Assert.Equal(costs.Groups.Select(g => g.Key), cut.FindAll("[data-testid=cost-groups] tbody tr").Select(r => r.GetAttribute("data-key")));
        Assert.Single(cut.FindAll("[data-hint=CheaperModel]"));
        cut.WaitForAssertion(() => Assert.Single(Charts.Invocations["createDonut"]));
    }

    [Fact]
    public async Task Render_NoOperations_ShowsEmptyStateAndNoHints()
    {
        await StartAsync();
        var cut = Render<Cost>();
        Assert.Single(cut.FindAll("[data-testid=panel-empty]"));
        Assert.Single(cut.FindAll("[data-testid=cost-hints-none]"));
    }

    [Fact]
    public async Task Render_NewOperation_UpdatesTheTotal()
    {
        await StartAsync();
        var cut = Render<Cost>();
        Host.Record(costUsd: 1.25m);
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Equal("$1.25", cut.Find("[data-kpi=cost]").TextContent.Trim()));
    }

    [Fact]
    public void ToCsv_Breakdown_QuotesKeysAndUsesInvariantNumbers()
    {
        var csv = Cost.ToCsv(new CostBreakdown("model", 1.5m, 2, [new CostGroup("openai/a,b", 1.5m, 3, 10, 20, 1, 0), new CostGroup("acme/x", 0m, 2, 5, 5, 0, 2)]));
        Assert.Equal("model,cost_usd,share,requests,input_tokens,output_tokens,unpriced_requests\n\"openai/a,b\",1.5,1,3,10,20,0\nacme/x,0,0,2,5,5,2\n", csv);
    }

    private static string Formatting(decimal usd) => Dashboard.Components.Formatting.Usd(usd);
}
