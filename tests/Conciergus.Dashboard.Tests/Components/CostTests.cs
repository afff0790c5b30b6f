using Bunit;
using Conciergus.Core.Analytics;
using Conciergus.Dashboard.Components.Pages;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class CostTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsTotalBurnRateBreakdownAndHints()
    {
        // Arrange: an expensive small chat model and a cheaper one of the same class with the same latency and error
        // rate (20+ requests each): claude-haiku-4-5 ($1/$5 per 1M) and gpt-4o-mini ($0.15/$0.60). The hint reprices
        // the same tokens at list prices, whatever cost the operations recorded.
        for (var i = 0; i < 25; i++)
        {
            Host.Record(model: "claude-haiku-4-5", provider: "anthropic", costUsd: 0.02m, durationMs: 500, endsAgo: TimeSpan.FromSeconds(i));
            Host.Record(model: "gpt-4o-mini", costUsd: 0.001m, durationMs: 500, endsAgo: TimeSpan.FromSeconds(i));
        }

        await StartAsync();

        // Act
        var cut = Render<Cost>();

        // Assert: $0.525 over 1 h -> $0.53/h; rows as AnalyticsService.Costs; the cheaper-model hint with its assumptions
        var costs = Host.Analytics.Costs(TimeSpan.FromHours(1), CostGroupBy.Model);
        Assert.Equal(Formatting(costs.TotalUsd), cut.Find("[data-kpi=cost]").TextContent.Trim());
        Assert.Equal("$0.53/h", cut.Find("[data-testid=cost-burn]").TextContent.Trim());
        Assert.Equal(costs.Groups.Select(g => g.Key), cut.FindAll("[data-testid=cost-groups] tbody tr").Select(r => r.GetAttribute("data-key")));
        var hint = Assert.Single(cut.FindAll("[data-hint=CheaperModel]"));
        Assert.Contains("openai/gpt-4o-mini", hint.TextContent, StringComparison.Ordinal);
        Assert.Contains("Same token counts", hint.QuerySelector("[data-testid=hint-assumptions]")!.TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=hint-untested]"));
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
