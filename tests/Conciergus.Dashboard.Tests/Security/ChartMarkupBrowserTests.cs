using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 2 in real Chromium: operations whose model, application and user are HTML (an img with onerror and a
/// meta refresh) are shown as text on every page (legends, tooltips, tables): no injected element, no navigation.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class ChartMarkupBrowserTests(ChromiumFixture chromium)
{
    private const string Img = "<img src=x onerror=alert(1)>";
    private const string Refresh = "<meta http-equiv=\"refresh\" content=\"0;url=/login?pwned=1\">";

    // Route and the charts it draws (as in PagesBrowserTests).
    private static readonly (string Route, int Charts)[] Pages = [("/", 4), ("/usage", 1), ("/cost", 2), ("/models", 0), ("/errors", 1), ("/health", 1), ("/traces", 0)];

    [Fact]
    public async Task EveryPage_TelemetryNamesAreHtml_NoInjectedElementAndNoNavigation()
    {
        // Arrange: traffic on hostile names next to ordinary ones, so every chart has several series (and a legend).
        await using var factory = new ConciergusAppFactory(realClock: true);
        var address = factory.StartKestrel();
        await SeedAsync(address);
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        var dialogs = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            _ = dialog.DismissAsync();
        };
        await BrowserSignIn.SignInAsync(page, address, factory, ConciergusRole.Admin);
        var legends = new List<string>();

        foreach (var (route, chartCount) in Pages)
        {
            // Act: open the page, let its charts draw, hover every chart so the tooltips render the series names.
            var navigations = new List<string>();
            await page.GotoAsync(new Uri(address, route).ToString());
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync(new() { Timeout = 30_000 });
            await Assertions.Expect(page.GetByTestId("panel-loading")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
            void OnNavigated(object? sender, IFrame frame)
            {
                if (frame == page.MainFrame)
                {
                    navigations.Add(frame.Url);
                }
            }

            page.FrameNavigated += OnNavigated;
            var charts = page.Locator(".apexcharts-canvas");
            await Assertions.Expect(charts).ToHaveCountAsync(chartCount, new() { Timeout = 30_000 });
            if (route == "/cost")
            {
                // The cost breakdown's legend lists the models by name.
                await Assertions.Expect(page.Locator(".apexcharts-legend-text", new() { HasText = "<img src=x" }).First).ToBeVisibleAsync(new() { Timeout = 30_000 });
            }

            for (var i = 0; i < await charts.CountAsync(); i++)
            {
                await HoverAsync(charts.Nth(i));
            }

            legends.AddRange(await page.Locator(".apexcharts-legend-text, .apexcharts-tooltip-text-y-label").AllTextContentsAsync());
            var injected = await page.EvaluateAsync<int>("() => document.querySelectorAll('body img[src=\"x\"], body meta[http-equiv], body meta[content], body base').length");
            page.FrameNavigated -= OnNavigated;

            // Assert: nothing became an element, and the page stayed where it was.
            Assert.True(injected == 0, $"{route}: {injected} injected element(s)");
            Assert.Empty(navigations);
            Assert.Equal(new Uri(address, route).ToString(), page.Url);
        }

        // The names did reach the charts, as the characters they are (so the check above looked at them).
        Assert.Contains(legends, l => l.Contains(Img, StringComparison.Ordinal));
        Assert.Contains(legends, l => l.Contains("<meta http-equiv", StringComparison.Ordinal));
        Assert.Empty(dialogs);
    }

    /// <summary>
    /// Hovers a chart twice (its middle, then a data point). A live update may redraw the chart between finding and
    /// hovering it, leaving it without a box for a moment ("Element is not visible", seen once on CI): wait until it is
    /// visible again and hover again, as a person would.
    /// </summary>
    private static async Task HoverAsync(ILocator chart)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Assertions.Expect(chart).ToBeVisibleAsync(new() { Timeout = 30_000 });
                await chart.HoverAsync(new() { Force = true });
                await chart.HoverAsync(new() { Force = true, Position = new() { X = 200, Y = 60 } });
                return;
            }
            catch (PlaywrightException) when (attempt < 5)
            {
            }
        }
    }

    private static async Task SeedAsync(Uri address)
    {
        var operations = new List<object>();
        string[] models = [Img, Refresh, "gpt-4o"];
        for (var i = 0; i < 60; i++)
        {
            var hostile = models[i % 3];
            operations.Add(new
            {
                timestamp = DateTimeOffset.UtcNow.AddSeconds(-i * 3),
                model = hostile,
                provider = "openai",
                durationMs = 200 + (i * 13 % 700),
                inputTokens = 500,
                outputTokens = 100,
                status = i % 4 == 0 ? "error" : "ok",
                error = i % 4 == 0 ? new { type = "RateLimitError", httpStatus = 429, message = Img } : null,
                application = i % 2 == 0 ? Img : Refresh,
                userId = i % 2 == 0 ? Refresh : Img,
                traceId = i % 4 == 0 ? $"{i + 1:x32}" : null,
            });
        }

        using var client = new HttpClient { BaseAddress = address };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        using var response = await client.PostAsJsonAsync("/api/v1/operations", operations);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
