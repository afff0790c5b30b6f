using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Traces;

/// <summary>GET /api/v1/traces and /api/v1/traces/{traceId} over operations posted to the JSON API.</summary>
public sealed class TraceEndpointsTests : IDisposable
{
    private const string TraceA = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string TraceB = "0af7651916cd43dd8448eb211c80319c";

    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    private async Task<HttpClient> PostAsync()
    {
        var client = _factory.CreateIngestionClient();
        var at = _factory.Time.GetUtcNow().AddSeconds(-30);
        object Item(string trace, string span, string? parent, string model, double ms, int offsetMs, string? status = null, string? user = null) => new Dictionary<string, object?>
        {
            ["timestamp"] = at.AddMilliseconds(offsetMs).ToString("O", CultureInfo.InvariantCulture),
            ["durationMs"] = ms,
            ["provider"] = "openai",
            ["model"] = model,
            ["inputTokens"] = 1000,
            ["cachedInputTokens"] = 200,
            ["outputTokens"] = 100,
            ["status"] = status ?? "ok",
            ["application"] = "support-bot",
            ["userId"] = user,
            ["traceId"] = trace,
            ["spanId"] = span,
            ["parentSpanId"] = parent,
        };

        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new[]
            {
                Item(TraceA, "00f067aa0ba902b7", null, "gpt-4o", 1500, 0, user: "u-1"),
                Item(TraceA, "00f067aa0ba902b8", "00f067aa0ba902b7", "gpt-4o-mini", 300, 200),
                Item(TraceB, "1111111111111111", null, "gpt-4o", 800, 1000, status: "error"),
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return client;
    }

    [Fact]
    public async Task List_Window_KeepsTracesStartedWithinIt_AndABadWindowIs400()
    {
        var client = await PostAsync(); // both traces started about 30 s ago
        _factory.Time.Advance(TimeSpan.FromMinutes(10));

        var recent = await client.GetFromJsonAsync<JsonElement>("/api/v1/traces?window=5m");
        var hour = await client.GetFromJsonAsync<JsonElement>("/api/v1/traces?window=1h");
        var bad = await client.GetAsync(new Uri("/api/v1/traces?window=soon", UriKind.Relative));

        Assert.Equal(0, recent.GetProperty("total").GetInt32());
        Assert.Equal(2, hour.GetProperty("total").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("window", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_PostedOperations_ReturnsTracesNewestFirstInCamelCase()
    {
        var client = await PostAsync();

        var json = await client.GetFromJsonAsync<JsonElement>("/api/v1/traces");

        Assert.Equal(2, json.GetProperty("total").GetInt32());
        Assert.Equal(50, json.GetProperty("limit").GetInt32());
        var traces = json.GetProperty("traces");
        Assert.Equal(TraceB, traces[0].GetProperty("traceId").GetString());
        var a = traces[1];
        Assert.Equal(TraceA, a.GetProperty("traceId").GetString());
        Assert.Equal("chat gpt-4o", a.GetProperty("rootName").GetString());
        Assert.Equal("support-bot", a.GetProperty("application").GetString());
        Assert.Equal(2, a.GetProperty("spanCount").GetInt32());
        Assert.Equal(2, a.GetProperty("aiSpanCount").GetInt32());
        Assert.Equal(2200, a.GetProperty("totalTokens").GetInt64());
        Assert.False(a.GetProperty("hasError").GetBoolean());
        Assert.True(a.GetProperty("costUsd").GetDecimal() > 0);
        Assert.Equal(["u-1"], a.GetProperty("userIds").EnumerateArray().Select(u => u.GetString()));
        Assert.True(traces[0].GetProperty("hasError").GetBoolean());
    }

    [Theory]
    [InlineData("?status=error", new[] { TraceB })]
    [InlineData("?status=ok", new[] { TraceA })]
    [InlineData("?model=gpt-4o-mini", new[] { TraceA })]
    [InlineData("?user=u-1", new[] { TraceA })]
    [InlineData("?application=support-bot&minDurationMs=1000", new[] { TraceA })]
    [InlineData("?application=other", new string[0])]
    [InlineData("?limit=1&offset=1", new[] { TraceA })]
    public async Task List_Filters_ReturnMatchingTraces(string query, string[] expected)
    {
        var client = await PostAsync();

        var json = await client.GetFromJsonAsync<JsonElement>("/api/v1/traces" + query);

        Assert.Equal(expected, json.GetProperty("traces").EnumerateArray().Select(t => t.GetProperty("traceId").GetString()));
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?offset=-1", "offset")]
    [InlineData("?status=failed", "status")]
    [InlineData("?minDurationMs=-5", "minDurationMs")]
    public async Task List_BadParameter_Returns400ProblemNamingIt(string query, string parameter)
    {
        var client = _factory.CreateApiKeyClient();

        var response = await client.GetAsync("/api/v1/traces" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal($"Invalid parameter '{parameter}'", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task Get_KnownTrace_ReturnsSpansWithParentLinksAndOperation()
    {
        var client = await PostAsync();

        var json = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{TraceA.ToUpperInvariant()}");

        Assert.Equal(TraceA, json.GetProperty("traceId").GetString());
        var spans = json.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(2, spans.Count);
        Assert.Equal("00f067aa0ba902b7", spans[0].GetProperty("spanId").GetString());
        Assert.Equal(0, spans[0].GetProperty("depth").GetInt32());
        Assert.Equal("00f067aa0ba902b7", spans[1].GetProperty("parentSpanId").GetString());
        Assert.Equal(1, spans[1].GetProperty("depth").GetInt32());
        Assert.Equal(200, spans[1].GetProperty("offsetMs").GetDouble(), 3);
        Assert.True(spans[1].GetProperty("isAi").GetBoolean());
        var op = spans[1].GetProperty("operation");
        Assert.Equal("gpt-4o-mini", op.GetProperty("requestModel").GetString());
        Assert.Equal(200, op.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal("Priced", op.GetProperty("pricing").GetString());
    }

    [Fact]
    public async Task Get_UnknownTrace_Returns404Problem()
    {
        var client = _factory.CreateApiKeyClient();

        var response = await client.GetAsync("/api/v1/traces/" + TraceA);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Trace not found", problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("not-a-trace-id")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736ff")]
    [InlineData("zbf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00000000000000000000000000000000")]
    public async Task Get_MalformedId_Returns400Problem(string id)
    {
        var client = _factory.CreateApiKeyClient();

        var response = await client.GetAsync("/api/v1/traces/" + id);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("32 hexadecimal", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MessageContent_RedactedUnlessShowContent()
    {
        // Arrange: a span with a prompt attribute, as an OTLP sender would include it
        var sink = (Conciergus.Core.Traces.ITraceSink)_factory.Services.GetService(typeof(Conciergus.Core.Traces.ITraceSink))!;
        sink.Add(TraceTestData.Span(TraceA, "00f067aa0ba902b7", attributes: new() { ["gen_ai.input.messages"] = "secret prompt" }));
        var client = _factory.CreateApiKeyClient();

        // Act
        var redacted = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{TraceA}");
        var shown = await client.GetFromJsonAsync<JsonElement>($"/api/v1/traces/{TraceA}?showContent=true");

        // Assert
        // Content capture is off by default (issue 15 item 6): the prompt was never kept, only its length, even for an Admin.
        Assert.Equal("[not captured: 13 chars]", redacted.GetProperty("spans")[0].GetProperty("attributes").GetProperty("gen_ai.input.messages").GetString());
        Assert.Equal("[not captured: 13 chars]", shown.GetProperty("spans")[0].GetProperty("attributes").GetProperty("gen_ai.input.messages").GetString());
    }
}
