using Conciergus.Core.Audit;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Conciergus.Dashboard.Tests.Audit;

/// <summary>The Audit and Privacy pages in real Chromium over the real Blazor circuit.</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class AuditBrowserTests(ChromiumFixture chromium) : IAsyncLifetime
{
    // No initial admin (its creation would be entry 1): the page signs in as a local Admin, whose login is the last entry.
    private readonly ConciergusAppFactory _factory = new(new() { ["Conciergus:Auth:CreateInitialAdmin"] = "false" }, realClock: true);
    private Uri _baseAddress = null!;

    public Task InitializeAsync()
    {
        _baseAddress = _factory.StartKestrel();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _factory.DisposeAsync();

    [Fact]
    public async Task AuditPage_EntriesFilterDetailAndVerify()
    {
        var recorder = _factory.Services.GetRequiredService<AuditRecorder>();
        await recorder.RecordAsync(null, "alert.acknowledge", "alert-7", new Dictionary<string, string> { ["comment"] = "on it" });
        await recorder.RecordAsync(null, "experiment.start", "checkout-prompt");
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

        await BrowserSignIn.SignInAsync(page, _baseAddress, _factory, ConciergusRole.Admin, "/audit");
        var sequences = page.GetByTestId("audit-sequence");
        await Assertions.Expect(sequences).ToHaveTextAsync(["3", "2", "1"], new() { Timeout = 30_000 }); // 3: auth.login

        await page.GetByTestId("filter-action").FillAsync("alert.");
        await Assertions.Expect(sequences).ToHaveTextAsync(["1"], new() { Timeout = 30_000 });

        await page.Locator("tr.audit-row").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("audit-detail")).ToContainTextAsync("on it");

        await page.GetByTestId("verify-chain").ClickAsync();
        await Assertions.Expect(page.GetByTestId("verify-result")).ToContainTextAsync("Chain verified: 3 entries", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "conciergus-audit-page.png") });
    }

    [Fact]
    public async Task PrivacyPage_EraseConfirmed_ShowsCountsPerStore()
    {
        _factory.Services.GetRequiredService<UserCostLedger>().Record("user-b1", DateTimeOffset.UtcNow, 0.5m, 100, 10);
        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });

        await BrowserSignIn.SignInAsync(page, _baseAddress, _factory, ConciergusRole.Admin, "/privacy");
        var input = page.GetByTestId("subject-user-id");
        await Assertions.Expect(input).ToBeEditableAsync(new() { Timeout = 30_000 });
        await input.FillAsync("user-b1");
        await Assertions.Expect(page.GetByTestId("subject-erase")).ToBeEnabledAsync(new() { Timeout = 30_000 });
        await PageEvidence.StepAsync(page, "The erase button", () => page.GetByTestId("subject-erase").ClickAsync(), PrivacyShown(page), ServerSubject);
        await PageEvidence.StepAsync(page, "Confirm in the dialog", () => page.GetByTestId("erase-confirm").ClickAsync(), PrivacyShown(page), ServerSubject);

        await PageEvidence.StepAsync(
            page,
            "The erasure result",
            () => Assertions.Expect(page.GetByTestId("subject-result")).ToContainTextAsync("Erased 1 item", new() { Timeout = 30_000 }),
            PrivacyShown(page),
            ServerSubject);
        // One row per data-subject store (userCosts, recentErrors, audit, traces, experiments, consent, decisions).
        var stores = _factory.Services.GetServices<Conciergus.Core.Audit.ISubjectDataStore>().Count();
        Assert.True(stores >= 7, $"expected at least the seven built-in stores, found {stores}");
        await PageEvidence.StepAsync(
            page,
            "One row per store and the erase button enabled again",
            async () =>
            {
                await Assertions.Expect(page.GetByTestId("subject-store-row")).ToHaveCountAsync(stores);
                await Assertions.Expect(page.GetByTestId("subject-erase")).ToBeEnabledAsync();
            },
            PrivacyShown(page),
            ServerSubject);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "conciergus-privacy-page.png") });
    }

    // What a failed erase step reports: the form, the dialog, the busy bar, an error and the result.
    private static Dictionary<string, ILocator> PrivacyShown(IPage page) => new()
    {
        ["user id"] = page.Locator("input[data-testid=subject-user-id], [data-testid=subject-user-id] input"),
        ["erase button"] = page.GetByTestId("subject-erase"),
        ["confirm dialog"] = page.GetByTestId("erase-confirm"),
        ["busy"] = page.GetByTestId("subject-busy"),
        ["error"] = page.GetByTestId("subject-error"),
        ["result"] = page.GetByTestId("subject-result"),
    };

    // The server's account: whether the ledger still holds the user and which erasures the audit trail recorded.
    private string ServerSubject()
    {
        var days = _factory.Services.GetRequiredService<UserCostLedger>().ExportUser("user-b1").Count;
        var erasures = _factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = SubjectRequests.EraseAction }).Entries;
        return $"ledger days held for user-b1: {days}; audit {SubjectRequests.EraseAction} entries: [{string.Join("; ", erasures.Select(e => $"#{e.Sequence} {e.Timestamp:O}"))}] at {DateTimeOffset.UtcNow:O}";
    }
}
