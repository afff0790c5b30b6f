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
        var cspViolations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                cspViolations.Add(message.Text);
            }
        };
        await BrowserSignIn.SignInAsync(page, _baseAddress, "admin", ConciergusAppFactory.AdminPassword);
        var tokensIn = page.GetByTestId("kpi-tokens-in");
        await Assertions.Expect(page.GetByTestId("panel-empty")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(tokensIn).ToHaveTextAsync("0", new() { Timeout = 30_000 });

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
        await Assertions.Expect(tokensIn).ToHaveTextAsync("12.3k", new() { Timeout = 30_000 });
        output.WriteLine($"POST -> KPI in the DOM: {posted.ElapsedMilliseconds} ms (includes HTTP, the 250 ms publisher tick and render)");
        await Assertions.Expect(page.GetByTestId("panel-empty")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToHaveTextAsync("2");

        // Warm: a second operation, 655 more input tokens -> "13k".
        posted.Restart();
        response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o-mini", durationMs = 90, inputTokens = 655 } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Assertions.Expect(tokensIn).ToHaveTextAsync("13k", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).ToHaveTextAsync("3");
        output.WriteLine($"warm POST -> KPI in the DOM: {posted.ElapsedMilliseconds} ms");

        // Blazor, MudBlazor and ApexCharts ran under the Content-Security-Policy without a single violation.
        Assert.Empty(cspViolations);
    }

    [Fact]
    public async Task Login_SignInAndOut_ThroughTheForm()
    {
        var page = await chromium.Browser.NewPageAsync();
        var cspViolations = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                cspViolations.Add(message.Text);
            }
        };
        await page.GotoAsync(new Uri(_baseAddress, "/admin").ToString());

        // Redirected to the login page, which brings us back to /admin.
        await Assertions.Expect(page.GetByTestId("login-form")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.FillAsync("#login-user", "admin");
        await page.FillAsync("#login-password", ConciergusAppFactory.AdminPassword);
        await page.GetByTestId("login-submit").ClickAsync();
        await Assertions.Expect(page.GetByTestId("users-table")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("user-name")).ToHaveTextAsync("admin");

        // An Admin action over the circuit: a new API key is shown once. The prerendered button is visible before the
        // circuit is connected, and a click before then does nothing: click until the circuit answers.
        var created = page.GetByTestId("created-key");
        for (var attempt = 0; attempt < 20 && await created.CountAsync() == 0; attempt++)
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
        Assert.Empty(cspViolations);

        await page.GetByTestId("sign-out").ClickAsync();
        await Assertions.Expect(page.GetByTestId("login-signed-out")).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }
}
