using Conciergus.Core.Audit;
using Conciergus.Core.Errors;
using Conciergus.Core.Logs;
using Conciergus.Core.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Logs;

public sealed class LogStoreTests
{
    private const string Trace = "0af7651916cd43dd8448eb211c80319c";
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Add_OverMaxRecords_OldestEvictedAndCounted()
    {
        var store = Create(new LogOptions { MaxRecords = 3 });
        store.Add([.. Enumerable.Range(0, 5).Select(i => Record(i, body: "line " + i))]);

        var stats = store.Stats;
        Assert.Equal(3, stats.Records);
        Assert.Equal(2, stats.Evicted);
        Assert.Equal(5, stats.Added);
        Assert.Equal(["line 4", "line 3", "line 2"], store.Query(new LogQuery()).Records.Select(r => r.Body));
    }

    [Fact]
    public void Add_OverMaxBytes_OldestEvictedUntilUnderTheCap()
    {
        var store = Create(new LogOptions { MaxBytes = 64 * 1024 });
        store.Add([.. Enumerable.Range(0, 10).Select(i => Record(i, body: new string('x', 10_000)))]);

        var stats = store.Stats;
        Assert.True(stats.Bytes <= 64 * 1024, $"{stats.Bytes} bytes kept");
        Assert.Equal(10 - stats.Records, stats.Evicted);
        Assert.InRange(stats.Records, 1, 3); // each record holds about 20 kB (two bytes a character)
    }

    [Fact]
    public void Query_FiltersCombine_NewestFirst()
    {
        var store = Create();
        store.Add(
        [
            Record(0, app: "shop", severity: LogSeverity.Info, body: "cart opened", trace: Trace),
            Record(1, app: "shop", severity: LogSeverity.Error, body: "Payment FAILED", trace: Trace),
            Record(2, app: "search", severity: LogSeverity.Error, body: "payment index missing"),
            Record(3, app: "shop", severity: LogSeverity.Warn, body: "slow", attributes: new() { ["order"] = "payment-42" }),
        ]);

        Assert.Equal(["Payment FAILED", "cart opened"], store.Query(new LogQuery { TraceId = Trace.ToUpperInvariant() }).Records.Select(r => r.Body));
        Assert.Equal(["slow", "Payment FAILED"], store.Query(new LogQuery { Application = "SHOP", MinSeverity = LogSeverity.Warn }).Records.Select(r => r.Body));
        Assert.Equal(["slow", "payment index missing", "Payment FAILED"], store.Query(new LogQuery { Text = "payment" }).Records.Select(r => r.Body));
        var page = store.Query(new LogQuery { Text = "payment", Limit = 1 });
        Assert.Single(page.Records);
        Assert.Equal(3, page.Matched);
        Assert.Equal(["cart opened", "Payment FAILED"], store.ForTrace(Trace).Select(r => r.Body));
    }

    [Fact]
    public void CaptureOff_RecordOfAnAiSpan_KeptOnlyAsItsLength_WhicheverArrivesFirst()
    {
        var store = Create();
        store.Add([Record(0, body: "user asked: my card is 4111 1111 1111 1111", trace: Trace, span: "00f067aa0ba902b7")]);
        store.Accept(AiCall(Trace, "00f067aa0ba902b7"));
        store.Add([Record(1, body: "second line in the same AI span", trace: Trace, span: "00f067aa0ba902b7")]);
        store.Add([Record(2, body: "a line of another span", trace: Trace, span: "1111111111111111")]);
        store.Add([Record(3, body: "{\"content\":\"hi\"}", eventName: "gen_ai.user.message")]);

        var records = store.Query(new LogQuery()).Records.OrderBy(r => r.Sequence).ToList();
        Assert.Null(records[0].Body);
        Assert.True(records[0].BodyWithheld);
        Assert.Equal(42, records[0].BodyLength);
        Assert.Null(records[1].Body);
        Assert.Equal("a line of another span", records[2].Body);
        Assert.Null(records[3].Body);
        Assert.Equal(3, store.Stats.Withheld);
    }

    [Fact]
    public void CaptureOn_RecordOfAnAiSpan_KeptRedacted()
    {
        var store = Create(capture: true);
        store.Accept(AiCall(Trace, "00f067aa0ba902b7"));
        store.Add([Record(0, body: "mail me at ops@example.com", trace: Trace, span: "00f067aa0ba902b7")]);

        var record = Assert.Single(store.Query(new LogQuery()).Records);
        Assert.Equal("mail me at [email]", record.Body);
        Assert.False(record.BodyWithheld);
    }

