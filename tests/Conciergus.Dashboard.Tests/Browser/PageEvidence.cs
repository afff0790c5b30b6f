using System.Text;
using Microsoft.Playwright;
using Xunit.Sdk;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>
/// A browser step that, when it fails, says what the page showed (the named elements' tags and text, whether the Blazor
/// circuit was connected) and what the server held, so a failure tells a stale page, a lost action and a page that showed
/// the truth apart. It adds no wait and changes nothing when the step passes.
/// </summary>
public static class PageEvidence
{
    /// <summary>Elements described at most per name (the rest are counted).</summary>
    private const int MaxDescribed = 5;

    // The circuit's state as the page shows it: the reconnect banner (Layout/ReconnectModal.razor) and the error UI.
    private const string CircuitScript = """
        () => {
            const banner = document.getElementById('components-reconnect-modal');
            const error = document.getElementById('blazor-error-ui');
            const errorShown = !!error && getComputedStyle(error).display !== 'none';
            return `reconnect banner ${banner && banner.open ? 'shown (' + banner.className + ')' : 'hidden'}, `
                + `error UI ${errorShown ? 'shown' : 'hidden'}, body class "${document.body.className}"`;
        }
        """;

    private const string TagScript = """
        e => e.outerHTML.slice(0, e.outerHTML.indexOf('>') + 1) + (e.tagName === 'INPUT' ? ` value "${e.value}"` : '')
        """;

    /// <summary>
    /// Runs <paramref name="step"/> (Playwright expectations and actions); when one fails, fails with
    /// <paramref name="what"/>, Playwright's message, what <paramref name="shown"/> showed and <paramref name="server"/>'s account.
    /// </summary>
    public static async Task StepAsync(IPage page, string what, Func<Task> step, IReadOnlyDictionary<string, ILocator> shown, Func<string>? server = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(shown);
        try
        {
            await step();
        }
        catch (PlaywrightException e)
        {
            var message = new StringBuilder().Append(what).Append(" failed: ").AppendLine(e.Message.Trim());
            await DescribeAsync(page, shown, message);
            if (server is not null)
            {
                message.Append("Server: ").AppendLine(server());
            }

            throw new XunitException(message.ToString(), e);
        }
    }

    private static async Task DescribeAsync(IPage page, IReadOnlyDictionary<string, ILocator> shown, StringBuilder message)
    {
        message.Append("The page (").Append(page.Url).AppendLine(") showed:");
        try
        {
            message.Append("  circuit: ").AppendLine(await page.EvaluateAsync<string>(CircuitScript));
            foreach (var (name, locator) in shown)
            {
                var count = await locator.CountAsync();
                message.Append("  ").Append(name).Append(": ").Append(count == 0 ? "absent" : $"{count} element(s)").AppendLine();
                for (var i = 0; i < Math.Min(count, MaxDescribed); i++)
                {
                    // The opening tag carries the state attributes (data-state, disabled, aria-*), an input's value is what it holds
                    // now (not an attribute); the text is what a person reads.
                    var tag = await locator.Nth(i).EvaluateAsync<string>(TagScript);
                    var text = await locator.Nth(i).InnerTextAsync(new() { Timeout = 2_000 });
                    message.Append("    ").Append(tag).Append(" text \"").Append(string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))).AppendLine("\"");
                }
            }
        }
        catch (PlaywrightException e)
        {
            message.Append("  (the page could not be read further: ").Append(e.Message.Split('\n')[0]).AppendLine(")");
        }
    }
}
