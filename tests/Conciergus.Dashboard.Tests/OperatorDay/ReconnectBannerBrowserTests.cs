using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>
/// Issue 22 item 11 in real Chromium: when Blazor reports a lost connection (its components-reconnect-state-changed
/// event, raised here as Blazor raises it), a banner says how old the data is, the page stays usable (no modal), and
/// the live badge reads "reconnecting"; when the connection is back, all of it goes away.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class ReconnectBannerBrowserTests(ChromiumFixture chromium, LiveAppFixture app)
{
    // As Blazor does: the state's class on the element (components-reconnect-show / -hide), then the event.
    private const string Raise = "state => { const m = document.getElementById('components-reconnect-modal'); m.classList.remove('components-reconnect-show', 'components-reconnect-hide'); m.classList.add('components-reconnect-' + state); m.dispatchEvent(new CustomEvent('components-reconnect-state-changed', { detail: { state } })); }";

    [Fact]
    public async Task ConnectionLost_ShowsANonBlockingStaleBanner_AndClearsItOnReconnect()
    {
        // Arrange
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Viewer);
        await page.GotoAsync(new Uri(app.BaseAddress, "/").ToString());
        await Assertions.Expect(page.GetByTestId("live-indicator")).ToContainTextAsync("live", new() { Timeout = 30_000 });

        // Act
        await page.EvaluateAsync(Raise, "show");

        // Assert: a banner with the time of the last data, not a modal; the page's data and controls stay usable
        var banner = page.GetByTestId("reconnect-banner");
        await Assertions.Expect(banner).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("stale-at")).ToBeVisibleAsync();
        await Assertions.Expect(banner).ToContainTextAsync("Connection lost: data as of");
        await Assertions.Expect(page.GetByTestId("stale-at")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d\d:\d\d:\d\d"));
        Assert.False(await page.EvaluateAsync<bool>("document.getElementById('components-reconnect-modal').matches(':modal')"));
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToBeVisibleAsync();
        await page.Locator("[data-window='6h']").ClickAsync(new() { Trial = true }); // nothing covers the controls
        Assert.Equal("\"reconnecting\"", await page.EvaluateAsync<string>("getComputedStyle(document.querySelector('[data-testid=live-indicator]'), '::after').content"));
        Directory.CreateDirectory(PagesBrowserTests.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PagesBrowserTests.ScreenshotDirectory, "reconnect-banner.png") });

        // Act 2: back
        await page.EvaluateAsync(Raise, "hide");

        // Assert 2
        await Assertions.Expect(banner).ToBeHiddenAsync();
        Assert.False(await page.EvaluateAsync<bool>("document.body.classList.contains('conciergus-stale')"));
        await page.CloseAsync();
    }
}
