using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Model;
using static Conciergus.Dashboard.Tests.Ingestion.OtlpRequests;

namespace Conciergus.Dashboard.Tests.Ingestion;

/// <summary>
/// Request bodies recorded from the real SDKs (Payloads/): the Vercel AI SDK 5 sender in vercel/ (node capture.mjs
/// batch | simple | batch json) and the .NET OpenTelemetry exporter with Microsoft.Extensions.AI's UseOpenTelemetry()
/// (DotNetSdkIngestionTests with CONCIERGUS_RECORD_PAYLOADS set), and AI SDK 7's GenAI spans (aisdk7/send7.mjs).
/// </summary>
public sealed class RecordedPayloadTests : IDisposable
{
    private readonly IngestionTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private static IEnumerable<string> SimpleFiles() => Directory.GetFiles(Path.GetDirectoryName(PayloadPath("x"))!, "vercel-ai5-simple-*.pb")
        .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f).Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture));

    private static ExportTraceServiceRequest Read(string path) => path.EndsWith(".json", StringComparison.Ordinal)
        ? OtlpPayload.Parse(File.ReadAllBytes(path), OtlpFormat.Json, ExportTraceServiceRequest.Parser)
        : ExportTraceServiceRequest.Parser.ParseFrom(File.ReadAllBytes(path));

    private async Task PostAllAsync(HttpClient client, IReadOnlyList<string> files)
    {
        _host.MoveClockPast(files.Select(Read));
        foreach (var file in files)
        {
            var body = File.ReadAllBytes(file);
            var content = file.EndsWith(".json", StringComparison.Ordinal) ? Json(System.Text.Encoding.UTF8.GetString(body)) : Protobuf(body);
            var response = await client.PostAsync("/v1/traces", content);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    public static TheoryData<string> VercelRuns => new() { "batch-pb", "batch-json", "simple-pb" };

    [Theory]
    [MemberData(nameof(VercelRuns))]
    public async Task VercelAi5_FiveCalls_CountedOnceEachWithTokensTtftFunctionAndUser(string run)
    {
        using var client = _host.CreateIngestionClient();
        IReadOnlyList<string> files = run switch
        {
            "batch-pb" => [PayloadPath("vercel-ai5-batch-1.pb")],
            "batch-json" => [PayloadPath("vercel-ai5-batch-1.json")],
            _ => SimpleFiles().ToList(),
        };
        if (run == "simple-pb")
        {
            Assert.Equal(11, files.Count); // one request per span: every do* child arrives before its ai.* parent
        }

        await PostAllAsync(client, files);

        var ops = _host.Sink.Operations.ToDictionary(o => o.FunctionId!);
        Assert.Equal(["embed-many", "embed-one", "greet", "locate", "stream-greet"], ops.Keys.Order());
        Assert.All(ops.Values, o =>
        {
            Assert.Equal("user-42", o.UserId);
            Assert.Equal("sess-7", o.SessionId);
            Assert.Equal("acme", o.Metadata!["tenant"]);
            Assert.Equal("vercel-test-app", o.Application);
            Assert.Equal("ci", o.Environment);
            Assert.Equal("openai", o.Provider);
            Assert.Equal(AiOperationStatus.Ok, o.Status);
        });

        var greet = ops["greet"];
        Assert.Equal((AiOperationKinds.GenerateText, "gpt-4o-mini", "gpt-4o-mini-2024-07-18", 100L, 20L), (greet.Operation, greet.RequestModel, greet.ResponseModel, greet.InputTokens, greet.OutputTokens));
        Assert.Null(greet.TimeToFirstTokenMs);

        var stream = ops["stream-greet"];
        Assert.Equal((AiOperationKinds.StreamText, 200L, 50L, 128L, 10L), (stream.Operation, stream.InputTokens, stream.OutputTokens, stream.CachedInputTokens, stream.ReasoningTokens));
        Assert.InRange(stream.TimeToFirstTokenMs!.Value, 30, 5000); // the mock stream waits 40 ms before its first chunk
        Assert.Equal("gpt-4o-mini-2024-07-18", stream.ResponseModel);

        Assert.Equal((AiOperationKinds.GenerateObject, 100L, 20L), (ops["locate"].Operation, ops["locate"].InputTokens, ops["locate"].OutputTokens));
        Assert.Equal((AiOperationKinds.Embeddings, "text-embedding-3-small", 4L), (ops["embed-one"].Operation, ops["embed-one"].RequestModel, ops["embed-one"].InputTokens));
        Assert.Equal((AiOperationKinds.Embeddings, 12L), (ops["embed-many"].Operation, ops["embed-many"].InputTokens));

        var summary = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h");
        Assert.Equal(5, summary.GetProperty("requests").GetInt64());
        Assert.Equal(416, summary.GetProperty("inputTokens").GetInt64());
        Assert.Equal(90, summary.GetProperty("outputTokens").GetInt64());
        Assert.Equal(128, summary.GetProperty("cachedInputTokens").GetInt64());
        Assert.Equal(10, summary.GetProperty("reasoningTokens").GetInt64());
    }

    [Fact]
    public async Task VercelAi5_SameRunTwice_IsNotCountedTwice()
    {
        using var client = _host.CreateIngestionClient();

        await PostAllAsync(client, [PayloadPath("vercel-ai5-batch-1.pb"), PayloadPath("vercel-ai5-batch-1.pb")]);

        Assert.Equal(5, _host.Sink.Operations.Count);
    }

    [Fact]
    public async Task AiSdk7_GenAiSpans_AgentStepChatCountedOncePerCall()
    {
        // aisdk7/send7.mjs (ai 7.0.173, @ai-sdk/otel): generateText and streamText give invoke_agent > step 1 > chat,
        // embed gives embeddings > embeddings; every level carries the usage.
        using var client = _host.CreateIngestionClient();

        await PostAllAsync(client, [PayloadPath("ai-sdk7-batch-1.pb")]);

        var ops = _host.Sink.Operations.ToDictionary(o => o.FunctionId ?? o.Operation);
        Assert.Equal(["embeddings", "greet", "stream-greet"], ops.Keys.Order());
        Assert.Equal((AiOperationKinds.Chat, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"), (ops["greet"].Operation, ops["greet"].Provider, ops["greet"].RequestModel, ops["greet"].ResponseModel));
        Assert.Equal((200L, 128L, 50L), (ops["greet"].InputTokens, ops["greet"].CachedInputTokens, ops["greet"].OutputTokens));
        Assert.Equal((200L, 128L, 50L), (ops["stream-greet"].InputTokens, ops["stream-greet"].CachedInputTokens, ops["stream-greet"].OutputTokens));
        Assert.InRange(ops["stream-greet"].TimeToFirstTokenMs!.Value, 30, 5000); // the mock stream waits 40 ms
        Assert.Equal((AiOperationKinds.Embeddings, "text-embedding-3-small", 4L), (ops["embeddings"].Operation, ops["embeddings"].RequestModel, ops["embeddings"].InputTokens));
        Assert.All(ops.Values, o => Assert.Equal("ai-sdk7-app", o.Application));
    }

    [Fact]
    public async Task DotNetSdk_MicrosoftExtensionsAiSpans_OneOperationPerCall()
    {
        using var client = _host.CreateIngestionClient();

        await PostAllAsync(client, [PayloadPath("dotnet-sdk-meai.pb")]);

        var ops = _host.Sink.Operations.OrderBy(o => o.InputTokens).ToList();
        Assert.Equal(DotNetSdkIngestionTests.Calls, ops.Count);
        Assert.Equal(Enumerable.Range(0, DotNetSdkIngestionTests.Calls).Select(DotNetSdkIngestionTests.InputTokens), ops.Select(o => o.InputTokens));
        Assert.Equal(Enumerable.Range(0, DotNetSdkIngestionTests.Calls).Select(DotNetSdkIngestionTests.OutputTokens), ops.Select(o => o.OutputTokens));
        Assert.All(ops, o =>
        {
            Assert.Equal(AiOperationKinds.Chat, o.Operation);
            Assert.Equal("openai", o.Provider);
            Assert.Equal("gpt-4o", o.RequestModel);
            Assert.Equal("gpt-4o-2024-08-06", o.ResponseModel);
            Assert.Equal("dotnet-sdk-app", o.Application);
            Assert.Equal(["stop"], o.FinishReasons!);
        });
    }
}
