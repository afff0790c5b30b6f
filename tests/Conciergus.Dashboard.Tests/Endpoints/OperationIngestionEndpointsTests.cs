using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Conciergus.Dashboard.Security;

namespace Conciergus.Dashboard.Tests.Endpoints;

public sealed class OperationIngestionEndpointsTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new();

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task Post_ValidBatch_Returns202WithAcceptedCount()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new object[]
            {
                new { model = "gpt-4o", provider = "openai", durationMs = 120, inputTokens = 10, outputTokens = 5 },
                new { model = "claude-sonnet-4-5", provider = "anthropic", durationMs = 300, status = "error", error = new { httpStatus = 429 } },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(0, body.GetProperty("rejected").GetInt32());
        Assert.Empty(body.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task Post_BareArray_IsAccepted()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o", durationMs = 10 } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task Post_PartlyInvalidBatch_KeepsValidItemsAndNamesInvalidOnes()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new object[]
            {
                new { model = "gpt-4o", durationMs = 100, inputTokens = 10 },
                new { model = "gpt-4o", durationMs = -5 },
                new { durationMs = 10 },
                new { model = "gpt-4o", durationMs = 10, inputTokens = 10, cachedInputTokens = 11 },
                new { model = "gpt-4o-mini", durationMs = 50, timestamp = "not a date" },
                new { model = "gpt-4o-mini", durationMs = 50, status = "maybe" },
                new { model = "gpt-4o-mini", durationMs = 70 },
            },
        });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(5, body.GetProperty("rejected").GetInt32());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3, 4, 5], errors.Select(e => e.GetProperty("index").GetInt32()));
        Assert.Contains("durationMs", errors[0].GetProperty("message").GetString());
        Assert.Contains("model", errors[1].GetProperty("message").GetString());
        Assert.Contains("cachedInputTokens", errors[2].GetProperty("message").GetString());
        Assert.Contains("timestamp", errors[3].GetProperty("message").GetString());
        Assert.Contains("status", errors[4].GetProperty("message").GetString());

        var summary = await _factory.CreateApiClient(ConciergusRole.Viewer).GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(2, summary.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Post_AllItemsInvalid_Returns400ProblemWithItemErrors()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { durationMs = 1 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("rejected").GetInt32());
        Assert.Equal(0, body.GetProperty("errors")[0].GetProperty("index").GetInt32());
    }

    [Theory]
    [InlineData("{\"operations\": [ {\"model\": \"gpt-4o\", ")]
    [InlineData("\"just a string\"")]
    [InlineData("{\"ops\": []}")]
    public async Task Post_MalformedBody_Returns400ProblemAndRecordsNothing(string json)
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsync("/api/v1/operations", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        var summary = await _factory.CreateApiClient(ConciergusRole.Viewer).GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(0, summary.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Post_WithoutKey_Returns401()
    {
        using var client = _factory.CreateClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o", durationMs = 1 } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Post_WithWrongKey_Returns401()
    {
        using var client = _factory.CreateIngestionClient("not-the-right-key-at-all");

        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o", durationMs = 1 } });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Post_WithSecondaryKeyAsBearer_IsAccepted()
    {
        using var client = _factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConciergusAppFactory.SecondaryIngestionKey);

        var response = await client.PostAsJsonAsync("/api/v1/operations", new object[] { new { model = "gpt-4o", durationMs = 1 } });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Post_OversizeBody_Returns413()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Ingestion:MaxRequestBytes"] = "2048" });
        using var client = factory.CreateIngestionClient();
        var big = Enumerable.Range(0, 100).Select(i => new { model = "gpt-4o", durationMs = i, userId = new string('u', 100) }).ToArray();

        var response = await client.PostAsJsonAsync("/api/v1/operations", big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var summary = await _factory.CreateApiClient(ConciergusRole.Viewer).GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(0, summary.GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Post_TooManyItems_Returns413()
    {
        using var factory = new ConciergusAppFactory(new() { ["Conciergus:Ingestion:MaxBatchSize"] = "3" });
        using var client = factory.CreateIngestionClient();

        var response = await client.PostAsJsonAsync("/api/v1/operations", Enumerable.Range(0, 4).Select(i => new { model = "m", durationMs = i }));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Post_NonJsonContentType_Returns415()
    {
        using var client = _factory.CreateIngestionClient();

        var response = await client.PostAsync("/api/v1/operations", new StringContent("model=gpt-4o", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
