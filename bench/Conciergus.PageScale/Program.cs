using System.Globalization;
using Microsoft.Playwright;

// Conciergus.PageScale (bench/scale.sh): signs in once, opens N Overview pages in one headless Chromium (one context,
// so one session cookie), prints "READY", then after --warmup seconds counts for --duration seconds what the server
// pushes over the WebSocket of the first --sample pages and whether each page's requests KPI moved (a live circuit
// receiving pushes). Exit code 0 when every page was live, 1 otherwise, 2 for bad arguments.
var inv = CultureInfo.InvariantCulture;
var settings = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["--url"] = "http://127.0.0.1:5080", ["--user"] = "admin", ["--password"] = "", ["--pages"] = "1", ["--warmup"] = "10",
    ["--duration"] = "30", ["--sample"] = "5", ["--path"] = "/", ["--parallel"] = "10", ["--chromium"] = "/usr/bin/chromium", ["--verbose"] = "0",
};
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (!settings.ContainsKey(args[i]))
    {
        Console.Error.WriteLine($"Unknown option '{args[i]}'. Options: {string.Join(", ", settings.Keys)}");
        return 2;
    }

    settings[args[i]] = args[i + 1];
}

var baseUrl = new Uri(settings["--url"].TrimEnd('/') + "/");
var pageCount = int.Parse(settings["--pages"], inv);
var warmup = TimeSpan.FromSeconds(double.Parse(settings["--warmup"], inv));
var duration = TimeSpan.FromSeconds(double.Parse(settings["--duration"], inv));
var sampled = Math.Min(pageCount, int.Parse(settings["--sample"], inv));
var parallel = Math.Max(1, int.Parse(settings["--parallel"], inv));
if (pageCount < 1 || duration <= TimeSpan.Zero)
{
    Console.Error.WriteLine("--pages must be >= 1 and --duration > 0.");
    return 2;
}

using var playwright = await Playwright.CreateAsync();
// The browser tests' Chromium and arguments (tests/Conciergus.Dashboard.Tests/Browser/ChromiumFixture.cs).
await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
{
    ExecutablePath = settings["--chromium"],
    Headless = true,
    Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
await using var context = await browser.NewContextAsync();
context.SetDefaultTimeout(120_000);

// Sign in through the form, as tests/.../Browser/BrowserSignIn.cs does.
var first = await context.NewPageAsync();
await first.GotoAsync(new Uri(baseUrl, "login?returnUrl=%2F").ToString());
await first.FillAsync("#login-user", settings["--user"]);
await first.FillAsync("#login-password", settings["--password"]);
await first.GetByTestId("login-submit").ClickAsync();
await first.WaitForURLAsync(baseUrl.ToString(), new() { WaitUntil = WaitUntilState.Commit });

// Bytes and frames the server pushed to the sampled pages, counted only inside the measured window.
long bytes = 0;
long frames = 0;
var counting = 0;
var pages = new IPage[pageCount];
var started = DateTimeOffset.UtcNow;
var opened = 0;
using (var gate = new SemaphoreSlim(parallel))
{
    await Task.WhenAll(Enumerable.Range(0, pageCount).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            var page = i == 0 ? first : await context.NewPageAsync();
            if (i == 0 && settings["--verbose"] == "1")
            {
                page.Console += (_, message) => Console.WriteLine($"console {message.Type}: {message.Text}");
                page.WebSocket += (_, socket) =>
                {
                    Console.WriteLine($"websocket {socket.Url}");
                    socket.Close += (_, _) => Console.WriteLine($"websocket closed {socket.Url}");
                };
                page.RequestFailed += (_, request) => Console.WriteLine($"request failed {request.Url} {request.Failure}");
            }

            if (i < sampled)
            {
                page.WebSocket += (_, socket) => socket.FrameReceived += (_, frame) =>
                {
                    if (Volatile.Read(ref counting) == 1)
                    {
                        Interlocked.Add(ref bytes, frame.Binary?.Length ?? System.Text.Encoding.UTF8.GetByteCount(frame.Text ?? ""));
                        Interlocked.Increment(ref frames);
                    }
                };
            }

            await page.GotoAsync(new Uri(baseUrl, settings["--path"].TrimStart('/')).ToString());
            await page.Locator("[data-kpi=requests]").WaitForAsync();
            pages[i] = page;
            if (Interlocked.Increment(ref opened) % 10 == 0)
            {
                Console.WriteLine(string.Create(inv, $"opened {opened}/{pageCount} in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s"));
            }
        }
        finally
        {
            gate.Release();
        }
    }));
}

Console.WriteLine(string.Create(inv, $"READY {pageCount} pages open in {(DateTimeOffset.UtcNow - started).TotalSeconds:F1} s"));
await Console.Out.FlushAsync();

await Task.Delay(warmup);
var before = await KpisAsync(pages);
Volatile.Write(ref counting, 1);
var windowStart = DateTimeOffset.UtcNow;
await Task.Delay(duration);
Volatile.Write(ref counting, 0);
var seconds = (DateTimeOffset.UtcNow - windowStart).TotalSeconds;
var after = await KpisAsync(pages);
var live = Enumerable.Range(0, pageCount).Count(i => after[i] is { } a && before[i] is { } b && a != b);
Console.WriteLine($"first page {pages[0].Url}: requests KPI '{before[0]}' -> '{after[0]}'");
Console.WriteLine(string.Create(inv,
    $"pages {pageCount} live {live} sampled {sampled} bytes_per_page_s {bytes / (double)sampled / seconds:F0} frames_per_page_s {frames / (double)sampled / seconds:F1} window_s {seconds:F1}"));
return live == pageCount ? 0 : 1;

// The requests KPI text of every page (null when the page no longer answers).
static async Task<string?[]> KpisAsync(IPage[] pages) => await Task.WhenAll(pages.Select(async page =>
{
    try
    {
        return await page.Locator("[data-kpi=requests]").TextContentAsync(new() { Timeout = 30_000 });
    }
    catch (PlaywrightException)
    {
        return null;
    }
}));
