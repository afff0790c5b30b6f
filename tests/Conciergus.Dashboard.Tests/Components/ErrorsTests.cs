using Bunit;
using Conciergus.Dashboard.Components.Pages;
using ErrorsPage = Conciergus.Dashboard.Components.Pages.Errors;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class ErrorsTests : PanelTestContext
{
    [Fact]
    public async Task Render_Failures_ShowsCategoriesTypesAndSamplesLinkingToTraces()
    {
        // Arrange: 3 failures, one with a trace id and a message carrying an e-mail address
        Host.Record(error: true, traceId: "4bf92f3577b34da6a3ce929d0e0e4736", errorMessage: "Quota for ops@example.com exceeded");
        Host.Record(error: true);
        Host.Record(error: true);
        Host.Record();
        await StartAsync();

        // Act
        var cut = Render<ErrorsPage>();

        // Assert: as AnalyticsService.Errors / TopErrorTypes / RecentErrorSamples
        var report = Host.Analytics.Errors(TimeSpan.FromHours(1));
        Assert.Equal(report.Categories.Select(c => c.Category), cut.FindAll("[data-testid=error-categories] tbody tr").Select(r => r.GetAttribute("data-category")));
        Assert.Equal("3", cut.Find("[data-testid=errors-total]").TextContent.Trim());
        Assert.Equal("75%", cut.Find("[data-kpi=errorRate]").TextContent.Trim());
        Assert.Equal("/traces/4bf92f3577b34da6a3ce929d0e0e4736", cut.Find("[data-trace]").GetAttribute("href"));
        Assert.DoesNotContain("ops@example.com", cut.Markup, StringComparison.Ordinal);
        Assert.Contains("[email]", cut.Find("[data-testid=error-types]").TextContent, StringComparison.Ordinal);
        Assert.Equal(3, cut.FindAll("[data-testid=error-samples] tbody tr").Count);
    }

    [Fact]
    public async Task Render_NoOperations_ShowsEmptyState()
    {
        await StartAsync();
        var cut = Render<ErrorsPage>();
        Assert.Single(cut.FindAll("[data-testid=panel-empty]"));
    }

    [Fact]
    public async Task Render_NewFailure_AppearsWithoutReload()
    {
        Host.Record();
        await StartAsync();
        var cut = Render<ErrorsPage>();
        Host.Record(error: true);
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Single(cut.FindAll("[data-testid=error-samples] tbody tr")));
    }
}
