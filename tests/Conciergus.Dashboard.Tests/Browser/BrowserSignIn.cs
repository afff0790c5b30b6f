using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>Signs a Chromium page in through the real login form, as a person does.</summary>
public static class BrowserSignIn
{
    /// <summary>Signs in as <paramref name="userName"/> and lands on <paramref name="returnPath"/>.</summary>
    public static async Task SignInAsync(IPage page, Uri baseAddress, string userName, string password, string returnPath = "/")
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(new Uri(baseAddress, $"/login?returnUrl={Uri.EscapeDataString(returnPath)}").ToString());
        await page.FillAsync("#login-user", userName);
        await page.FillAsync("#login-password", password);
        await page.GetByTestId("login-submit").ClickAsync(new() { Timeout = 60_000 });
        try
        {
            // The URL alone, polled: WaitForURLAsync, when the redirect has already landed, waits for a load state as well,
            // and once ran out its 60 s on a loaded machine with the page already at the return path.
            await Assertions.Expect(page).ToHaveURLAsync(new Uri(baseAddress, returnPath).ToString(), new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            // Say where the browser is and whether the form refused the sign-in, so a failure says slow from refused.
            var refused = await page.GetByTestId("login-error").IsVisibleAsync();
            throw new TimeoutException($"Sign-in as '{userName}' did not reach {returnPath} within 60 s; the page is at {page.Url}{(refused ? " and shows the sign-in error" : string.Empty)}.", e);
        }
    }

    /// <summary>Signs in as a local user with <paramref name="role"/> (created without an audit entry; the sign-in itself is audited).</summary>
    public static Task SignInAsync(IPage page, Uri baseAddress, ConciergusAppFactory factory, ConciergusRole role, string returnPath = "/")
    {
        ArgumentNullException.ThrowIfNull(factory);
        return SignInAsync(page, baseAddress, factory.EnsureUser(role), ConciergusAppFactory.UserPassword, returnPath);
    }
}
