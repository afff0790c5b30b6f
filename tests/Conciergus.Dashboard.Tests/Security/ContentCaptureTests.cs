using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Bunit;
using Conciergus.Core.Audit;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Components.Pages;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Components;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Conciergus.Dashboard.Tests.Traces;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 6: with content capture off (the default) prompt and response text that arrives in OTLP spans is never
/// kept, only its length; with capture on, revealing it needs the Operator role (or the configured one), is audited with
/// who and which trace, and the trace page asks before revealing.
/// </summary>
public sealed class ContentCaptureTests
{
    private const string Prompt = "my card is 4111 1111 1111 1111, mail alice@example.com";

    [Fact]
    public async Task CaptureOff_OtlpSpanWithPromptAttributes_OnlyLengthsKeptEvenForAdmin()
    {
        using var factory = new ConciergusAppFactory();
        var traceId = await SendAsync(factory);
        using var admin = factory.CreateApiClient(ConciergusRole.Admin);

        var shown = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{traceId}?showContent=true");
        var stored = factory.Services.GetRequiredService<TraceStore>().Get(traceId)!;

        var attributes = shown.GetProperty("spans")[0].GetProperty("attributes");
        Assert.Equal($"[not captured: {Prompt.Length} chars]", attributes.GetProperty("gen_ai.input.messages").GetString());
        Assert.Equal("[not captured: 5 chars]", attributes.GetProperty("ai.response.text").GetString());
        Assert.Equal("[not captured: 2 chars]", attributes.GetProperty("gen_ai.prompt.0.content").GetString());
        Assert.Equal("gpt-4o", attributes.GetProperty("gen_ai.request.model").GetString());
        Assert.DoesNotContain(stored.Spans.SelectMany(s => s.Span.Attributes.Values), v => v.Contains("alice", StringComparison.Ordinal) || v == "hello");
    }

    [Fact]
    public async Task CaptureOn_ViewerAsksToShowContent_403AndNothingAudited()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Privacy:CaptureContent"] = "true" });
        var traceId = await SendAsync(factory);
        using var viewer = factory.CreateApiClient(ConciergusRole.Viewer);

        var refused = await viewer.GetAsync($"/api/v1/traces/{traceId}?showContent=true");
        var redacted = await viewer.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{traceId}");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Operator", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.StartsWith("[redacted: ", redacted.GetProperty("spans")[0].GetProperty("attributes").GetProperty("gen_ai.input.messages").GetString(), StringComparison.Ordinal);
        Assert.Empty(factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = PrivacyOptions.RevealAction }).Entries);
    }

    [Fact]
    public async Task CaptureOn_OperatorShowsContent_RedactedTextAndAuditedWithWhoAndWhichTrace()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Privacy:CaptureContent"] = "true" });
        var traceId = await SendAsync(factory);
        using var op = factory.CreateApiClient(ConciergusRole.Operator);

        var shown = await op.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{traceId}?showContent=true");

        var prompt = shown.GetProperty("spans")[0].GetProperty("attributes").GetProperty("gen_ai.input.messages").GetString()!;
        Assert.StartsWith("my card is ", prompt, StringComparison.Ordinal);
        Assert.DoesNotContain("alice@example.com", prompt, StringComparison.Ordinal); // kept redacted (ContentRedactor)
        Assert.DoesNotContain("4111 1111 1111 1111", prompt, StringComparison.Ordinal);
        var entry = Assert.Single(factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = PrivacyOptions.RevealAction }).Entries);
        Assert.Equal(traceId, entry.Target);
        Assert.Equal("Operator", entry.Role);
        Assert.StartsWith("api-key", entry.Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RevealRoleAdmin_OperatorAsks_403()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?>
        {
            ["Conciergus:Privacy:CaptureContent"] = "true",
            ["Conciergus:Privacy:RevealContentRole"] = "Admin",
        });
        var traceId = await SendAsync(factory);
        using var op = factory.CreateApiClient(ConciergusRole.Operator);
        using var admin = factory.CreateApiClient(ConciergusRole.Admin);

        Assert.Equal(HttpStatusCode.Forbidden, (await op.GetAsync($"/api/v1/traces/{traceId}?showContent=true")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/traces/{traceId}?showContent=true")).StatusCode);
    }

    // One GenAI span over OTLP/protobuf whose attributes carry prompt and response text.
    private static async Task<string> SendAsync(ConciergusAppFactory factory)
    {
        var span = OtlpRequests.ChatSpan(factory.Time.GetUtcNow());
        span.Attributes.Add(OtlpRequests.Attr("gen_ai.input.messages", Prompt));
        span.Attributes.Add(OtlpRequests.Attr("ai.response.text", "hello"));
        span.Attributes.Add(OtlpRequests.Attr("gen_ai.prompt.0.content", "hi"));
        using var client = factory.CreateIngestionClient();
        using var response = await client.PostAsync("/v1/traces", OtlpRequests.Protobuf(OtlpRequests.Request("app", span)));
        response.EnsureSuccessStatusCode();
        return Convert.ToHexStringLower(span.TraceId.ToByteArray());
    }
}

