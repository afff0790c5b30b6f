using Bunit;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Components.Panels;
using Microsoft.AspNetCore.Components;
using ErrorsPage = Conciergus.Dashboard.Components.Pages.Errors;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class PanelBoundaryTests : PanelTestContext
{
    [Fact]
    public void PanelThrows_OnlyThatPanelIsReplaced_AndTheRestOfThePageStaysLive()
    {
        // Arrange: two panels side by side, as on a page
        var fail = false;
        var value = 1;
        RenderFragment Page() => builder =>
        {
            builder.OpenComponent<PanelBoundary>(0);
            builder.AddAttribute(1, nameof(PanelBoundary.Name), "Broken panel");
            builder.AddAttribute(2, nameof(PanelBoundary.ChildContent), (RenderFragment)(b =>
            {
                b.OpenComponent<Thrower>(0);
                b.AddAttribute(1, nameof(Thrower.Fail), fail);
                b.CloseComponent();
            }));
            builder.CloseComponent();
            builder.OpenComponent<PanelBoundary>(3);
            builder.AddAttribute(4, nameof(PanelBoundary.Name), "Live panel");
            builder.AddAttribute(5, nameof(PanelBoundary.ChildContent), (RenderFragment)(b =>
            {
                b.OpenElement(0, "span");
                b.AddAttribute(1, "data-testid", "live-value");
                b.AddContent(2, value);
                b.CloseElement();
            }));
            builder.CloseComponent();
        };
        var cut = Render<DarkModeHost>(p => p.AddChildContent(Page()));
        Assert.Empty(cut.FindAll("[data-testid=panel-failed]"));

        // Act: the first panel throws while rendering
        fail = true;
        cut.Render(p => p.AddChildContent(Page()));

        // Assert: it says what failed, in its place; the other panel still renders new values
        var failed = cut.Find("[data-testid=panel-failed]");
        Assert.Equal("Broken panel", failed.GetAttribute("data-panel"));
        Assert.Contains("InvalidOperationException: panel exploded.", failed.TextContent, StringComparison.Ordinal);
        value = 2;
        cut.Render(p => p.AddChildContent(Page()));
        Assert.Equal("2", cut.Find("[data-testid=live-value]").TextContent);
        Assert.Single(cut.FindAll("[data-testid=panel-failed]"));

        // And the failed panel comes back on Retry once it renders again
        fail = false;
        cut.Render(p => p.AddChildContent(Page()));
        cut.Find("[data-testid=panel-retry]").Click();
        Assert.Empty(cut.FindAll("[data-testid=panel-failed]"));
        Assert.Equal("fine", cut.Find("[data-testid=thrower]").TextContent);
    }

    [Fact]
    public async Task ErrorsPage_PanelsWrappedInBoundaries_RenderAndUpdate()
    {
        // The real page: its panels are wrapped, so the page renders with all of them (and nothing failed).
        await StartAsync();
        var cut = Render<ErrorsPage>();
        Host.Record(error: true);
        Host.Tick();
        cut.WaitForAssertion(() => Assert.Equal("1", cut.Find("[data-testid=errors-total]").TextContent.Trim()));
        Assert.Empty(cut.FindAll("[data-testid=panel-failed]"));
        Assert.Equal(5, cut.FindComponents<PanelBoundary>().Count);
    }
}
