using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Traces;

/// <summary>What a person sees on the Traces pages, in real Chromium over the real Blazor circuit.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class TracesBrowserTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private const string Trace = "6bf92f3577b34da6a3ce929d0e0e4736";

    private readonly ConciergusAppFactory _factory = new(realClock: true);
    private Uri _baseAddress = null!;

    public Task InitializeAsync()
    {
        _baseAddress = _factory.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Traces_FilterThenOpenTrace_ShowsWaterfallAndSelectedSpan()
    {
        // Arrange: a trace with a failed gpt-4o call and its gpt-4o-mini fallback, and another trace
        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 400, inputTokens = 100, status = "error", error = new { httpStatus = 429 }, traceId = Trace, spanId = "1000000000000001", application = "shop" },
            new { model = "gpt-4o-mini", provider = "openai", durationMs = 300, inputTokens = 100, outputTokens = 20, fallbackUsed = true, traceId = Trace, spanId = "1000000000000002", application = "shop" },
            new { model = "claude-sonnet-4", provider = "anthropic", durationMs = 900, inputTokens = 50, traceId = "7bf92f3577b34da6a3ce929d0e0e4736", spanId = "2000000000000001", application = "shop" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var page = await chromium.Browser.NewPageAsync();
        await Conciergus.Dashboard.Tests.Browser.BrowserSignIn.SignInAsync(page, _baseAddress, _factory, Conciergus.Dashboard.Security.ConciergusRole.Admin);
        await page.GotoAsync(new Uri(_baseAddress, "traces").ToString());
        await Assertions.Expect(page.GetByTestId("trace-link")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("traces-header")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 30_000 });

        // Act: filter by model (the filter goes to the URL), then open the trace
        var model = page.Locator("input[data-testid=filter-model], [data-testid=filter-model] input"); // MudBlazor puts it on the input
        await model.FillAsync("gpt-4o-mini");
        await model.PressAsync("Tab");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/traces\\?model=gpt-4o-mini$"), new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("trace-link")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.GetByTestId("trace-link").ClickAsync();

        // Assert: two AI rows, the failed one red and selected first, the fallback tagged
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex($"/traces/{Trace}$"), new() { Timeout = 30_000 });
        var rows = page.GetByTestId("waterfall-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(rows.Nth(0)).ToHaveAttributeAsync("data-error", "true");
        await Assertions.Expect(page.GetByTestId("wf-fallback")).ToHaveCountAsync(1);
        await Assertions.Expect(page.GetByTestId("span-details-name")).ToHaveTextAsync("chat gpt-4o");

        await rows.Nth(1).ClickAsync();
        await Assertions.Expect(page.GetByTestId("span-details-name")).ToHaveTextAsync("chat gpt-4o-mini", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("span-output-tokens")).ToContainTextAsync("20");
    }

    [Fact]
    public async Task Traces_ClickAnywhereOnARowOrEnterOnIt_OpensTheTrace_AndTheRangeIsInTheUrl()
    {
        // Arrange: two traces
        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 400, inputTokens = 100, traceId = Trace, spanId = "1000000000000001", application = "shop" },
            new { model = "claude-sonnet-4", provider = "anthropic", durationMs = 900, inputTokens = 50, traceId = "7bf92f3577b34da6a3ce929d0e0e4736", spanId = "2000000000000001", application = "shop" },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var page = await chromium.Browser.NewPageAsync();
        await Conciergus.Dashboard.Tests.Browser.BrowserSignIn.SignInAsync(page, _baseAddress, _factory, Conciergus.Dashboard.Security.ConciergusRole.Viewer);
        await page.GotoAsync(new Uri(_baseAddress, "traces").ToString());
        await Assertions.Expect(page.GetByTestId("traces-header")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 60_000 });
        var row = page.Locator("tr.trace-row").Filter(new() { Has = page.Locator($"a[href='traces/{Trace}']") });
        await Assertions.Expect(row).ToHaveCountAsync(1, new() { Timeout = 60_000 });

        // Act 1: a click on the row's Cost cell, far from the trace's name
        // (a mouse click at the cell's centre, as a person clicks: the row's link covers the cell, so Playwright's own
        // element click would refuse a cell whose point another element receives)
        await BrowserActions.UntilUrlAsync(
            page,
            async () =>
            {
                var box = await row.Locator("td[data-label=Cost]").BoundingBoxAsync() ?? throw new InvalidOperationException("no Cost cell");
                await page.Mouse.ClickAsync(box.X + (box.Width / 2), box.Y + (box.Height / 2));
            },
            url => url.EndsWith($"/traces/{Trace}", StringComparison.Ordinal));

        // Assert 1: the trace opened
        await Assertions.Expect(page.GetByTestId("waterfall-row")).ToHaveCountAsync(1, new() { Timeout = 60_000 });

        // Act 2: back on the list, the keyboard: the row's link takes focus (the focused row is outlined) and Enter opens it
        await page.GotoAsync(new Uri(_baseAddress, "traces").ToString());
        await Assertions.Expect(page.GetByTestId("traces-header")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 60_000 });
        await BrowserActions.UntilUrlAsync(
            page,
            async () =>
            {
                await row.Locator("a.trace-link").FocusAsync();
                await page.Keyboard.PressAsync("Enter");
            },
            url => url.EndsWith($"/traces/{Trace}", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("waterfall-row")).ToHaveCountAsync(1, new() { Timeout = 60_000 });

        // Act 3: the range picker of every page: 6h goes into the URL, and the traces of the last 6 hours stay listed
        await page.GotoAsync(new Uri(_baseAddress, "traces").ToString());
        await Assertions.Expect(page.GetByTestId("traces-header")).ToHaveAttributeAsync("data-interactive", "true", new() { Timeout = 60_000 });
        await BrowserActions.ClickUntilUrlAsync(page, page.Locator("[data-testid=window-picker] [data-window='6h']"), url => url.Contains("window=6h", StringComparison.Ordinal));
        await Assertions.Expect(page.GetByTestId("window-selected")).ToHaveTextAsync("Last 6 hours", new() { Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("trace-link")).ToHaveCountAsync(2, new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-testid=window-picker] [data-window='6h']")).ToHaveAttributeAsync("aria-pressed", "true");
    }
}