/// <summary>The trace page's reveal: hidden without the role, a confirmation that says the reveal is audited, then the audit entry.</summary>
public sealed class ContentRevealPageTests : DashboardTestContext
{
    private readonly RecordingAuditLog _audit = new();
    private readonly TraceStore _store;

    public ContentRevealPageTests()
    {
        var services = new ServiceCollection();
        services.AddRedaction(b => b.SetRedactor<ContentRedactor>(new DataClassificationSet(ConciergusClassifications.Content)));
        var redactors = services.BuildServiceProvider().GetRequiredService<IRedactorProvider>();
        var privacy = Options.Create(new PrivacyOptions { CaptureContent = true });
        _store = new TraceStore(Options.Create(new TraceOptions()), TimeProvider.System, new ContentCapturePolicy(privacy, redactors));
        Services.AddSingleton(_store);
        Services.AddSingleton(privacy);
        Services.AddSingleton<ISpanContentRedactor>(LengthOnlyContentRedactor.Instance);
        Services.AddSingleton(new AuditRecorder(_audit));
        Services.AddSingleton(new Conciergus.Core.History.TraceHistory(_store, Microsoft.Extensions.Logging.Abstractions.NullLogger<Conciergus.Core.History.TraceHistory>.Instance));
        Services.AddSingleton(Logs.LogStoreTests.Create());
        var t = TraceTestData.TraceId(1);
        _store.Add(TraceTestData.Span(t, TraceTestData.SpanId(1), name: "chat gpt-4o", operation: TraceTestData.Operation(t, TraceTestData.SpanId(1)),
            attributes: new() { ["gen_ai.input.messages"] = "tell me a secret", ["gen_ai.request.model"] = "gpt-4o" }));
    }

    [Fact]
    public void Viewer_NoToggleButANoteNamingTheRole()
    {
        Authorization.SetRoles(nameof(ConciergusRole.Viewer));

        var cut = Render<TraceDetailPage>(p => p.Add(x => x.TraceId, TraceTestData.TraceId(1)));

        Assert.Empty(cut.FindAll("[data-testid=show-content]"));
        Assert.Contains("needs the Operator role", cut.Find("[data-testid=content-note]").TextContent, StringComparison.Ordinal);
        Assert.Equal("[redacted: 16 chars]", cut.Find("[data-key='gen_ai.input.messages'] td").TextContent);
    }

    [Fact]
    public void Operator_Toggle_AsksFirstThenRevealsAndAudits()
    {
        Authorization.SetAuthorized("olga");
        Authorization.SetRoles(nameof(ConciergusRole.Operator));
        var cut = Render<TraceDetailPage>(p => p.Add(x => x.TraceId, TraceTestData.TraceId(1)));

        var toggle = cut.Find("[data-testid=show-content]");
        (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).Change(true);

        Assert.Contains("recorded in the audit trail", cut.Find("[data-testid=reveal-confirm]").TextContent, StringComparison.Ordinal);
        Assert.Equal("[redacted: 16 chars]", cut.Find("[data-key='gen_ai.input.messages'] td").TextContent);
        Assert.Empty(_audit.Events);

        cut.Find("[data-testid=reveal-yes]").Click();

        cut.WaitForAssertion(() => Assert.Equal("tell me a secret", cut.Find("[data-key='gen_ai.input.messages'] td").TextContent));
        var entry = Assert.Single(_audit.Events);
        Assert.Equal((PrivacyOptions.RevealAction, "olga", "Operator", TraceTestData.TraceId(1)), (entry.Action, entry.Actor, entry.Role, entry.Target));
    }

