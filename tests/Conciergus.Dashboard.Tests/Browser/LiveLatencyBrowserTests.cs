using Conciergus.Dashboard.Security;
using System.Globalization;
using Conciergus.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>
/// Measures (prints, asserts only the DESIGN.md budget loosely) the time from Collector.Record to the DOM update
/// in Chromium, and the bytes the server sends to the browser per update.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class LiveLatencyBrowserTests(ChromiumFixture chromium, LiveAppFixture app, ITestOutputHelper output)
{
    private const int Updates = 100;

    [Fact]
    public async Task RecordToDom_OverManyUpdates_PrintsLatencyAndBytesPerUpdate()
    {
        // Arrange: the Overview open, a MutationObserver stamping every change of the requests KPI with the wall clock
        var page = await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        long received = 0;
        long frames = 0;
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            Interlocked.Add(ref received, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
            Interlocked.Increment(ref frames);
        };
        // A model of its own, so the count only grows (the seeded traffic slides out of the window meanwhile).
        Collector(app).Record(Probe(-1));
        await page.GotoAsync(new Uri(app.BaseAddress, "/?window=5m&model=openai%2Flatency-probe").ToString());
        var kpi = page.Locator("[data-kpi=requests]");
        await Assertions.Expect(kpi).Not.ToHaveTextAsync("0", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4, new() { Timeout = 15_000 });
        await page.EvaluateAsync(@"() => {
            window.__kpiChanges = [];
            const target = document.querySelector('[data-kpi=requests]');
            new MutationObserver(() => window.__kpiChanges.push([target.textContent.trim(), performance.timeOrigin + performance.now()]))
                .observe(target, { childList: true, characterData: true, subtree: true });
        }");
        var collector = app.Factory.Services.GetRequiredService<AiOperationCollector>();
        var random = new Random(42);
        var latencies = new List<double>(Updates);
        var bytesBefore = Interlocked.Read(ref received);
        var framesBefore = Interlocked.Read(ref frames);

        // Act: one operation at a time; wait until the KPI shows it; random gaps so Record falls anywhere in a tick
        for (var i = 0; i < Updates; i++)
        {
            await page.WaitForTimeoutAsync(random.Next(0, 150));
            var expected = Count(await kpi.TextContentAsync()) + 1;
            var now = DateTimeOffset.UtcNow;
            var recordedAtMs = now.ToUnixTimeMilliseconds() + (now.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond);
            collector.Record(Probe(i));
            var text = expected.ToString("#,##0", CultureInfo.InvariantCulture);
            await Assertions.Expect(kpi).ToHaveTextAsync(text, new() { Timeout = 10_000 });
            var shownAt = await page.EvaluateAsync<double>("t => (window.__kpiChanges.find(c => c[0] === t) || [t, NaN])[1]", text);
            latencies.Add(shownAt - recordedAtMs);
        }

        // Assert / report
        var bytes = Interlocked.Read(ref received) - bytesBefore;
        var frameCount = Interlocked.Read(ref frames) - framesBefore;
        latencies.Sort();
        var p50 = Percentile(latencies, 0.50);
        var p95 = Percentile(latencies, 0.95);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Record -> DOM over {Updates} updates: p50 {p50:0} ms, p95 {p95:0} ms, min {latencies[0]:0} ms, max {latencies[^1]:0} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WebSocket server->browser: {bytes} bytes in {frameCount} frames over {Updates} updates = {bytes / (double)Updates:0} bytes per update"));
        Assert.DoesNotContain(latencies, double.IsNaN);
        Assert.True(p95 < 1000, $"p95 {p95:0} ms"); // DESIGN.md budget is 500 ms; the test only guards against regressions of a different order
        await page.CloseAsync();
    }

    private static AiOperationCollector Collector(LiveAppFixture fixture) => fixture.Factory.Services.GetRequiredService<AiOperationCollector>();

    private static AiOperation Probe(int i) => new()
    {
        OperationId = $"latency-{i}",
        StartTime = DateTimeOffset.UtcNow.AddMilliseconds(-100),
        DurationMs = 100,
        Provider = "openai",
        RequestModel = "latency-probe",
        InputTokens = 10,
        OutputTokens = 5,
    };

    private static long Count(string? text) =>
        long.Parse((text ?? "0").Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Percentile(List<double> sorted, double q) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1)];
}
