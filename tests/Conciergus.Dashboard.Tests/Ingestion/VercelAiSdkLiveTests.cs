using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>Skipped when <c>node</c> is not on PATH. CI has node and runs <c>npm ci</c> in Ingestion/vercel first (.ci/run).</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!NodeIsOnPath())
        {
            Skip = "node is not on PATH (CI has it: this test runs there)";
        }
    }

    private static bool NodeIsOnPath() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "node")) || File.Exists(Path.Combine(dir, "node.exe")));
}

/// <summary>
/// The Vercel AI SDK 5 itself (vercel/send.mjs, mock models, experimental_telemetry on) exporting over OTLP/HTTP to
/// the dashboard on a loopback port, once span by span (children before parents, one request each) and once
/// batched as JSON: five calls each time, counted once each.
/// </summary>
public sealed class VercelAiSdkLiveTests : IDisposable
{
    private readonly ConciergusAppFactory _factory = new(realClock: true);

    public void Dispose() => _factory.Dispose();

    [NodeFact]
    public async Task SendScript_SimpleProtobufAndBatchJson_FiveCallsEachCountedOnce()
    {
        var baseAddress = _factory.StartKestrel();
        var url = new Uri(baseAddress, "/v1/traces").ToString();

        await RunNodeAsync(url, "simple", "protobuf");
        await RunNodeAsync(url, "batch", "json");

        using var client = new HttpClient { BaseAddress = baseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", ConciergusAppFactory.ApiKeys[Conciergus.Dashboard.Security.ConciergusRole.Viewer]);
        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=5m");
        Assert.Equal(10, summary.GetProperty("requests").GetInt64());
        Assert.Equal(2 * 416, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(2 * 90, summary.GetProperty("outputTokens").GetInt64());
        Assert.Equal(2 * 128, summary.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal(2 * 10, summary.GetProperty("reasoningTokens").GetInt64());
        Assert.InRange(summary.GetProperty("ttftMs").GetProperty("p50").GetDouble(), 30, 5000);

        var byFunction = await client.GetFromJsonAsync<JsonElement>("/api/v1/timeseries?metric=requests&window=5m&step=5m&groupBy=function");
        var counts = byFunction.GetProperty("series").EnumerateArray()
            .ToDictionary(s => s.GetProperty("key").GetString()!, s => s.GetProperty("points").EnumerateArray().Sum(p => p[1].GetDouble()));
        Assert.Equal(new Dictionary<string, double> { ["greet"] = 2, ["stream-greet"] = 2, ["locate"] = 2, ["embed-one"] = 2, ["embed-many"] = 2 }, counts);

        var byUser = await client.GetFromJsonAsync<JsonElement>("/api/v1/costs?window=5m&groupBy=user");
        Assert.Equal("user-42", byUser.GetProperty("groups")[0].GetProperty("key").GetString());
    }

    private static Task RunNodeAsync(string url, string mode, string protocol) =>
        NodeScripts.RunSendAsync(ScriptDirectory(), url, ConciergusAppFactory.IngestionKey, mode, protocol);

    private static string ScriptDirectory() => NodeScripts.Directory("Ingestion", "vercel");
}
