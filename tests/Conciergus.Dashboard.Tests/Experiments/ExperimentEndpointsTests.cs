using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Experiments;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentEndpointsTests : IDisposable
{
    // The issue's example body, verbatim.
    private const string PromptTone = """
        {"key": "prompt-tone", "name": "Friendlier system prompt", "type": "prompt", "hashVersion": 2,
         "seed": null, "coverage": 0.8, "variants": [{"key": "control", "weight": 0.5, "overrides": {}},
         {"key": "friendly", "weight": 0.5, "overrides": {"systemPrompt": "You are warm and concise."}}],
         "targeting": {"applications": ["support-bot"]}, "primaryMetric": "success_rate",
         "guardrailMetrics": ["latency_p95", "cost_per_request"], "sequential": true,
         "significanceLevel": 0.05}
        """;

    private readonly FakeAuditLog _audit = new();
    private readonly ConciergusAppFactory _factory;

    public ExperimentEndpointsTests() => _factory = new ConciergusAppFactory();

    [Fact]
    public async Task Crud_IssueExample_CreatesReadsUpdatesAndLists()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();

        var created = await client.PostAsync("/api/v1/experiments", Json(PromptTone));
        var read = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments/prompt-tone");
        var updated = await client.PutAsync("/api/v1/experiments/prompt-tone", Json("""{"name": "Warmer", "coverage": 0.5, "variants": [{"key": "control", "weight": 0.5}, {"key": "friendly", "weight": 0.5, "overrides": {"systemPrompt": "Be warm."}}]}"""));
        var list = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/experiments/prompt-tone", created.Headers.Location!.OriginalString);
        Assert.Equal(0.8, read.GetProperty("coverage").GetDouble());
        Assert.Equal("You are warm and concise.", read.GetProperty("variants")[1].GetProperty("overrides").GetProperty("systemPrompt").GetString());
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal("Warmer", list.GetProperty("experiments")[0].GetProperty("name").GetString());
        Assert.Equal(["experiment.create", "experiment.update"], ExperimentActions());
    }

    [Fact]
    public async Task Create_Invalid_Returns400ValidationProblemNamingFields()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();

        var response = await client.PostAsync("/api/v1/experiments", Json("""{"key": "x", "coverage": 2, "variants": [{"key": "a", "weight": 0.2}, {"key": "b", "weight": 0.2}]}"""));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty("coverage", out _));
        Assert.Contains("sum to 1", problem.GetProperty("errors").GetProperty("variants")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_MalformedJson_Returns400WithMessage()
    {
        using var app = App();

        var response = await app.CreateApiKeyClient().PostAsync("/api/v1/experiments", Json("{\"key\": "));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lifecycle_StartPauseStopWithWinner_AuditedAndConflictsAre409()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();
        await client.PostAsync("/api/v1/experiments", Json(PromptTone));

        var pauseDraft = await client.PostAsync("/api/v1/experiments/prompt-tone/pause", null);
        var start = await client.PostAsync("/api/v1/experiments/prompt-tone/start", null);
        var editVariants = await client.PutAsync("/api/v1/experiments/prompt-tone", Json("""{"variants": [{"key": "control", "weight": 0.1}, {"key": "friendly", "weight": 0.9}]}"""));
        var pause = await client.PostAsync("/api/v1/experiments/prompt-tone/pause", null);
        var badWinner = await client.PostAsync("/api/v1/experiments/prompt-tone/stop", Json("""{"winner": "nope"}"""));
        var stop = await client.PostAsync("/api/v1/experiments/prompt-tone/stop", Json("""{"winner": "friendly"}"""));
        var stopped = await stop.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, pauseDraft.StatusCode);
        Assert.Equal(HttpStatusCode.OK, start.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, editVariants.StatusCode);
        Assert.Contains("new version", await editVariants.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badWinner.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal("friendly", stopped.GetProperty("winner").GetString());
        Assert.Equal(["experiment.create", "experiment.start", "experiment.pause", "experiment.stop"], ExperimentActions());

        // The API-key caller is the actor of every lifecycle action.
        Assert.All(_audit.Events.Where(e => e.Action.StartsWith("experiment.", StringComparison.Ordinal)), e => Assert.StartsWith("api-key:", e.Actor, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stop_WithoutBody_StopsWithNoWinner()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();
        await client.PostAsync("/api/v1/experiments", Json(PromptTone));
        await client.PostAsync("/api/v1/experiments/prompt-tone/start", null);

        var stop = await client.PostAsync("/api/v1/experiments/prompt-tone/stop", null);

        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.Equal(JsonValueKind.Null, (await stop.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("winner").ValueKind);
    }

    [Fact]
    public async Task Assignment_ReturnsInExperimentVariantAndHash()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();
        await client.PostAsync("/api/v1/experiments", Json(PromptTone));
        await client.PostAsync("/api/v1/experiments/prompt-tone/start", null);

        var body = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments/prompt-tone/assignment?userId=u1");
        var missing = await client.GetAsync("/api/v1/experiments/prompt-tone/assignment");
        var unknown = await client.GetAsync("/api/v1/experiments/nope/assignment?userId=u1");

        // v2 hash of seed "prompt-tone" + "u1", by the formula; coverage 0.8 with 50/50 gives [0, 0.4) control, [0.5, 0.9) friendly.
        var hash = ExperimentHashing.Hash("prompt-tone", "u1", 2)!.Value;
        var expected = hash < 0.4 ? "control" : hash is >= 0.5 and < 0.9 ? "friendly" : null;
        Assert.Equal(hash, body.GetProperty("hashValue").GetDouble());
        Assert.Equal(expected is not null, body.GetProperty("inExperiment").GetBoolean());
        Assert.Equal(expected, body.GetProperty("variant").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Events_NeedIngestionKey_AndFeedResultsInIssueShape()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();
        await client.PostAsync("/api/v1/experiments", Json(PromptTone));
        await client.PostAsync("/api/v1/experiments/prompt-tone/start", null);
        var ingestion = app.CreateApiKeyClient();
        ingestion.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);

        var unauthorized = await client.PostAsync("/api/v1/experiments/prompt-tone/events", Json("""{"userId": "u1", "name": "score", "value": 4.5}"""));
        var counted = 0;
        for (var i = 0; i < 50; i++)
        {
            var response = await ingestion.PostAsync("/api/v1/experiments/prompt-tone/events", Json($$"""{"userId": "u{{i}}", "name": "score", "value": 4.5}"""));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            counted += (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("counted").GetBoolean() ? 1 : 0;
        }

        var results = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments/prompt-tone/results");

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.InRange(counted, 30, 50); // coverage 0.8
        var variants = results.GetProperty("variants");
        Assert.Equal("control", variants[0].GetProperty("key").GetString());
        Assert.Equal(counted, variants.EnumerateArray().Sum(v => v.GetProperty("users").GetInt64()));
        var score = variants[1].GetProperty("metrics").GetProperty("score");
        foreach (var field in new[] { "mean", "variance", "count", "lift", "ciLow", "ciHigh", "pValue" })
        {
            Assert.True(score.TryGetProperty(field, out _), field);
        }

        Assert.Equal(4.5, score.GetProperty("mean").GetDouble());
        Assert.True(results.GetProperty("srm").TryGetProperty("pValue", out _));
        Assert.True(results.GetProperty("srm").TryGetProperty("mismatch", out _));
        Assert.Equal("continue", results.GetProperty("recommendation").GetProperty("action").GetString());
        Assert.False(string.IsNullOrEmpty(results.GetProperty("recommendation").GetProperty("reason").GetString()));
    }

    [Fact]
    public async Task Middleware_InTheApp_UsesTheInterceptorAndFeedsResults()
    {
        using var app = App();
        var client = app.CreateApiKeyClient();
        await client.PostAsync("/api/v1/experiments", Json(PromptTone));
        await client.PostAsync("/api/v1/experiments/prompt-tone/start", null);
        var inner = new Telemetry.ScriptedChatClient(_factory.Time);
        using var chat = new Microsoft.Extensions.AI.ChatClientBuilder(inner).UseConciergus(o => o.Application = "support-bot").Build(app.Services);

        for (var i = 0; i < 20; i++)
        {
            await chat.GetResponseAsync([new Microsoft.Extensions.AI.ChatMessage(Microsoft.Extensions.AI.ChatRole.User, "Hi")], new Microsoft.Extensions.AI.ChatOptions { AdditionalProperties = new() { [ConciergusPropertyNames.UserId] = $"u{i}" } });
        }

        var results = await client.GetFromJsonAsync<JsonElement>("/api/v1/experiments/prompt-tone/results");
        var operations = results.GetProperty("variants").EnumerateArray().Sum(v => v.GetProperty("operations").GetInt64());
        Assert.InRange(operations, 10, 20);
    }

    [Fact]
    public void Endpoints_DeclareRoles_OperatorForChangesViewerForReadsIngestionForEvents()
    {
        using var app = App();
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1/experiments", StringComparison.Ordinal)).ToList();

        string Role(string method, string pattern) => endpoints
            .Single(e => e.RoutePattern.RawText!.TrimEnd('/') == pattern && e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()!.HttpMethods.Contains(method))
            .Metadata switch
        {
            var m when m.GetMetadata<IngestionEndpointMetadata>() is not null => "ingestion",
            var m => m.GetMetadata<RequiredRoleMetadata>()!.Role.ToString(),
        };

        Assert.Equal("Viewer", Role("GET", "/api/v1/experiments"));
        Assert.Equal("Viewer", Role("GET", "/api/v1/experiments/{key}/results"));
        Assert.Equal("Operator", Role("POST", "/api/v1/experiments"));
        Assert.Equal("Operator", Role("POST", "/api/v1/experiments/{key}/start"));
        Assert.Equal("Operator", Role("POST", "/api/v1/experiments/{key}/stop"));
        Assert.Equal("Operator", Role("DELETE", "/api/v1/experiments/{key}"));
        Assert.Equal("ingestion", Role("POST", "/api/v1/experiments/{key}/events"));
    }

    private Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program> App() =>
        _factory.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IAuditLog>(_audit)));

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public void Dispose() => _factory.Dispose();

    /// <summary>The experiment actions audited so far (the app also audits its first-start admin account).</summary>
    private List<string> ExperimentActions() =>
        _audit.Events.Select(e => e.Action).Where(a => a.StartsWith("experiment.", StringComparison.Ordinal)).ToList();
}
