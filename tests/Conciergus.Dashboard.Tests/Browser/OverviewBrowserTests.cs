using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>What a person sees: the Overview in real Chromium, over real HTTP and the real Blazor circuit.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class OverviewBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ConciergusAppFactory _factory = new(realClock: true);
    private Uri _baseAddress = null!;

    public Task InitializeAsync()
    {
        _baseAddress = _factory.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Overview_OperationPostedOverHttp_AppearsInKpisAndChartWithoutReload()
    {
        var page = await chromium.Browser.NewPageAsync();
        await page.GotoAsync(_baseAddress.ToString());
        var tokensIn = page.GetByTestId("kpi-tokens-in");
        await Assertions.Expect(page.GetByTestId("panel-empty")).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(tokensIn).ToHaveTextAsync("0", new() { Timeout = 15_000 });

        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var posted = Stopwatch.StartNew();
        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 420, inputTokens = 12_000, outputTokens = 300 },
            new { model = "gpt-4o", provider = "openai", durationMs = 380, inputTokens = 345, outputTokens = 20 },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // 12,345 input tokens render as "12.3k" once the live push reaches the DOM; the page is never reloaded.
        await Assertions.Expect(tokensIn).ToHaveTextAsync("12.3k", new() { Timeout = 10_000 });
        output.WriteLine($"POST -> KPI in the DOM: {posted.ElapsedMilliseconds} ms (includes HTTP, the 250 ms publisher tick and render)");
        await Assertions.Expect(page.GetByTestId("panel-empty")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4, new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToHaveTextAsync("2");

        // Warm: a second operation, 655 more input tokens -> "13k".
        posted.Restart();
        response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o-mini", durationMs = 90, inputTokens = 655 } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Assertions.Expect(tokensIn).ToHaveTextAsync("13k", new() { Timeout = 10_000 });
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToHaveTextAsync("3");
        output.WriteLine($"warm POST -> KPI in the DOM: {posted.ElapsedMilliseconds} ms");
    }
}