    [Fact]
    public void Operator_ToggleThenCancel_NothingRevealedNothingAudited()
    {
        Authorization.SetRoles(nameof(ConciergusRole.Operator));
        var cut = Render<TraceDetailPage>(p => p.Add(x => x.TraceId, TraceTestData.TraceId(1)));

        var toggle = cut.Find("[data-testid=show-content]");
        (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).Change(true);
        cut.Find("[data-testid=reveal-cancel]").Click();

        Assert.Empty(cut.FindAll("[data-testid=reveal-confirm]"));
        Assert.Equal("[redacted: 16 chars]", cut.Find("[data-key='gen_ai.input.messages'] td").TextContent);
        Assert.Empty(_audit.Events);
    }

    [Fact]
    public void TracesList_OperatorTurnsPreviewsOn_AuditedThenShownAsText()
    {
        Authorization.SetAuthorized("olga");
        Authorization.SetRoles(nameof(ConciergusRole.Operator));
        Services.AddSingleton(new Conciergus.Core.Errors.RecentErrors());
        Services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TraceTestData.Start.AddMinutes(1)));
        var t = TraceTestData.TraceId(2);
        _store.Add(TraceTestData.Span(t, TraceTestData.SpanId(1), name: "chat gpt-4o", operation: TraceTestData.Operation(t, TraceTestData.SpanId(1)),
            attributes: new()
            {
                ["gen_ai.input.messages"] = """[{"role":"system","parts":[{"type":"text","content":"be brief"}]},{"role":"user","parts":[{"type":"text","content":"<b>where</b> is my order?"}]}]""",
                ["gen_ai.output.messages"] = """[{"role":"assistant","parts":[{"type":"text","content":"It ships <script>x()</script> today."}]}]""",
            }));
        var cut = Render<Conciergus.Dashboard.Components.Pages.Traces>();
        Assert.Empty(cut.FindAll("[data-testid=trace-preview]"));

        var toggle = cut.Find("[data-testid=traces-show-previews]");
        (toggle.TagName == "INPUT" ? toggle : toggle.QuerySelector("input")!).Change(true);

        // Trace 1 (from the constructor) has a plain-text prompt, trace 2 JSON messages; both start together, so by id.
        cut.WaitForAssertion(() => Assert.Equal(
            ["tell me a secret", "<b>where</b> is my order?"],
            cut.FindAll("[data-testid=trace-preview-input]").Select(e => e.TextContent)));
        Assert.Equal("→ It ships <script>x()</script> today.", Assert.Single(cut.FindAll("[data-testid=trace-preview-output]")).TextContent);
        Assert.Empty(cut.FindAll("[data-testid=trace-preview] b, [data-testid=trace-preview] script")); // text, never markup
        var entry = Assert.Single(_audit.Events);
        Assert.Equal((PrivacyOptions.RevealAction, "olga", "traces-list"), (entry.Action, entry.Actor, entry.Target));
    }

    [Fact]
    public void TracesList_Viewer_NoPreviewSwitch()
    {
        Authorization.SetRoles(nameof(ConciergusRole.Viewer));
        Services.AddSingleton(new Conciergus.Core.Errors.RecentErrors());
        Services.AddSingleton<TimeProvider>(new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TraceTestData.Start.AddMinutes(1)));

        var cut = Render<Conciergus.Dashboard.Components.Pages.Traces>();

        Assert.Single(cut.FindAll("[data-testid=trace-link]"));
        Assert.Empty(cut.FindAll("[data-testid=traces-show-previews]"));
        Assert.Empty(cut.FindAll("[data-testid=trace-preview]"));
    }
}
