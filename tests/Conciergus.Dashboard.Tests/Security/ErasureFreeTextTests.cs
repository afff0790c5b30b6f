using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Microsoft.Extensions.DependencyInjection;
using static Conciergus.Dashboard.Tests.Traces.TraceTestData;

namespace Conciergus.Dashboard.Tests.Security;

/// <summary>
/// Issue 15 item 7: after DELETE /api/v1/subjects/{id} the trace store still held the id in a status message, an error
/// message, a session id "sess-&lt;id&gt;", a conversation id, a metadata value and ai.prompt, and /api/v1/errors still
/// showed a sample naming it. Export and erasure must find the subject in any stored string.
/// </summary>
public sealed class ErasureFreeTextTests : IDisposable
{
    private const string Subject = "u-4711";

    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?> { ["Conciergus:Privacy:CaptureContent"] = "true" });

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData("quota exceeded for u-4711", true)]
    [InlineData("sess-u-4711", true)]
    [InlineData("user=U-4711;", true)]
    [InlineData("u-4711", true)]
    [InlineData("u-47110", false)]
    [InlineData("xu-4711", false)]
    [InlineData("someone else", false)]
    public void Mentions_TokenBoundaries(string text, bool expected) => Assert.Equal(expected, SubjectMatch.Mentions(text, Subject));

    [Fact]
    public async Task EraseSubject_IdOnlyInFreeText_WholeTracesAndErrorSamplesGone()
    {
        var now = _factory.Time.GetUtcNow();
        var sink = _factory.Services.GetRequiredService<ITraceSink>();
        var errors = _factory.Services.GetRequiredService<RecentErrors>();
        sink.Add(Span(TraceId(1), SpanId(1), status: "error") with { StatusMessage = "quota exceeded for u-4711" });
        sink.Add(Span(TraceId(2), SpanId(1), operation: Operation(TraceId(2), SpanId(1), failed: true) with
        {
            Error = new ErrorDetails { Type = "RateLimitError", Message = "rate limited: account u-4711 over budget" },
        }));
        sink.Add(Span(TraceId(3), SpanId(1), operation: Operation(TraceId(3), SpanId(1)) with { SessionId = "sess-u-4711" }));
        sink.Add(Span(TraceId(4), SpanId(1), operation: Operation(TraceId(4), SpanId(1)) with { ConversationId = "conv-u-4711-7" }));
        sink.Add(Span(TraceId(5), SpanId(1), operation: Operation(TraceId(5), SpanId(1)) with { Metadata = new Dictionary<string, string> { ["owner"] = "owner=u-4711" } }));
        sink.Add(Span(TraceId(6), SpanId(1), name: "POST /chat"));                                           // the trace's other span
        sink.Add(Span(TraceId(6), SpanId(2), parent: SpanId(1), attributes: new() { ["ai.prompt"] = "Hi, I am u-4711." }));
        sink.Add(Span(TraceId(7), SpanId(1), attributes: new() { ["enduser.id"] = "u-47110" }));              // someone else
        errors.Add(Operation(failed: true) with
        {
            OperationId = "op-mention",
            StartTime = now.AddSeconds(-5),
            Error = new ErrorDetails { Type = "RateLimitError", Message = "slow down, u-4711" },
        });
        errors.Add(Operation(failed: true) with { OperationId = "op-other", StartTime = now.AddSeconds(-5) });
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var export = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/subjects/{Subject}/export")).RootElement.GetProperty("stores");
        var erase = await (await admin.DeleteAsync($"/api/v1/subjects/{Subject}")).Content.ReadFromJsonAsync<JsonElement>();
        var errorsAfter = await admin.GetStringAsync("/api/v1/errors?window=1h");
        var exportAfter = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/subjects/{Subject}/export")).RootElement.GetProperty("stores");

        var exportedTraces = export.GetProperty("traces").GetProperty("spans").EnumerateArray().Select(s => s.GetProperty("traceId").GetString()).ToHashSet();
        Assert.Equal([TraceId(1), TraceId(2), TraceId(3), TraceId(4), TraceId(5), TraceId(6)], exportedTraces.Order());
        Assert.Equal(7, export.GetProperty("traces").GetProperty("spans").GetArrayLength()); // whole traces: both spans of trace 6
        Assert.Equal("op-mention", Assert.Single(export.GetProperty("recentErrors").EnumerateArray()).GetProperty("operationId").GetString());

        Assert.Equal(6, erase.GetProperty("stores").GetProperty("traces").GetInt64());
        Assert.Equal("6 traces removed", erase.GetProperty("removed").GetProperty("traces").GetString());
        Assert.Equal("1 error samples dropped", erase.GetProperty("removed").GetProperty("recentErrors").GetString());

        var store = _factory.Services.GetRequiredService<TraceStore>();
        Assert.All(Enumerable.Range(1, 6), i => Assert.Null(store.Get(TraceId(i))));
        Assert.NotNull(store.Get(TraceId(7)));
        Assert.DoesNotContain("u-4711", errorsAfter, StringComparison.Ordinal);
        Assert.Equal(["op-other"], errors.Between(now.AddHours(-1), now.AddHours(1)).Select(e => e.OperationId));
        Assert.Equal(0, exportAfter.GetProperty("traces").GetProperty("spans").GetArrayLength());
        Assert.Equal(0, exportAfter.GetProperty("recentErrors").GetArrayLength());
    }

    [Fact]
    public async Task EraseSubject_PromptArrivedOverOtlp_TraceGone()
    {
        var span = OtlpRequests.ChatSpan(_factory.Time.GetUtcNow());
        span.Attributes.Add(OtlpRequests.Attr("ai.prompt", "Summarise the account of u-4711 please"));
        using (var ingest = _factory.CreateIngestionClient())
        {
            (await ingest.PostAsync("/v1/traces", OtlpRequests.Protobuf(OtlpRequests.Request("app", span)))).EnsureSuccessStatusCode();
        }

        var traceId = Convert.ToHexStringLower(span.TraceId.ToByteArray());
        using var admin = _factory.CreateApiClient(ConciergusRole.Admin);

        var erase = await (await admin.DeleteAsync($"/api/v1/subjects/{Subject}")).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(1, erase.GetProperty("stores").GetProperty("traces").GetInt64());
        Assert.Null(_factory.Services.GetRequiredService<TraceStore>().Get(traceId));
    }
}
