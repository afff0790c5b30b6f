using System.Net;
using System.Net.Http.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Google.Protobuf;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Conciergus.Dashboard.Tests.AppMetrics.OtelMetricFactory;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>What a person sees on /applications, in real Chromium: an app's own metrics beside its AI calls, updating live.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class ApplicationsBrowserTests(ChromiumFixture chromium, ITestOutputHelper output) : IAsyncLifetime
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
    public async Task Applications_MetricsAndCallsPosted_RowShowsThemAndUpdatesLive()
    {
        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        await SendMetrics(client, activeRequests: 3);
        var calls = await client.PostAsJsonAsync("/api/v1/operations", new object[]
        {
            new { model = "gpt-4o", provider = "openai", durationMs = 420, inputTokens = 1000, outputTokens = 200, application = "checkout-api" },
            new { model = "gpt-4o", provider = "openai", durationMs = 380, inputTokens = 500, outputTokens = 100, application = "checkout-api" },
        });
        Assert.Equal(HttpStatusCode.Accepted, calls.StatusCode);

        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 900 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await BrowserSignIn.SignInAsync(page, _baseAddress, "admin", ConciergusAppFactory.AdminPassword);
        await page.GotoAsync(new Uri(_baseAddress, "/applications").ToString());

        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Applications", new() { Timeout = 30_000 });
        var row = page.Locator("tr", new() { Has = page.Locator("[data-application='checkout-api']") });
        await Assertions.Expect(row.Locator("[data-cell=memory]")).ToHaveTextAsync("512 MiB", new() { Timeout = 30_000 });
        await Assertions.Expect(row.Locator("[data-cell=active-requests]")).ToHaveTextAsync("3");
        await Assertions.Expect(row.Locator("[data-cell=queue-length]")).ToHaveTextAsync("12");
        await Assertions.Expect(row.Locator("[data-cell=cpu]")).ToContainTextAsync("42");
        await Assertions.Expect(row.Locator("[data-cell=requests]")).ToHaveTextAsync("2");
        await Assertions.Expect(row.Locator("[data-health]")).ToHaveAttributeAsync("data-health", "healthy");
        await Screenshot(page, "applications");

        // Live: a new export with 7 active requests reaches the page without a reload.
        await SendMetrics(client, activeRequests: 7);
        await Assertions.Expect(row.Locator("[data-cell=active-requests]")).ToHaveTextAsync("7", new() { Timeout = 30_000 });
        await Screenshot(page, "applications-live");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Models_RetriesAndFallbacks_RecoveryChartAndPerModelRates()
    {
        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var calls = await client.PostAsJsonAsync("/api/v1/operations", Enumerable.Range(0, 8).Select(i => (object)new
        {
            model = "gpt-4o", provider = "openai", durationMs = 300, inputTokens = 100, outputTokens = 10,
            retryCount = i < 2 ? 1 : 0, fallbackUsed = i >= 4,
        }).ToArray());
        Assert.Equal(HttpStatusCode.Accepted, calls.StatusCode);

        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 } });
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        await BrowserSignIn.SignInAsync(page, _baseAddress, "admin", ConciergusAppFactory.AdminPassword);
        await page.GotoAsync(new Uri(_baseAddress, "/models").ToString());

        var row = page.Locator("[data-recovery-model='openai/gpt-4o']");
        await Assertions.Expect(row.Locator("td").Nth(1)).ToHaveTextAsync("25%", new() { Timeout = 30_000 }); // 2 of 8 retried
        await Assertions.Expect(row.Locator("td").Nth(2)).ToHaveTextAsync("50%");                             // 4 of 8 fell back
        await Assertions.Expect(page.Locator("[data-testid=chart-recovery] .apexcharts-canvas")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await page.WaitForTimeoutAsync(1000); // chart animation settles (and for the screenshot)

        // The step with calls is drawn: one visible bar per line (retry rate, fallback rate); empty steps draw nothing.
        var visibleBars = await page.EvalOnSelectorAllAsync<int>(
            "[data-testid=chart-recovery] path.apexcharts-bar-area", "els => els.filter(e => e.getBoundingClientRect().height > 1).length");
        Assert.Equal(2, visibleBars);
        await Screenshot(page, "models-recovery");
        Assert.Empty(errors);
    }

    private static async Task SendMetrics(HttpClient client, double activeRequests)
    {
        var now = DateTimeOffset.UtcNow;
        var request = Request("checkout-api",
            Gauge("process.memory.usage", Point(512 * 1024 * 1024, now)),
            Gauge("process.cpu.utilization", Point(0.42, now)),
            Sum("dotnet.thread_pool.queue.length", monotonic: false, delta: false, Point(12, now)),
            Sum("http.server.active_requests", monotonic: false, delta: false, Point(activeRequests, now, null, ("http.request.method", "POST"))));
        var response = await client.PostAsync(new Uri("/v1/metrics", UriKind.Relative), OtlpRequests.Protobuf(request.ToByteArray()));
        response.EnsureSuccessStatusCode();
    }

    private async Task Screenshot(IPage page, string name)
    {
        Directory.CreateDirectory(PagesBrowserTests.ScreenshotDirectory);
        var file = Path.Combine(PagesBrowserTests.ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new() { Path = file, FullPage = true });
        output.WriteLine($"screenshot: {file}");
    }
}
