using Conciergus.Core.Experiments;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Experiments;

/// <summary>The "done when", in real Chromium: create in the browser, start, watch results fill live, stop with a winner.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class ExperimentBrowserTests(ChromiumFixture chromium) : IAsyncLifetime
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
    public async Task Operator_CreatesStartsWatchesAndStopsPromptExperiment()
    {
        var page = await chromium.Browser.NewPageAsync();
        await Conciergus.Dashboard.Tests.Browser.BrowserSignIn.SignInAsync(page, _baseAddress, _factory, Conciergus.Dashboard.Security.ConciergusRole.Admin);
        var wait = new LocatorAssertionsToHaveTextOptions { Timeout = 30_000 };

        // Create in the browser.
        await page.GotoAsync(new Uri(_baseAddress, "/experiments/new").ToString());
        await Assertions.Expect(page.GetByTestId("experiment-save")).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await Field(page, "field-key").FillAsync("prompt-tone");
        await Field(page, "field-applications").FillAsync("support-bot");
        await Field(page, "variant-1-key").FillAsync("friendly");
        await Field(page, "variant-1-system").FillAsync("You are warm and concise.");
        await page.GetByTestId("experiment-save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("experiment-state")).ToHaveTextAsync("draft", wait);
        await Assertions.Expect(page.GetByTestId("action-start")).ToBeEnabledAsync(new() { Timeout = 30_000 });

        // Start, with the confirmation.
        await page.GetByTestId("action-start").ClickAsync();
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Assertions.Expect(page.GetByTestId("experiment-state")).ToHaveTextAsync("running", wait);

        // Traffic through the real middleware, resolved from the app's services.
        var inner = new EchoChatClient();
        using var chat = new ChatClientBuilder(inner).UseConciergus(o => o.Application = "support-bot").Build(_factory.Services);
        for (var i = 0; i < 60; i++)
        {
            await chat.GetResponseAsync([new ChatMessage(ChatRole.User, "Where is my order?")], new ChatOptions { AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = $"user-{i}" } });
        }

        Assert.Contains(inner.SystemPrompts, p => p == "You are warm and concise.");

        // Results fill in without a reload.
        await Assertions.Expect(page.GetByTestId("kpi-users")).ToHaveTextAsync("60", wait);
        await Assertions.Expect(page.GetByTestId("chart-cumulative").Locator(".apexcharts-canvas")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        Directory.CreateDirectory(Conciergus.Dashboard.Tests.Browser.PagesBrowserTests.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Conciergus.Dashboard.Tests.Browser.PagesBrowserTests.ScreenshotDirectory, "experiment-running.png"), FullPage = true });

        // Stop with a winner.
        await page.GetByTestId("action-stop").ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirm-panel")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.GetByTestId("confirm-panel").GetByText("friendly", new() { Exact = true }).ClickAsync();
        await page.GetByTestId("confirm-yes").ClickAsync();
        await Assertions.Expect(page.GetByTestId("experiment-state")).ToHaveTextAsync("completed", wait);
        await Assertions.Expect(page.GetByTestId("experiment-winner")).ToContainTextAsync("friendly", new() { Timeout = 30_000 });

        var experiment = _factory.Services.GetRequiredService<ExperimentService>().Get("prompt-tone")!;
        Assert.Equal(["create", "start", "stop"], experiment.History.Select(h => h.Action));
        Assert.Equal("friendly", experiment.Winner);
    }

    // MudBlazor puts the test id on the input itself or on a wrapper, depending on the component.
    private static ILocator Field(IPage page, string testId) =>
        page.Locator($"input[data-testid={testId}], textarea[data-testid={testId}], [data-testid={testId}] input, [data-testid={testId}] textarea").First;

    private sealed class EchoChatClient : IChatClient
    {
        public List<string?> SystemPrompts { get; } = [];

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            lock (SystemPrompts)
            {
                SystemPrompts.Add(messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text);
            }

            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")) { ModelId = options?.ModelId ?? "gpt-4o" });
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("openai", null, "gpt-4o") : null;

        public void Dispose()
        {
        }
    }
}
