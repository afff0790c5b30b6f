using System.Net;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Logs;
using Conciergus.Core.Ingestion.Otlp.Proto.Resource;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Browser;
using Conciergus.Dashboard.Tests.Endpoints;
using Google.Protobuf;
using Microsoft.Playwright;
using static Conciergus.Dashboard.Tests.Ingestion.OtlpRequests;

namespace Conciergus.Dashboard.Tests.Logs;

/// <summary>A trace page with the application's log records beside the waterfall, in real Chromium (screenshot saved).</summary>
[Collection(BrowserTestGroup.Name)]
public sealed class TraceLogsBrowserTests(ChromiumFixture chromium) : IDisposable
{
    private const string TraceHex = "4bf92f3577b34da6a3ce929d0e0e4736";
    private readonly ConciergusAppFactory _factory = new(realClock: true);

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task TracePage_WithLogs_ShowsThemInTimeOrder_AiContentWithheld_HostileTextAsText()
    {
        var baseAddress = _factory.StartKestrel();
        var end = DateTimeOffset.UtcNow;
        var root = ChatSpan(end, traceHex: TraceHex);
        root.Name = "POST /checkout";
        root.Attributes.Clear();
        root.StartTimeUnixNano = Nanos(end.AddMilliseconds(-900));
        var chat = ChatSpan(end.AddMilliseconds(-100), input: 1200, output: 80, durationMs: 600, traceHex: TraceHex);
        chat.ParentSpanId = root.SpanId;
        chat.Status = new Core.Ingestion.Otlp.Proto.Trace.Status { Code = Core.Ingestion.Otlp.Proto.Trace.Status.Types.StatusCode.Error, Message = "rate limited" };

        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var logs = Logs(
            (end.AddMilliseconds(-850), SeverityNumber.Info, "<b>checkout</b> started for cart 17", root.SpanId, null),
            (end.AddMilliseconds(-500), SeverityNumber.Debug, "Prompt: summarise the order of ops@example.com", chat.SpanId, null),
            (end.AddMilliseconds(-50), SeverityNumber.Error, "Model call failed", root.SpanId, "HTTP 429 (requests: rate_limit_exceeded)"));

        // Logs first: the failed call takes the application's exception (and so its category) from them.
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/logs", Protobuf(logs.ToByteArray()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/traces", Protobuf(Request("shop", root, chat).ToByteArray()))).StatusCode);

        var page = await chromium.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1440, Height = 1100 } });
        await BrowserSignIn.SignInAsync(page, baseAddress, _factory, ConciergusRole.Viewer);
        await page.GotoAsync(new Uri(baseAddress, "/traces/" + TraceHex).ToString());

        var rows = page.GetByTestId("trace-log");
        await Assertions.Expect(rows).ToHaveCountAsync(3, new() { Timeout = 30_000 });
        Assert.Equal(["info", "debug", "error"], await rows.EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.severity)"));
        var bodies = await page.GetByTestId("trace-log-body").AllTextContentsAsync();
        Assert.Contains("<b>checkout</b> started for cart 17", bodies[0], StringComparison.Ordinal);
        Assert.Contains("content of an AI span", bodies[1], StringComparison.Ordinal);
        Assert.DoesNotContain("ops@example.com", await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByTestId("trace-log-exception")).ToContainTextAsync("rate_limit");

        // The failed call took its error from the log record, so the categoriser saw the provider's code.
        await Assertions.Expect(page.Locator("text=Error category").Locator("xpath=following-sibling::*[1]")).ToHaveTextAsync("rate_limit");

        Directory.CreateDirectory(PagesBrowserTests.ScreenshotDirectory);
        await page.ScreenshotAsync(new() { Path = Path.Combine(PagesBrowserTests.ScreenshotDirectory, "trace-logs.png"), FullPage = true });
        await page.CloseAsync();
    }

    private static ExportLogsServiceRequest Logs(params (DateTimeOffset At, SeverityNumber Severity, string Body, ByteString SpanId, string? Exception)[] records)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "Shop.Checkout" } };
        foreach (var (at, severity, body, spanId, exception) in records)
        {
            var record = new LogRecord
            {
                TimeUnixNano = Nanos(at),
                SeverityNumber = severity,
                Body = new AnyValue { StringValue = body },
                TraceId = ByteString.CopyFrom(Convert.FromHexString(TraceHex)),
                SpanId = spanId,
            };
            if (exception is not null)
            {
                record.Attributes.Add(Attr("exception.type", "ClientResultException"));
                record.Attributes.Add(Attr("exception.message", exception));
            }

            scope.LogRecords.Add(record);
        }

        var resource = new Resource();
        resource.Attributes.Add(Attr("service.name", "shop"));
        var resourceLogs = new ResourceLogs { Resource = resource };
        resourceLogs.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resourceLogs);
        return request;
    }
}
