using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.OperatorDay;

/// <summary>Issue 22 item 1 in real Chromium: the app bar's clock switches the Traces list between the browser's zone and UTC, and is remembered.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class ClockBrowserTests(ChromiumFixture chromium, LiveAppFixture app)
{
    [Fact]
    public async Task ClockSetting_Utc_IsUsedAndRemembered()
    {
        // Arrange: a browser in Tokyo (the shared app has failed calls, so the Traces page lists recent errors)
        var page = await chromium.Browser.NewPageAsync(new() { TimezoneId = "Asia/Tokyo", ViewportSize = new() { Width = 1440, Height = 900 } });
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        await page.GotoAsync(new Uri(app.BaseAddress, "/traces").ToString());
        await Assertions.Expect(page.GetByTestId("recent-errors-zone")).ToHaveTextAsync("Times in Asia/Tokyo", new() { Timeout = 30_000 });

        // Act
        await page.GetByTestId("clock-setting").ClickAsync();

        // Assert: after the reload the list is in UTC, and so is the next page load
        await Assertions.Expect(page.GetByTestId("recent-errors-zone")).ToHaveTextAsync("Times in UTC", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("clock-setting")).ToHaveAttributeAsync("data-clock", "utc");
        await page.GotoAsync(new Uri(app.BaseAddress, "/traces").ToString());
        await Assertions.Expect(page.GetByTestId("recent-errors-zone")).ToHaveTextAsync("Times in UTC", new() { Timeout = 30_000 });
        await page.CloseAsync();
    }
}