    [Fact]
    public void ErrorRecord_WithException_CategorisedAndFoundForItsTrace()
    {
        var store = Create();
        store.Add(
        [
            Record(0, severity: LogSeverity.Error, trace: Trace, span: "1111111111111111", attributes: new()
            {
                ["exception.type"] = "System.ClientModel.ClientResultException",
                ["exception.message"] = "HTTP 429 (requests: rate_limit_exceeded)\n\nRate limit reached for gpt-4o-mini",
            }),
            Record(1, severity: LogSeverity.Warn, trace: Trace, attributes: new() { ["exception.type"] = "System.TimeoutException" }),
        ]);

        var found = store.ErrorRecordOf(Trace, "2222222222222222");
        Assert.NotNull(found);
        Assert.Equal("rate_limit", found.ErrorCategory);
        Assert.Null(store.ErrorRecordOf("ffffffffffffffffffffffffffffffff", null));
        Assert.Null(store.Query(new LogQuery { MinSeverity = LogSeverity.Warn, Text = "Timeout" }).Records.Single().ErrorCategory);
    }

    [Fact]
    public async Task SubjectStore_ExportsAndErasesTheRecordsNamingTheUser()
    {
        var store = Create(new LogOptions { MaxRecords = 10 });
        store.Add(
        [
            Record(0, body: "login by user-7", trace: Trace),
            Record(1, body: "nothing personal"),
            Record(2, attributes: new() { ["enduser.id"] = "user-7" }),
            Record(3, body: "user-70 is someone else? no: contains user-7"),
        ]);

        ISubjectDataStore subjects = store;
        Assert.Equal("logs", subjects.Name);
        var export = System.Text.Json.JsonSerializer.Serialize(await subjects.ExportAsync("user-7"));
        Assert.Contains("login by user-7", export, StringComparison.Ordinal);
        Assert.DoesNotContain("nothing personal", export, StringComparison.Ordinal);

        Assert.Equal(3, await subjects.EraseAsync("user-7"));
        Assert.Equal(["nothing personal"], store.Query(new LogQuery()).Records.Select(r => r.Body));
        Assert.Empty(store.ForTrace(Trace));
        Assert.Equal(1, store.Stats.Records);

        // Erased slots never count as evictions, and the caps still hold afterwards.
        store.Add([.. Enumerable.Range(10, 12).Select(i => Record(i, body: "later " + i))]);
        Assert.Equal(10, store.Stats.Records);
        Assert.Equal(3, store.Stats.Evicted);
    }

    [Fact]
    public void Options_OutOfRange_FailWithWords()
    {
        var result = new LogOptionsValidator().Validate(null, new LogOptions { MaxRecords = 0, MaxBytes = 10 });
        Assert.True(result.Failed);
        Assert.Contains("Conciergus:Logs:MaxRecords", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Conciergus:Logs:MaxBytes", result.FailureMessage, StringComparison.Ordinal);
    }

    internal static LogStore Create(LogOptions? options = null, bool capture = false)
    {
        var services = new ServiceCollection()
            .AddConciergusAudit(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Conciergus:Privacy:CaptureContent"] = capture ? "true" : "false",
                ["Conciergus:DataDirectory"] = Path.GetTempPath(),
            }).Build())
            .BuildServiceProvider();
        return new LogStore(Options.Create(options ?? new LogOptions()), services.GetRequiredService<ContentCapturePolicy>(), new ErrorCategorizer());
    }

    private static LogRecordEntry Record(
        int i, string app = "shop", int severity = LogSeverity.Info, string? body = null, string? trace = null, string? span = null,
        string? eventName = null, Dictionary<string, string>? attributes = null) => new()
    {
        Timestamp = T0.AddSeconds(i),
        Application = app,
        SeverityNumber = severity,
        SeverityText = LogSeverity.NameOf(severity),
        Body = body,
        BodyLength = body?.Length ?? 0,
        TraceId = trace,
        SpanId = span,
        EventName = eventName,
        Attributes = attributes ?? [],
    };

    private static AiOperation AiCall(string trace, string span) => new()
    {
        OperationId = Guid.NewGuid().ToString("N"),
        TraceId = trace,
        SpanId = span,
        StartTime = T0,
        RequestModel = "gpt-4o",
    };
}
