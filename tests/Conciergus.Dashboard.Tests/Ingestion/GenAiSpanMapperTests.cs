using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Model;
using static Conciergus.Dashboard.Tests.Ingestion.SpanFactory;

namespace Conciergus.Dashboard.Tests.Ingestion;

public sealed class GenAiSpanMapperTests
{
    // Attribute names per semantic-conventions release (open-telemetry/semantic-conventions, docs/gen-ai/gen-ai-spans.md):
    // v1.36 introduced gen_ai.provider.name (replacing gen_ai.system); cache_read / cache_creation input tokens and
    // reasoning output tokens are the v1.38+ spellings; earlier instrumentations wrote gen_ai.system and
    // gen_ai.usage.prompt_tokens / completion_tokens.
    public static TheoryData<string, (string, string)[], string, string, long, long, long, long, long> GenAiVersions => new()
    {
        {
            "v1.36+ provider.name", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o"),
                ("gen_ai.usage.input_tokens", "1200"), ("gen_ai.usage.output_tokens", "300")],
            "openai", "gpt-4o", 1200, 300, 0, 0, 0
        },
        {
            "older gen_ai.system", [("gen_ai.operation.name", "chat"), ("gen_ai.system", "az.ai.openai"), ("gen_ai.request.model", "gpt-4o"),
                ("gen_ai.usage.input_tokens", "10"), ("gen_ai.usage.output_tokens", "5")],
            "azure.ai.openai", "gpt-4o", 10, 5, 0, 0, 0
        },
        {
            "provider.name wins over system", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "anthropic"), ("gen_ai.system", "openai"),
                ("gen_ai.request.model", "claude-sonnet-4-5")],
            "anthropic", "claude-sonnet-4-5", 0, 0, 0, 0, 0
        },
        {
            "v1.38+ cache and reasoning", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "anthropic"), ("gen_ai.request.model", "claude-sonnet-4-5"),
                ("gen_ai.usage.input_tokens", "5000"), ("gen_ai.usage.cache_read.input_tokens", "4000"), ("gen_ai.usage.cache_creation.input_tokens", "500"),
                ("gen_ai.usage.output_tokens", "800"), ("gen_ai.usage.reasoning.output_tokens", "300")],
            "anthropic", "claude-sonnet-4-5", 5000, 800, 4000, 500, 300
        },
        {
            "raw provider numbers: total smaller than its parts", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "anthropic"), ("gen_ai.request.model", "claude-sonnet-4-5"),
                ("gen_ai.usage.input_tokens", "100"), ("gen_ai.usage.cache_read.input_tokens", "4000"), ("gen_ai.usage.output_tokens", "50"), ("gen_ai.usage.reasoning.output_tokens", "300")],
            "anthropic", "claude-sonnet-4-5", 4100, 350, 4000, 0, 300
        },
        {
            "pre-1.27 prompt/completion tokens", [("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-3.5-turbo"),
                ("gen_ai.usage.prompt_tokens", "42"), ("gen_ai.usage.completion_tokens", "7")],
            "openai", "gpt-3.5-turbo", 42, 7, 0, 0, 0
        },
        {
            "embeddings", [("gen_ai.operation.name", "embeddings"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "text-embedding-3-small"),
                ("gen_ai.usage.input_tokens", "8")],
            "openai", "text-embedding-3-small", 8, 0, 0, 0, 0
        },
        {
            "response model only", [("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "gcp.gemini"), ("gen_ai.response.model", "gemini-2.5-flash-001")],
            "gcp.gemini", "gemini-2.5-flash-001", 0, 0, 0, 0, 0
        },
    };

    [Theory]
    [MemberData(nameof(GenAiVersions))]
    public void Map_GenAiConventions_TakesProviderModelAndTokens(
        string _, (string, string)[] attributes, string provider, string model, long input, long output, long cached, long cacheCreation, long reasoning)
    {
        var mapped = Map(Span("chat gpt-4o", attributes: attributes));

        Assert.Equal(AiSpanRole.GenAi, mapped.Role);
        var op = mapped.Operation!;
        Assert.Equal(provider, op.Provider);
        Assert.Equal(model, op.Model);
        Assert.Equal(input, op.InputTokens);
        Assert.Equal(output, op.OutputTokens);
        Assert.Equal(cached, op.CachedInputTokens);
        Assert.Equal(cacheCreation, op.CacheCreationInputTokens);
        Assert.Equal(reasoning, op.ReasoningTokens);
    }

    [Fact]
    public void Map_MicrosoftExtensionsAiChatSpan_TakesIdsTimesDimensionsAndFinishReasons()
    {
        var span = Span("chat gpt-4o", "00f067aa0ba902b7", parent: "53995c3f42cd8ad8", durationMs: 1234.5, application: "support-bot", attributes:
        [
            ("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.response.model", "gpt-4o-2024-08-06"), ("gen_ai.conversation.id", "conv-1"),
            ("gen_ai.response.finish_reasons", "[\"stop\",\"length\"]"), ("gen_ai.usage.input_tokens", "10"), ("gen_ai.usage.output_tokens", "2"),
        ]);

        var op = Map(span, environment: "production").Operation!;

        Assert.Equal("00f067aa0ba902b7", op.OperationId);
        Assert.Equal(Trace, op.TraceId);
        Assert.Equal("53995c3f42cd8ad8", op.ParentSpanId);
        Assert.Equal(Start, op.StartTime);
        Assert.Equal(1234.5, op.DurationMs);
        Assert.Equal(AiOperationKinds.Chat, op.Operation);
        Assert.Equal("gpt-4o-2024-08-06", op.ResponseModel);
        Assert.Equal("conv-1", op.ConversationId);
        Assert.Equal(["stop", "length"], op.FinishReasons!);
        Assert.Equal("support-bot", op.Application);
        Assert.Equal("production", op.Environment);
        Assert.Equal(AiOperationStatus.Ok, op.Status);
        Assert.Null(op.Error);
    }

    [Theory]
    [InlineData("chat", AiOperationKinds.Chat)]
    [InlineData("generate_content", AiOperationKinds.Chat)]
    [InlineData("text_completion", AiOperationKinds.GenerateText)]
    [InlineData("embeddings", AiOperationKinds.Embeddings)]
    [InlineData("invoke_agent", AiOperationKinds.InvokeAgent)]
    public void Map_GenAiOperationName_GivesKind(string operationName, string kind)
    {
        var mapped = Map(Span(operationName, attributes: [("gen_ai.operation.name", operationName), ("gen_ai.request.model", "m")]));

        Assert.Equal(AiSpanRole.GenAi, mapped.Role);
        Assert.Equal(kind, mapped.Operation!.Operation);
    }

    [Theory]
    [InlineData("execute_tool")]
    [InlineData("create_agent")]
    [InlineData("agent_step")]
    public void Map_ToolsAgentCreationAndSteps_AreStepsWithoutOperation(string operationName)
    {
        var mapped = Map(Span(operationName + " x", attributes: [("gen_ai.operation.name", operationName), ("gen_ai.tool.name", "x")]));

        Assert.Equal(AiSpanRole.GenAiStep, mapped.Role);
        Assert.Null(mapped.Operation);
    }

    [Theory]
    [InlineData("GET /api/orders", "http.request.method", "GET")]
    [InlineData("SELECT orders", "db.system.name", "postgresql")]
    [InlineData("ai.toolCall", "ai.toolCall.name", "weather")]
    [InlineData("gen_ai.system only", "gen_ai.system", "openai")]
    public void Map_NonAiSpan_HasNoOperation(string name, string key, string value)
    {
        var mapped = Map(Span(name, attributes: [(key, value)]));

        Assert.Equal(AiSpanRole.None, mapped.Role);
        Assert.Null(mapped.Operation);
    }

    [Fact]
    public void Map_ErrorStatusWithErrorType_UsesErrorTypeAndStatusMessage()
    {
        var span = Span("chat gpt-4o", status: "error", statusMessage: "Rate limit reached", attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("error.type", "429"), ("http.response.status_code", "429")]);

        var op = Map(span).Operation!;

        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal("429", op.Error!.Type);
        Assert.Equal(429, op.Error.HttpStatus);
        Assert.Equal("Rate limit reached", op.Error.Message);
    }

    [Fact]
    public void Map_ErrorStatusWithoutErrorType_TypeIsStatusMessage()
    {
        var span = Span("chat gpt-4o", status: "error", statusMessage: "context_length_exceeded", attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o")]);

        var op = Map(span).Operation!;

        Assert.Equal(AiOperationStatus.Error, op.Status);
        Assert.Equal("context_length_exceeded", op.Error!.Type);
    }

    [Fact]
    public void Map_AiSdk7ChatSpan_TimeToFirstChunkInSecondsAndAgentNameAsFunction()
    {
        // Attributes as AI SDK 7's @ai-sdk/otel writes them (recorded with ai 7.0.173).
        var op = Map(Span("chat gpt-4o-mini", attributes:
        [
            ("gen_ai.operation.name", "chat"), ("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o-mini"),
            ("gen_ai.client.operation.time_to_first_chunk", "0.17379779299999995"), ("gen_ai.usage.input_tokens", "200"),
            ("gen_ai.usage.cache_read.input_tokens", "128"), ("gen_ai.usage.cache_creation.input_tokens", "0"), ("gen_ai.usage.output_tokens", "50"),
            ("gen_ai.agent.name", "stream-greet"),
        ])).Operation!;

        Assert.Equal(173.798, op.TimeToFirstTokenMs!.Value, precision: 3);
        Assert.Equal((200L, 128L, 50L), (op.InputTokens, op.CachedInputTokens, op.OutputTokens));
        Assert.Equal("stream-greet", op.FunctionId);
    }

    [Fact]
    public void Map_ConciergusMiddlewareAttributes_GiveFunctionAndExperiment()
    {
        var op = Map(Span("chat gpt-4o", attributes:
        [
            ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("conciergus.function_id", "summarize"),
            ("conciergus.experiment.key", "exp-1"), ("conciergus.experiment.variant", "b"),
        ])).Operation!;

        Assert.Equal("summarize", op.FunctionId);
        Assert.Equal("exp-1", op.ExperimentKey);
        Assert.Equal("b", op.ExperimentVariant);
    }

    public static TheoryData<string, string, bool, string> VercelSpanNames => new()
    {
        { "ai.generateText", "ai.generateText", false, AiOperationKinds.GenerateText },
        { "ai.generateText.doGenerate", "ai.generateText.doGenerate", true, AiOperationKinds.GenerateText },
        { "ai.streamText", "ai.streamText", false, AiOperationKinds.StreamText },
        { "ai.streamText.doStream", "ai.streamText.doStream", true, AiOperationKinds.StreamText },
        { "ai.generateObject", "ai.generateObject", false, AiOperationKinds.GenerateObject },
        { "ai.generateObject.doGenerate", "ai.generateObject.doGenerate", true, AiOperationKinds.GenerateObject },
        { "ai.streamObject", "ai.streamObject", false, AiOperationKinds.GenerateObject },
        { "ai.streamObject.doStream", "ai.streamObject.doStream", true, AiOperationKinds.GenerateObject },
        { "ai.embed", "ai.embed", false, AiOperationKinds.Embeddings },
        { "ai.embed.doEmbed", "ai.embed.doEmbed", true, AiOperationKinds.Embeddings },
        { "ai.embedMany", "ai.embedMany", false, AiOperationKinds.Embeddings },
        { "ai.embedMany.doEmbed", "ai.embedMany.doEmbed", true, AiOperationKinds.Embeddings },
        // Exporters that show the function id in the name: the operation id attribute decides.
        { "ai.generateText greet", "ai.generateText", false, AiOperationKinds.GenerateText },
    };

    [Theory]
    [MemberData(nameof(VercelSpanNames))]
    public void Map_VercelSpans_RoleAndKind(string name, string operationId, bool isModelCall, string kind)
    {
        var mapped = Map(Span(name, attributes: [("ai.operationId", operationId), ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.chat")]));

        Assert.Equal(isModelCall ? AiSpanRole.VercelModelCall : AiSpanRole.VercelCall, mapped.Role);
        Assert.Equal(kind, mapped.Operation!.Operation);
        Assert.Equal("openai", mapped.Operation.Provider);
        Assert.Equal("gpt-4o-mini", mapped.Operation.RequestModel);
    }

    public static TheoryData<string, (string, string)[], long, long, long, long> VercelUsage => new()
    {
        // AI SDK 5 generateText / generateObject write the v4 names.
        { "v5 prompt/completion", [("ai.usage.promptTokens", "100"), ("ai.usage.completionTokens", "20")], 100, 20, 0, 0 },
        // AI SDK 5 streamText and AI SDK 6 write input/output with cached and reasoning parts.
        {
            "v6 input/output/cached/reasoning", [("ai.usage.inputTokens", "200"), ("ai.usage.outputTokens", "50"), ("ai.usage.cachedInputTokens", "128"),
                ("ai.usage.reasoningTokens", "10"), ("ai.usage.totalTokens", "250")],
            200, 50, 128, 10
        },
        { "embeddings", [("ai.usage.tokens", "12")], 12, 0, 0, 0 },
    };

    [Theory]
    [MemberData(nameof(VercelUsage))]
    public void Map_VercelUsageNames_GiveTokens(string _, (string, string)[] usage, long input, long output, long cached, long reasoning)
    {
        var op = Map(Span("ai.streamText", attributes: [("ai.operationId", "ai.streamText"), ("ai.model.id", "gpt-4o-mini"), .. usage])).Operation!;

        Assert.Equal(input, op.InputTokens);
        Assert.Equal(output, op.OutputTokens);
        Assert.Equal(cached, op.CachedInputTokens);
        Assert.Equal(reasoning, op.ReasoningTokens);
    }

    [Fact]
    public void Map_VercelTelemetry_GivesFunctionUserSessionMetadataAndTtft()
    {
        var op = Map(Span("ai.streamText", attributes:
        [
            ("ai.operationId", "ai.streamText"), ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.responses"),
            ("ai.telemetry.functionId", "stream-greet"), ("ai.telemetry.metadata.userId", "user-42"), ("ai.telemetry.metadata.sessionId", "sess-7"),
            ("ai.telemetry.metadata.tenant", "acme"), ("ai.response.msToFirstChunk", "48.5"),
        ])).Operation!;

        Assert.Equal("stream-greet", op.FunctionId);
        Assert.Equal("user-42", op.UserId);
        Assert.Equal("sess-7", op.SessionId);
        Assert.Equal(new Dictionary<string, string> { ["tenant"] = "acme" }, op.Metadata);
        Assert.Equal(48.5, op.TimeToFirstTokenMs);
        Assert.Equal("openai", op.Provider);
    }

    [Theory]
    [InlineData("openai.chat", "openai")]
    [InlineData("anthropic.messages", "anthropic")]
    [InlineData("google.generative-ai", "gcp.gemini")]
    [InlineData("amazon-bedrock", "aws.bedrock")]
    [InlineData("mistral.chat", "mistral_ai")]
    [InlineData("azure-openai.chat", "azure.ai.openai")]
    [InlineData("acme-llm.chat", "acme-llm.chat")]
    public void Map_VercelProvider_GivesGenAiProviderName(string vercel, string provider)
    {
        var op = Map(Span("ai.generateText", attributes: [("ai.operationId", "ai.generateText"), ("ai.model.provider", vercel)])).Operation!;

        Assert.Equal(provider, op.Provider);
    }

    [Fact]
    public void MergeVercel_CallAndChild_TakesCallTotalsAndChildDetails()
    {
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        var callOp = Map(call).Operation!;
        var childOp = Map(child).Operation!;

        var merged = GenAiSpanMapper.MergeVercel(callOp, [childOp]);

        Assert.Equal("1111111111111111", merged.OperationId);
        Assert.Equal(900, merged.DurationMs);
        Assert.Equal(100, merged.InputTokens);
        Assert.Equal(20, merged.OutputTokens);
        Assert.Equal("gpt-4o-mini-2024-07-18", merged.ResponseModel);
        Assert.Equal(["stop"], merged.FinishReasons!);
        Assert.Equal("greet", merged.FunctionId);
        Assert.Equal("user-42", merged.UserId);
    }

    [Fact]
    public void MergeVercel_CallWithoutUsage_SumsChildren()
    {
        var call = Map(Span("ai.embedMany", "1111111111111111", attributes: [("ai.operationId", "ai.embedMany"), ("ai.model.id", "text-embedding-3-small")])).Operation!;
        var a = Map(Span("ai.embedMany.doEmbed", "2222222222222222", parent: "1111111111111111", attributes: [("ai.operationId", "ai.embedMany.doEmbed"), ("ai.usage.tokens", "8")])).Operation!;
        var b = Map(Span("ai.embedMany.doEmbed", "3333333333333333", parent: "1111111111111111", attributes: [("ai.operationId", "ai.embedMany.doEmbed"), ("ai.usage.tokens", "4")])).Operation!;

        Assert.Equal(12, GenAiSpanMapper.MergeVercel(call, [a, b]).InputTokens);
    }
}
