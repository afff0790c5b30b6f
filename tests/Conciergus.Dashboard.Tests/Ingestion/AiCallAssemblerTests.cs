using Conciergus.Core.Ingestion.Otlp;
using Conciergus.Core.Traces;
using static Conciergus.Dashboard.Tests.Ingestion.SpanFactory;

namespace Conciergus.Dashboard.Tests.Ingestion;

public sealed class AiCallAssemblerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static AiCallAssembler Create(int maxPending = 100, TimeSpan? hold = null) =>
        new(new OtlpOptions { ChildHold = hold ?? TimeSpan.FromSeconds(10), MaxPendingChildren = maxPending });

    private static List<SpanRecord> Assemble(AiCallAssembler assembler, DateTimeOffset now, params SpanRecord[] spans) =>
        assembler.Assemble(spans.Select(s => Map(s)).ToList(), now, out _);

    private static List<SpanRecord> Counted(IEnumerable<SpanRecord> spans) => spans.Where(s => s.Operation is not null).ToList();

    [Fact]
    public void Assemble_VercelCallAndChildInOneBatch_CountsOnceFromCallWithChildDetails()
    {
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");

        var result = assembler.Assemble([Map(child), Map(call)], Now, out var duplicates);

        Assert.Equal(2, result.Count);
        var counted = Assert.Single(Counted(result));
        Assert.Equal("1111111111111111", counted.SpanId);
        Assert.Equal("gpt-4o-mini-2024-07-18", counted.Operation!.ResponseModel);
        Assert.Equal(100, counted.Operation.InputTokens);
        Assert.Equal(1, duplicates);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_ChildFirstThenCallInLaterRequest_CountsOnceFromCall()
    {
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");

        var first = Assemble(assembler, Now, child);
        Assert.Empty(Counted(first));
        Assert.Single(first);
        Assert.Equal(1, assembler.PendingCount);

        var second = Assemble(assembler, Now.AddSeconds(1), call);

        var counted = Assert.Single(Counted(second));
        Assert.Equal("1111111111111111", counted.SpanId);
        Assert.Equal("gpt-4o-mini-2024-07-18", counted.Operation!.ResponseModel);
        Assert.Equal(0, assembler.PendingCount);
        Assert.Empty(assembler.TakeExpired(Now.AddMinutes(1)));
    }

    [Fact]
    public void TakeExpired_ChildWhoseCallNeverCame_CountsChildAfterHold()
    {
        var assembler = Create(hold: TimeSpan.FromSeconds(10));
        var (_, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        Assemble(assembler, Now, child);

        Assert.Empty(assembler.TakeExpired(Now.AddSeconds(9)));
        var expired = assembler.TakeExpired(Now.AddSeconds(10));

        var counted = Assert.Single(expired);
        Assert.Equal("2222222222222222", counted.SpanId);
        Assert.Equal(100, counted.Operation!.InputTokens);
        Assert.Equal("greet", counted.Operation.FunctionId);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_CallArrivingAfterItsChildWasCounted_IsNotCountedAgain()
    {
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        Assemble(assembler, Now, child);
        Assert.Single(assembler.TakeExpired(Now.AddSeconds(11)));

        var late = Assemble(assembler, Now.AddSeconds(12), call);

        Assert.Single(late);
        Assert.Empty(Counted(late));
    }

    [Fact]
    public void Assemble_ChildArrivingAfterItsCall_IsNotCounted()
    {
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        Assert.Single(Counted(Assemble(assembler, Now, call)));

        var late = Assemble(assembler, Now.AddSeconds(1), child);

        Assert.Empty(Counted(late));
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_ResentBatch_IsNotCountedTwice()
    {
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        var genAi = Span("chat gpt-4o", "3333333333333333", attributes: [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o")]);

        Assert.Equal(2, Counted(Assemble(assembler, Now, child, call, genAi)).Count);
        Assert.Empty(Counted(Assemble(assembler, Now, child, call, genAi)));
    }

    [Fact]
    public void Assemble_EmbedManyWithTwoChildrenAcrossRequests_OneOperation()
    {
        var assembler = Create();
        var a = Span("ai.embedMany.doEmbed", "2222222222222222", parent: "1111111111111111", attributes: [("ai.operationId", "ai.embedMany.doEmbed"), ("ai.usage.tokens", "8")]);
        var b = Span("ai.embedMany.doEmbed", "3333333333333333", parent: "1111111111111111", startOffsetMs: 5, attributes: [("ai.operationId", "ai.embedMany.doEmbed"), ("ai.usage.tokens", "4")]);
        var call = Span("ai.embedMany", "1111111111111111", attributes: [("ai.operationId", "ai.embedMany"), ("ai.model.id", "text-embedding-3-small"), ("ai.usage.tokens", "12")]);

        Assemble(assembler, Now, a);
        Assemble(assembler, Now, b);
        var counted = Assert.Single(Counted(Assemble(assembler, Now, call)));

        Assert.Equal(12, counted.Operation!.InputTokens);
    }

    [Fact]
    public void Assemble_PendingMapFull_CountsOldestAtOnce()
    {
        var assembler = Create(maxPending: 1);
        var (_, child1) = VercelGenerateText("1111111111111111", "2222222222222222");
        var (_, child2) = VercelGenerateText("3333333333333333", "4444444444444444");

        Assert.Empty(Counted(Assemble(assembler, Now, child1)));
        var second = Assemble(assembler, Now, child2);

        Assert.Equal("2222222222222222", Assert.Single(Counted(second)).SpanId);
        Assert.Equal(1, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_OrphanProviderSpan_IsNotCountedButItsRootCallIs()
    {
        // An app without a context manager: both spans are roots of their own traces.
        var assembler = Create();
        var (call, child) = VercelGenerateText("1111111111111111", "2222222222222222");
        var orphan = child with { ParentSpanId = null, TraceId = "1af7651916cd43dd8448eb211c80319c" };

        var result = Assemble(assembler, Now, orphan, call);

        Assert.Equal("1111111111111111", Assert.Single(Counted(result)).SpanId);
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_AgentWithChatChildren_CountsModelCallsNotAgent()
    {
        // AI SDK 7 / agent frameworks: invoke_agent around one chat span per step.
        var assembler = Create();
        var agent = Span("invoke_agent support", "1111111111111111", durationMs: 3000, attributes:
            [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", "300"), ("gen_ai.usage.output_tokens", "30")]);
        var step1 = Span("chat gpt-4o", "2222222222222222", parent: "1111111111111111", durationMs: 1000, startOffsetMs: 10, attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", "100"), ("gen_ai.usage.output_tokens", "10")]);
        var step2 = Span("chat gpt-4o-mini", "3333333333333333", parent: "1111111111111111", durationMs: 1000, startOffsetMs: 1500, attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", "200"), ("gen_ai.usage.output_tokens", "20")]);

        var result = Assemble(assembler, Now, agent, step2, step1);

        var counted = Counted(result);
        Assert.Equal(3, result.Count);
        Assert.Equal(["2222222222222222", "3333333333333333"], counted.Select(s => s.SpanId).Order());
        Assert.Equal(300, counted.Sum(s => s.Operation!.InputTokens));
    }

    public static TheoryData<string> AiSdk7Orders => new() { "one request", "span by span" };

    [Theory]
    [MemberData(nameof(AiSdk7Orders))]
    public void Assemble_AiSdk7AgentStepChat_CountsTheChatOnce(string order)
    {
        // AI SDK 7 (@ai-sdk/otel): invoke_agent > "step 1" (agent_step) > chat, all carrying the same usage.
        var assembler = Create();
        (string, string)[] usage = [("gen_ai.provider.name", "openai"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", "200"), ("gen_ai.usage.output_tokens", "50")];
        var agent = Span("invoke_agent gpt-4o-mini", "1111111111111111", durationMs: 300, attributes: [("gen_ai.operation.name", "invoke_agent"), .. usage]);
        var step = Span("step 1", "2222222222222222", parent: "1111111111111111", durationMs: 250, attributes: [("gen_ai.operation.name", "agent_step")]);
        var chat = Span("chat gpt-4o-mini", "3333333333333333", parent: "2222222222222222", durationMs: 200, attributes: [("gen_ai.operation.name", "chat"), .. usage]);

        var result = order == "one request"
            ? Assemble(assembler, Now, agent, step, chat)
            : [.. Assemble(assembler, Now, chat), .. Assemble(assembler, Now, step), .. Assemble(assembler, Now, agent)];

        Assert.Equal(3, result.Count);
        Assert.Equal("3333333333333333", Assert.Single(Counted(result)).SpanId);
    }

    [Fact]
    public void Assemble_ChatInsideAgentInOneRequest_TakesAgentNameAsFunctionId()
    {
        var assembler = Create();
        var agent = Span("invoke_agent gpt-4o-mini", "1111111111111111", durationMs: 300, attributes:
            [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "greet"), ("gen_ai.conversation.id", "c-1")]);
        var step = Span("step 1", "2222222222222222", parent: "1111111111111111", durationMs: 250, attributes: [("gen_ai.operation.name", "agent_step")]);
        var chat = Span("chat gpt-4o-mini", "3333333333333333", parent: "2222222222222222", durationMs: 200, attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")]);

        var counted = Assert.Single(Counted(Assemble(assembler, Now, agent, step, chat)));

        Assert.Equal(("greet", "c-1"), (counted.Operation!.FunctionId, counted.Operation.ConversationId));
    }

    [Fact]
    public void Assemble_AgentArrivingAfterItsCountedChildren_IsNotCounted()
    {
        var assembler = Create();
        var step = Span("chat gpt-4o", "2222222222222222", parent: "1111111111111111", attributes: [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o")]);
        var agent = Span("invoke_agent support", "1111111111111111", attributes: [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.request.model", "gpt-4o")]);

        Assert.Single(Counted(Assemble(assembler, Now, step)));
        Assert.Empty(Counted(Assemble(assembler, Now, agent)));
    }

    [Fact]
    public void Assemble_AgentWithoutModelSpans_CountsAgent()
    {
        var assembler = Create();
        var agent = Span("invoke_agent support", "1111111111111111", attributes: [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.request.model", "gpt-4o")]);
        var tool = Span("execute_tool weather", "2222222222222222", parent: "1111111111111111", durationMs: 100, attributes: [("gen_ai.operation.name", "execute_tool")]);

        var counted = Assert.Single(Counted(Assemble(assembler, Now, tool, agent)));

        Assert.Equal("1111111111111111", counted.SpanId);
    }

    [Fact]
    public void Assemble_NestedChatSpansOfOneCall_CountOnce()
    {
        // Two instrumentations around one call (for example UseOpenTelemetry() and another GenAI middleware).
        var assembler = Create();
        var outer = Span("chat gpt-4o", "1111111111111111", attributes: [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", "10")]);
        var inner = Span("chat gpt-4o", "2222222222222222", parent: "1111111111111111", durationMs: 700, attributes:
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", "10")]);

        Assert.Single(Counted(Assemble(assembler, Now, outer, inner)));
    }

    [Fact]
    public void Assemble_ConcurrentRequestsInAnyOrder_EveryCallCountedExactlyOnce()
    {
        // 400 Vercel calls; each call's span and child span go in separate requests, shuffled over 4 threads, so
        // parents come before, after and alongside their children. Held children that lost their parent to the
        // pending cap or arrived after it are flushed at the end: every call must count once, no more, no less.
        var assembler = Create(maxPending: 50);
        var spans = new List<SpanRecord>();
        for (var i = 0; i < 400; i++)
        {
            var (call, child) = VercelGenerateText($"{(2 * i) + 1:x16}", $"{(2 * i) + 2:x16}", trace: $"{i + 1:x32}");
            spans.Add(call);
            spans.Add(child);
        }

        var shuffled = spans.OrderBy(_ => Random.Shared.Next()).ToList();
        var counted = new System.Collections.Concurrent.ConcurrentBag<SpanRecord>();
        Parallel.ForEach(shuffled.Chunk(3), new ParallelOptions { MaxDegreeOfParallelism = 4 }, chunk =>
        {
            foreach (var span in Counted(Assemble(assembler, Now, chunk)))
            {
                counted.Add(span);
            }
        });
        foreach (var span in assembler.TakeExpired(Now.AddMinutes(1)))
        {
            counted.Add(span);
        }

        Assert.Equal(400, counted.Count);
        Assert.Equal(400, counted.Select(s => s.TraceId).Distinct().Count());
        Assert.All(counted, s => Assert.Equal(100, s.Operation!.InputTokens));
        Assert.Equal(0, assembler.PendingCount);
    }

    [Fact]
    public void Assemble_NonAiSpans_PassThroughWithoutOperation()
    {
        var assembler = Create();
        var http = Span("POST /chat", "1111111111111111", attributes: [("http.request.method", "POST")]);

        var result = Assemble(assembler, Now, http);

        Assert.Same(http, Assert.Single(result));
        Assert.Null(result[0].Operation);
    }
}
