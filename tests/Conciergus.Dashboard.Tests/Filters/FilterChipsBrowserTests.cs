using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>What a person sees: two filters added as chips on the Overview change the KPIs to the filtered figures.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class FilterChipsBrowserTests(ChromiumFixture chromium) : IAsyncLifetime
{
    private readonly BruteForceOperationStore _store = new();
    private ConciergusAppFactory _factory = null!;
    private Uri _baseAddress = null!;

    public Task InitializeAsync()
    {
        // A store answers the cross-field slice (model AND application); it receives what the collector records.
        _factory = new ConciergusAppFactory(realClock: true, configureServices: services =>
        {
            services.AddSingleton<IOperationStore>(_store);
            services.AddSingleton<IAiOperationPreprocessor>(new Sink(_store));
        });
        _baseAddress = _factory.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task Overview_TwoFilterChips_KpisShowTheFilteredFiguresOfTheApi()
    {
        // Arrange: 12 gpt-4o calls of support-bot, 8 gpt-4o of search, 5 gpt-4o-mini of support-bot
        var operations = new List<object>();
        void Add(int count, string model, string application, int inputTokens)
        {
            for (var i = 0; i < count; i++)
            {
                operations.Add(new { model, provider = "openai", application, durationMs = 200 + (i * 10), inputTokens, outputTokens = 10, timestamp = DateTimeOffset.UtcNow.AddSeconds(-5 - i) });
            }
        }

        Add(12, "gpt-4o", "support-bot", 100);
        Add(8, "gpt-4o", "search", 1000);
        Add(5, "gpt-4o-mini", "support-bot", 10);
        using (var ingest = new HttpClient { BaseAddress = _baseAddress })
        {
            ingest.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
            Assert.Equal(HttpStatusCode.Accepted, (await ingest.PostAsJsonAsync("/api/v1/operations", operations)).StatusCode);
        }

        var page = await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, _baseAddress, _factory, ConciergusRole.Viewer, "/?window=1h");
        var requests = page.Locator("[data-kpi=requests]");
        await Assertions.Expect(requests).ToHaveTextAsync("25", new() { Timeout = 30_000 });

        // Act 1: the first chip, model = gpt-4o, picked from the values seen
        await AddChipAsync(page, field: null, "gpt-4o");
        await page.WaitForURLAsync(url => url.Contains("model=gpt-4o", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await Assertions.Expect(requests).ToHaveTextAsync("20", new() { Timeout = 30_000 });

        // Act 2: the second chip, application = support-bot
        await AddChipAsync(page, "application", "support-bot");
        await page.WaitForURLAsync(url => url.Contains("application=support-bot", StringComparison.Ordinal), new() { Timeout = 30_000 });

        // Assert: two chips; the KPIs are the API's filtered summary (AND of both)
        using var api = _factory.CreateApiClient(ConciergusRole.Viewer);
        var summary = await api.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h&model=gpt-4o&application=support-bot");
        Assert.Equal(12, summary.GetProperty("requests").GetInt64());
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveCountAsync(2);
        await Assertions.Expect(requests).ToHaveTextAsync(summary.GetProperty("requests").GetInt64().ToString(CultureInfo.InvariantCulture), new() { Timeout = 30_000 });
        var tokens = summary.GetProperty("inputTokens").GetInt64() + summary.GetProperty("outputTokens").GetInt64();
        await Assertions.Expect(page.Locator("[data-kpi=tokens]")).ToHaveTextAsync(tokens.ToString("N0", CultureInfo.InvariantCulture));

        // A reload keeps both filters (they live in the URL)
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("filter-chip")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(requests).ToHaveTextAsync("12", new() { Timeout = 30_000 });
        await page.CloseAsync();
    }

    private static async Task AddChipAsync(IPage page, string? field, string value)
    {
        await Assertions.Expect(page.GetByTestId("filter-bar")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        if (field is not null)
        {
            await page.GetByTestId("filter-field").ClickAsync();
            await page.Locator(".mud-popover-open .mud-list-item").GetByText(field, new() { Exact = true }).ClickAsync();
        }

        var input = page.Locator("input[data-testid=filter-value], [data-testid=filter-value] input").First;

        // Typed as a person does; leaving the box takes the text as the value (the suggestions list offers the same values).
        // The prerendered input does nothing until the circuit is connected: type again until the chip reaches the URL.
        for (var attempt = 1; ; attempt++)
        {
            await input.ClickAsync();
            await input.FillAsync(value);
            await input.PressAsync("Tab");
            try
            {
                await page.WaitForURLAsync(url => url.Contains("=" + value, StringComparison.Ordinal), new() { Timeout = 5_000 });
                return;
            }
            catch (TimeoutException) when (attempt < 4)
            {
            }
        }
    }

    private sealed class Sink(IOperationStore store) : IAiOperationPreprocessor
    {
        public AiOperation Process(AiOperation operation)
        {
            store.TryAppend(operation);
            return operation;
        }
    }
}
