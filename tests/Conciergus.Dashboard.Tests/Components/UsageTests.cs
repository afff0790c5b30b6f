using Bunit;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Pages;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class UsageTests : PanelTestContext
{
    [Fact]
    public async Task Render_RecordedOperations_ShowsTokensAndGroupsOfTheReadModel()
    {
        // Arrange: 4 on gpt-4o (1,000 in, 800 cached), 2 on gpt-4o-mini, two users
        for (var i = 0; i < 4; i++)
        {
            Host.Record(model: "gpt-4o", inputTokens: 1000, cachedInputTokens: 800, outputTokens: 100, userId: "alice");
        }

        Host.Record(inputTokens: 500, outputTokens: 50, userId: "bob");
        Host.Record(inputTokens: 500, outputTokens: 50, userId: "bob");
        await StartAsync();

        // Act
        var cut = Render<Usage>();

        // Assert: totals as the summary reports them; 3,200 / 5,000 cached = 64%
        var summary = Host.Analytics.Summary(TimeSpan.FromHours(1));
        Assert.Equal("6", cut.Find("[data-kpi=requests]").TextContent.Trim());
        Assert.Equal(summary.InputTokens.ToString("#,##0", System.Globalization.CultureInfo.InvariantCulture), cut.Find("[data-testid=usage-input]").TextContent.Trim());
        Assert.Equal("3,200", cut.Find("[data-testid=usage-cached]").TextContent.Trim());
        Assert.Equal("64%", cut.Find("[data-testid=usage-cache-hit]").TextContent.Trim());
        var groups = Host.Analytics.Groups(TimeSpan.FromHours(1), SeriesDimension.Model);
        Assert.Equal(groups.Select(g => g.Display), cut.FindAll("[data-testid=usage-groups] tbody tr").Select(r => r.GetAttribute("data-key")));
        Assert.Equal(["alice", "bob"], cut.FindAll("[data-testid=usage-users] tbody tr").Select(r => r.GetAttribute("data-user")));
    }

    [Fact]
    public async Task Render_NoOperations_ShowsEmptyState()
    {
        await StartAsync();
        var cut = Render<Usage>();
        Assert.Contains("No data in this window yet", cut.Find("[data-testid=panel-empty]").TextContent, StringComparison.Ordinal);
        Assert.Empty(cut.FindAll("[data-testid=usage-groups] tbody tr"));
    }

    [Fact]
    public async Task Render_NewOperation_UpdatesTheTotals()
    {
        await StartAsync();
        var cut = Render<Usage>();
        Host.Record(inputTokens: 1234, application: "billing");
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Equal("1,234", cut.Find("[data-testid=usage-input]").TextContent.Trim()));
    }
}
