using Conciergus.Dashboard.Security;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>Every panel in real Chromium against one seeded app: no console errors, charts drawn, URL state, dark mode, screenshots.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class PagesBrowserTests(ChromiumFixture chromium, LiveAppFixture app, ITestOutputHelper output)
{
    public static TheoryData<string, string, string, int> Pages => new()
    {
        { "/", "overview", "Overview", 4 },
        { "/usage", "usage", "Usage", 1 },
        { "/cost", "cost", "Cost", 2 },
        { "/models", "models", "Models", 0 },
        { "/models/openai/gpt-4o", "model-detail", "openai/gpt-4o", 2 },
        { "/errors", "errors", "Errors", 1 },
        { "/health", "health", "System health", 1 },
    };

    /// <summary>Where screenshots go: bin/.../screenshots.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Page_Loads_WithoutConsoleErrorsAndDrawsItsCharts(string route, string name, string title, int charts)
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text + " " + message.Location);
            }
        };
        page.PageError += (_, error) => errors.Add(error);

        // Act
        await page.GotoAsync(new Uri(app.BaseAddress, route).ToString());

        // Assert: the page's title, its data (no loading, no error), its charts drawn
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync(title, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("live-indicator")).ToContainTextAsync("live", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("panel-loading")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("panel-error")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByTestId("panel-empty")).ToHaveCountAsync(0);
        try
        {
            await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(charts, new() { Timeout = 30_000 });
        }
        catch (PlaywrightException)
        {
            output.WriteLine("chart errors: " + string.Join(" | ", await page.Locator(".live-chart-error").AllTextContentsAsync()) + " console: " + string.Join(" | ", errors));
            throw;
        }

        await Assertions.Expect(page.Locator(".live-chart-error")).ToHaveCountAsync(0);
        if (name == "cost")
        {
            // One slice per model of the seeded traffic.
            await Assertions.Expect(page.Locator("[data-testid=chart-cost-donut] path.apexcharts-pie-area")).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        }

        await page.WaitForTimeoutAsync(600); // let chart animations settle for the screenshot
        Directory.CreateDirectory(ScreenshotDirectory);
        var file = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        output.WriteLine($"screenshot: {file}");
        Assert.True(errors.Count == 0, string.Join(Environment.NewLine, errors));
        await page.CloseAsync();
    }

    [Fact]
    public async Task Overview_TimeRangeAndFilterChanges_UpdateTheChartsInPlace()
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        await page.GotoAsync(new Uri(app.BaseAddress, "/?window=5m").ToString());
        var chart = page.GetByTestId("chart-requests");
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-range-ms", "300000", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).Not.ToHaveTextAsync("0", new() { Timeout = 30_000 });
        var allRequests = int.Parse((await page.Locator("[data-kpi=requests]").TextContentAsync())!.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture);
        // Seeded over 200 s when the collection started; browser tests before this one may have taken minutes, so count
        // the seeded operations still inside the 5-minute window now (a KPI read earlier can only count more), less 2
        // for bucket alignment at the window's edge.
        var age = (DateTimeOffset.UtcNow - app.SeededAt).TotalSeconds;
        var stillInWindow = Enumerable.Range(0, LiveAppFixture.SeededRequests).Count(i => (i * 2) + age <= 300);
        Assert.True(allRequests <= LiveAppFixture.SeededRequests && allRequests >= stillInWindow - 2, $"requests {allRequests}, expected at least {stillInWindow - 2} ({age:F0} s after seeding)");
        var totalBefore = await chart.GetAttributeAsync("data-total");

        // Act 1: the 1h preset
        await BrowserActions.ClickUntilUrlAsync(page, page.Locator("[data-window='1h']"), url => url.Contains("window=1h", StringComparison.Ordinal));

        // Assert 1: the URL keeps the range; the same chart (no new canvas) shows an hour in 10-second steps
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-range-ms", "3600000", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4);

        // Act 2: filter on one model through the filter bar (a chip picked from the values seen)
        await BrowserActions.FilterUntilUrlAsync(page, "gpt-4o", "model=gpt-4o");

        // Assert 2: the URL names the model; KPIs and the chart show only its series
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToHaveTextAsync(LiveAppFixture.Gpt4oRequests.ToString(System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        await Assertions.Expect(chart).Not.ToHaveAttributeAsync("data-total", totalBefore ?? "", new() { Timeout = 30_000 });
        output.WriteLine($"chart total before {totalBefore}, filtered {await chart.GetAttributeAsync("data-total")}");
        await page.CloseAsync();
    }

    [Fact]
    public async Task DarkModeToggle_SwitchesThemeAndCharts()
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        await page.GotoAsync(new Uri(app.BaseAddress, "/").ToString());
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        var lightBackground = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");

        // Act
        await page.GetByTestId("toggle-dark-mode").ClickAsync();

        // Assert: the page and every chart switch to the dark palette
        await Assertions.Expect(page.Locator(".apexcharts-canvas.apexcharts-theme-dark")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        var darkBackground = await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor");
        Assert.NotEqual(lightBackground, darkBackground);
        Directory.CreateDirectory(ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, "overview-dark.png"), FullPage = true });

        // Back to light for the other tests (the choice is kept in localStorage per browser context).
        await page.GetByTestId("toggle-dark-mode").ClickAsync();
        await Assertions.Expect(page.Locator(".apexcharts-canvas.apexcharts-theme-light")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        await page.CloseAsync();
    }
}
