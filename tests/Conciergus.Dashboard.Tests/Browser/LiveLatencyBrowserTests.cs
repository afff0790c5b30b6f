using System.Globalization;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Dashboard.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Browser;

/// <summary>Runs only when <c>CONCIERGUS_MEASURE=1</c> (bench/livelatency.sh sets it): a measurement, not a test.</summary>
public sealed class MeasurementFactAttribute : FactAttribute
{
    /// <summary>Skips unless the measurement was asked for.</summary>
    public MeasurementFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CONCIERGUS_MEASURE") != "1")
        {
            Skip = "a measurement: run bench/livelatency.sh (CONCIERGUS_MEASURE=1); its result is in bench/README.md";
        }
    }
}

/// <summary>
/// The live path from Collector.Record to the DOM in Chromium. The test asserts only that every update arrives,
/// within a bounded time; how fast it arrives is a measurement (bench/livelatency.sh, result in bench/README.md),
/// because a busy CI machine is slow without a defect.
/// </summary>
[Collection(BrowserTestGroup.Name)]
public sealed class LiveLatencyBrowserTests(ChromiumFixture chromium, LiveAppFixture app, ITestOutputHelper output)
{
    /// <summary>The whole test gives up after this (a hung live path fails instead of stalling CI).</summary>
    private const int TestTimeoutMs = 120_000;

    /// <summary>Longest wait for one update to show (generous: this is liveness, not speed).</summary>
    private const float UpdateTimeoutMs = 15_000;

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Record_SeveralOperations_EachUpdateReachesTheDom()
    {
        var page = await OpenOverviewAsync("latency-probe-test");
        var kpi = page.Locator("[data-kpi=requests]");

        for (var i = 0; i < 5; i++)
        {
            var expected = Count(await kpi.TextContentAsync()) + 1;
            Collector(app).Record(Probe("latency-probe-test", i));
            await Assertions.Expect(kpi).ToHaveTextAsync(expected.ToString("#,##0", CultureInfo.InvariantCulture), new() { Timeout = UpdateTimeoutMs });
        }

        await page.CloseAsync();
    }

    /// <summary>The measurement behind bench/README.md "Live update latency": prints p50/p95/min/max and bytes per update.</summary>
    [MeasurementFact]
    public async Task Measure_RecordToDom_PrintsLatencyAndBytesPerUpdate()
    {
        const int updates = 100;
        long received = 0;
        long frames = 0;
        var page = await chromium.Browser.NewPageAsync();
        page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
        {
            Interlocked.Add(ref received, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
            Interlocked.Increment(ref frames);
        };
        page = await OpenOverviewAsync("latency-probe", page);
        var kpi = page.Locator("[data-kpi=requests]");
        await page.EvaluateAsync(@"() => {
            window.__kpiChanges = [];
            const target = document.querySelector('[data-kpi=requests]');
            new MutationObserver(() => window.__kpiChanges.push([target.textContent.trim(), performance.timeOrigin + performance.now()]))
                .observe(target, { childList: true, characterData: true, subtree: true });
        }");
        var collector = Collector(app);
        var random = new Random(42);
        var latencies = new List<double>(updates);
        var bytesBefore = Interlocked.Read(ref received);
        var framesBefore = Interlocked.Read(ref frames);

        // One operation at a time; wait until the KPI shows it; random gaps so Record falls anywhere in a tick.
        for (var i = 0; i < updates; i++)
        {
            await page.WaitForTimeoutAsync(random.Next(0, 150));
            var expected = Count(await kpi.TextContentAsync()) + 1;
            var now = DateTimeOffset.UtcNow;
            var recordedAtMs = now.ToUnixTimeMilliseconds() + (now.Ticks % TimeSpan.TicksPerMillisecond / (double)TimeSpan.TicksPerMillisecond);
            collector.Record(Probe("latency-probe", i));
            var text = expected.ToString("#,##0", CultureInfo.InvariantCulture);
            await Assertions.Expect(kpi).ToHaveTextAsync(text, new() { Timeout = UpdateTimeoutMs });
            var shownAt = await page.EvaluateAsync<double>("t => (window.__kpiChanges.find(c => c[0] === t) || [t, NaN])[1]", text);
            latencies.Add(shownAt - recordedAtMs);
        }

        var bytes = Interlocked.Read(ref received) - bytesBefore;
        var frameCount = Interlocked.Read(ref frames) - framesBefore;
        latencies.Sort();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Record -> DOM over {updates} updates: p50 {Percentile(latencies, 0.50):0} ms, p95 {Percentile(latencies, 0.95):0} ms, min {latencies[0]:0} ms, max {latencies[^1]:0} ms"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"WebSocket server->browser: {bytes} bytes in {frameCount} frames over {updates} updates = {bytes / (double)updates:0} bytes per update"));
        Assert.DoesNotContain(latencies, double.IsNaN); // every change was seen by the observer
        await page.CloseAsync();
    }

    /// <summary>Signs in and opens the Overview filtered to a model of its own, so the count only grows.</summary>
    private async Task<IPage> OpenOverviewAsync(string model, IPage? page = null)
    {
        page ??= await chromium.Browser.NewPageAsync();
        await BrowserSignIn.SignInAsync(page, app.BaseAddress, app.Factory, ConciergusRole.Admin);
        Collector(app).Record(Probe(model, -1));
        await page.GotoAsync(new Uri(app.BaseAddress, $"/?window=5m&model=openai%2F{model}").ToString());
        await Assertions.Expect(page.Locator("[data-kpi=requests]")).Not.ToHaveTextAsync("0", new() { Timeout = UpdateTimeoutMs });
        await Assertions.Expect(page.Locator(".apexcharts-canvas")).ToHaveCountAsync(4, new() { Timeout = UpdateTimeoutMs });
        return page;
    }

    private static AiOperationCollector Collector(LiveAppFixture fixture) => fixture.Factory.Services.GetRequiredService<AiOperationCollector>();

    private static AiOperation Probe(string model, int i) => new()
    {
        OperationId = $"{model}-{i}",
        StartTime = DateTimeOffset.UtcNow.AddMilliseconds(-100),
        DurationMs = 100,
        Provider = "openai",
        RequestModel = model,
        InputTokens = 10,
        OutputTokens = 5,
    };

    private static long Count(string? text) =>
        long.Parse((text ?? "0").Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static double Percentile(List<double> sorted, double q) => sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(q * sorted.Count) - 1)];
}
