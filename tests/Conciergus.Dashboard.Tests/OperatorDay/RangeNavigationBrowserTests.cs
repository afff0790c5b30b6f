using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>Issue 22 item 2 in real Chromium: the range and filters chosen on one page survive the nav bar and in-page links.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class RangeNavigationBrowserTests(ChromiumFixture chromium, LiveAppFixture app, ITestOutputHelper output)
{
    [Fact]
    public async Task RangeAndFilter_ChosenOnOverview_SurviveNavBarAndLinks()
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        await page.GotoAsync(new Uri(app.BaseAddress, "/").ToString());
        await Assertions.Expect(page.GetByTestId("live-indicator")).ToContainTextAsync("live", new() { Timeout = 30_000 });

        // The default window is the same on every page and the picker says which one it is.
        await Assertions.Expect(page.GetByTestId("window-selected")).ToHaveTextAsync("Last 1 hour");
        await Assertions.Expect(page.Locator("[data-window='1h']")).ToHaveAttributeAsync("aria-pressed", "true");

        // Act 1: 6 hours, then a filter on one model through the filter bar
        await BrowserActions.ClickUntilUrlAsync(page, page.Locator("[data-window='6h']"), url => url.Contains("window=6h", StringComparison.Ordinal));
        await BrowserActions.FilterUntilUrlAsync(page, "gpt-4o", "model=gpt-4o");
        await AssertRangeAsync(page, "Overview");

        // Act 2: the nav bar to Models
        await page.Locator("nav [data-route='/models'], [data-route='/models']").First.ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/models");

        // Assert 2: same range and filter, shown as selected, and the nav bar marks Models as the current page
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Models", new() { Timeout = 30_000 });
        await AssertRangeAsync(page, "Models");
        await Assertions.Expect(page.Locator("a.mud-nav-link.active[data-route='/models']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("a.mud-nav-link.active")).ToHaveCountAsync(1);
        Directory.CreateDirectory(PagesBrowserTests.ScreenshotDirectory);
        var file = Path.Combine(PagesBrowserTests.ScreenshotDirectory, "range-kept-models.png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        output.WriteLine($"screenshot: {file}");

        // Act 3: an in-page link (the model's row) to its detail page
        await page.Locator("a[data-model='openai/gpt-4o']").First.ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/models/openai/gpt-4o");
        await AssertRangeAsync(page, "model detail");

        // Act 4: the other panel pages through the nav bar
        foreach (var route in new[] { "/usage", "/cost", "/errors", "/health", "/" })
        {
            await page.Locator($"[data-route='{route}']").First.ClickAsync();
            await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == route);
            await AssertRangeAsync(page, route);
        }

        await page.CloseAsync();
    }

    [Fact]
    public async Task NarrowScreen_ShowsOneDropdown_ThatChangesTheRange()
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 390, Height = 844 } });
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        await page.GotoAsync(new Uri(app.BaseAddress, "/usage").ToString());
        await Assertions.Expect(page.GetByTestId("live-indicator")).ToContainTextAsync("live", new() { Timeout = 30_000 });

        // Assert: the buttons are hidden and the dropdown shows the selected range
        await Assertions.Expect(page.GetByTestId("window-picker")).ToBeHiddenAsync();
        var select = page.GetByTestId("window-select");
        await Assertions.Expect(select).ToBeVisibleAsync();
        await Assertions.Expect(select).ToHaveValueAsync("1h");

        // Act
        await BrowserActions.UntilUrlAsync(page, () => select.SelectOptionAsync("24h"), url => url.Contains("window=24h", StringComparison.Ordinal));

        // Assert
        await Assertions.Expect(select).ToHaveValueAsync("24h");
        Directory.CreateDirectory(PagesBrowserTests.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PagesBrowserTests.ScreenshotDirectory, "range-phone-usage.png") });
        await page.CloseAsync();
    }

    private static async Task AssertRangeAsync(IPage page, string where)
    {
        var uri = new Uri(page.Url);
        Assert.True(uri.Query.Contains("window=6h", StringComparison.Ordinal), $"{where}: {page.Url}");
        Assert.True(uri.Query.Contains("model=gpt-4o", StringComparison.Ordinal), $"{where}: {page.Url}");
        await Assertions.Expect(page.Locator("[data-window='6h']")).ToHaveAttributeAsync("aria-pressed", "true", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-window][aria-pressed='true']")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("window-selected")).ToHaveTextAsync("Last 6 hours");
        if (where == "/health")
        {
            // Health reads all traffic: it says the filter is kept for the other pages rather than hiding it.
            await Assertions.Expect(page.GetByTestId("filter-kept")).ToContainTextAsync("model = gpt-4o");
        }
        else
        {
            await Assertions.Expect(page.Locator("[data-testid=filter-chip][data-field=model][data-value='gpt-4o']")).ToHaveCountAsync(1);
        }
    }
}
