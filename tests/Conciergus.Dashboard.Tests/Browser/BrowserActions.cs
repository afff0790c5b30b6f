using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>Page actions that change the URL, repeated until they did (an action can arrive before the page's circuit is interactive and be lost).</summary>
public static class BrowserActions
{
    /// <summary>Runs <paramref name="act"/> until the page's URL satisfies <paramref name="url"/>: up to five attempts, 10 s each.</summary>
    public static async Task UntilUrlAsync(IPage page, Func<Task> act, Func<string, bool> url)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(act);
        for (var attempt = 1; ; attempt++)
        {
            await act();
            try
            {
                await page.WaitForURLAsync(url, new() { Timeout = 10_000, WaitUntil = WaitUntilState.Commit });
                return;
            }
            catch (TimeoutException) when (attempt < 5)
            {
                // the action was lost; do it again
            }
        }
    }

    /// <summary>Clicks <paramref name="target"/> until the URL satisfies <paramref name="url"/>.</summary>
    public static Task ClickUntilUrlAsync(IPage page, ILocator target, Func<string, bool> url)
    {
        ArgumentNullException.ThrowIfNull(target);
        return UntilUrlAsync(page, () => target.ClickAsync(), url);
    }

    /// <summary>Adds a filter chip for <paramref name="value"/> through the filter bar's value box until the URL carries <paramref name="query"/>.</summary>
    public static Task FilterUntilUrlAsync(IPage page, string value, string query)
    {
        ArgumentNullException.ThrowIfNull(page);
        var box = page.Locator("input[data-testid=filter-value], [data-testid=filter-value] input").First;
        return UntilUrlAsync(
            page,
            async () =>
            {
                await box.ClickAsync();
                await box.FillAsync(value);
                await box.PressAsync("Tab");
            },
            url => url.Contains(query, StringComparison.Ordinal));
    }
}
