using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 1 in real Chromium: an Admin's /admin page, left open, loses its rights as soon as the account is
/// deleted or demoted to Viewer. Every action re-checks the store (nothing is created), and an idle page shows the
/// sign-in page within the revalidation interval.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class SessionRevalidationBrowserTests(ChromiumFixture chromium)
{
    private const string Boss = "boss";

    [Theory]
    [InlineData("delete", "create-key")]
    [InlineData("delete", "add-user")]
    [InlineData("demote", "create-key")]
    [InlineData("demote", "add-user")]
    public async Task OpenAdminPage_AccountChanged_ActionCreatesNothingAndShowsSignIn(string change, string action)
    {
        // Arrange: revalidation far away, so only the check at the action can stop it.
        await using var factory = new ConciergusAppFactory(new() { ["Conciergus:Auth:SessionRevalidationInterval"] = "00:30:00" }, realClock: true);
        var address = factory.StartKestrel();
        var page = await OpenAdminPageAsync(factory, address);
        await page.Locator("input[autocomplete=off]").First.FillAsync("newbie");
        await page.Locator("input[type=password][autocomplete=new-password]").First.FillAsync("newbie-password-0123");

        // Act: another Admin deletes or demotes the account; then the open page tries to act.
        await ChangeAsync(factory, change);
        await page.GetByTestId(action).ClickAsync();

        // Assert: the sign-in page, and neither a new user nor a second key.
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Null(factory.Services.GetRequiredService<UserStore>().Find("newbie"));
        Assert.Single(factory.Services.GetRequiredService<ApiKeyStore>().List(), k => !k.Configured);
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("demote")]
    public async Task OpenAdminPage_AccountChangedWhileIdle_ShowsSignInWithinTheRevalidationInterval(string change)
    {
        await using var factory = new ConciergusAppFactory(new() { ["Conciergus:Auth:SessionRevalidationInterval"] = "00:00:02" }, realClock: true);
        var address = factory.StartKestrel();
        var page = await OpenAdminPageAsync(factory, address);

        await ChangeAsync(factory, change);

        // Nobody touches the page: the circuit's revalidation ends its authentication and the router sends it to sign-in.
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
    }

    // Signs "boss" (Admin) in, opens /admin and creates one key: proof that the circuit is live and may act.
    private async Task<IPage> OpenAdminPageAsync(ConciergusAppFactory factory, Uri address)
    {
        factory.Services.GetRequiredService<UserStore>().Create(Boss, ConciergusAppFactory.UserPassword, ConciergusRole.Admin);
        var page = await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, address, Boss, ConciergusAppFactory.UserPassword, "/admin");
        await Assertions.Expect(page.GetByTestId("users-table")).ToBeVisibleAsync(new() { Timeout = 30_000 });

        // The prerendered button does nothing until the circuit is connected: click until it answers.
        var created = page.GetByTestId("created-key");
        for (var attempt = 0; attempt < 30 && await created.CountAsync() == 0; attempt++)
        {
            await page.GetByTestId("create-key").ClickAsync();
            try
            {
                await created.WaitForAsync(new() { Timeout = 1_000 });
            }
            catch (TimeoutException)
            {
            }
        }

        await Assertions.Expect(created).ToContainTextAsync("cak_");
        Assert.Single(factory.Services.GetRequiredService<ApiKeyStore>().List(), k => !k.Configured);
        return page;
    }

    // What another Admin does on their own page: the same service, acting as the initial admin.
    private static async Task ChangeAsync(ConciergusAppFactory factory, string change)
    {
        var users = factory.Services.GetRequiredService<UserStore>();
        var administration = factory.Services.GetRequiredService<UserAdministration>();
        var admin = LocalSignIn.PrincipalFor(users.Find("admin")!);
        var result = change == "delete"
            ? await administration.DeleteUserAsync(admin, Boss)
            : await administration.ChangeRoleAsync(admin, Boss, ConciergusRole.Viewer);
        Assert.True(result.Succeeded, result.Error);
    }
}
