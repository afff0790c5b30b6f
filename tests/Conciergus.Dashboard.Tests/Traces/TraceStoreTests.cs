using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using Microsoft.Extensions.Time.Testing;
using static Conciergus.Dashboard.Tests.Traces.TraceTestData;

namespace Conciergus.Dashboard.Tests.Traces;

public sealed class TraceStoreTests
{
    [Fact]
    public void Add_SpansOfOneTrace_GetReturnsThemLinkedAndDepthOrdered()
    {
        // Arrange: request -> (retrieve, chat -> tool), chat starts after retrieve
        var store = Store();
        var t = TraceId(1);
        store.Add(Span(t, SpanId(4), parent: SpanId(2), name: "tool lookup", offsetMs: 300, durationMs: 50));
        store.Add(Span(t, SpanId(2), parent: SpanId(1), name: "chat gpt-4o", offsetMs: 200, durationMs: 600, operation: Operation(t, SpanId(2))));
        store.Add(Span(t, SpanId(1), name: "POST /ask", durationMs: 1000, status: "ok"));
        store.Add(Span(t, SpanId(3), parent: SpanId(1), name: "retrieve", offsetMs: 10, durationMs: 150));

        // Act
        var detail = store.Get(t);

        // Assert
        Assert.NotNull(detail);
        Assert.Equal(["POST /ask", "retrieve", "chat gpt-4o", "tool lookup"], detail.Spans.Select(n => n.Span.Name));
        Assert.Equal([0, 1, 1, 2], detail.Spans.Select(n => n.Depth));
        Assert.Equal([0d, 10, 200, 300], detail.Spans.Select(n => n.OffsetMs));
        Assert.Equal([false, false, true, false], detail.Spans.Select(n => n.IsAi));
        Assert.Equal(2, detail.Spans[0].ChildCount);
        Assert.Equal("POST /ask", detail.Summary.RootName);
        Assert.Equal(1000, detail.Summary.DurationMs);
        Assert.Equal(4, detail.Summary.SpanCount);
        Assert.Equal(1, detail.Summary.AiSpanCount);
    }

    [Fact]
    public void Add_SameSpanIdTwice_ReplacesNotDuplicates()
    {
        var store = Store();
        var t = TraceId(1);
        store.Add(Span(t, SpanId(1), name: "first", durationMs: 10));

        store.Add(Span(t, SpanId(1), name: "second", durationMs: 20));

        var detail = store.Get(t)!;
        var span = Assert.Single(detail.Spans).Span;
        Assert.Equal("second", span.Name);
        Assert.Equal(1, store.Stats.Spans);
    }

    [Fact]
    public void Add_UpperCaseIds_AreStoredLowerCase()
    {
        var store = Store();

        store.Add(Span("0AF7651916CD43DD8448EB211C80319C", "B7AD6B7169203331"));

        Assert.NotNull(store.Get("0af7651916cd43dd8448eb211c80319c"));
        Assert.Equal("b7ad6b7169203331", store.Get("0AF7651916CD43DD8448EB211C80319C")!.Spans[0].Span.SpanId);
    }

    [Fact]
    public void Accept_OperationWithTraceAndSpanIds_SynthesizesAnAiSpanNamedAfterOperationAndModel()
    {
        var store = Store();
        var t = TraceId(7);

        store.Accept(Operation(t, SpanId(1), parent: SpanId(9), model: "claude-sonnet-4", input: 1200, output: 300, cost: 0.0081m, user: "u-1"));

        var detail = store.Get(t)!;
        var node = Assert.Single(detail.Spans);
        Assert.Equal("chat claude-sonnet-4", node.Span.Name);
        Assert.Equal(SpanId(9), node.Span.ParentSpanId);
        Assert.True(node.IsAi);
        Assert.True(node.ParentMissing);
        Assert.Equal("1200", node.Span.Attributes["gen_ai.usage.input_tokens"]);
        Assert.Equal(1500, detail.Summary.TotalTokens);
        Assert.Equal(0.0081m, detail.Summary.CostUsd);
        Assert.Equal(["u-1"], detail.Summary.UserIds);
    }

    [Fact]
    public void Accept_OperationWithoutSpanId_IsNotStored()
    {
        var store = Store();

        store.Accept(Operation(TraceId(1), spanId: null));
        store.Accept(Operation(traceId: null, spanId: SpanId(1)));

        Assert.Equal(0, store.Stats.Traces);
        Assert.Equal(0, store.Stats.Failures);
    }

    [Fact]
    public void AcceptThenAdd_SameCall_CountedOnceAndKeepsThePricedOperation()
    {
        // Arrange: the collector's priced operation arrives first, then the OTLP span of the same call (unpriced copy)
        var store = Store();
        var t = TraceId(1);
        store.Accept(Operation(t, SpanId(1), cost: 0.02m, input: 100, output: 50));

        // Act
        store.Add(Span(t, SpanId(1), name: "chat gpt-4o", durationMs: 800,
            operation: Operation(t, SpanId(1), cost: null, pricing: PricingStatus.Pending, input: 100, output: 50),
            attributes: new() { ["gen_ai.request.model"] = "gpt-4o", ["http.route"] = "/x" }));

        // Assert: one AI span, the span's own attributes, the priced operation
        var detail = store.Get(t)!;
        var node = Assert.Single(detail.Spans);
        Assert.Equal("/x", node.Span.Attributes["http.route"]);
        Assert.Equal(0.02m, node.Span.Operation!.CostUsd);
        Assert.Equal(1, detail.Summary.AiSpanCount);
        Assert.Equal(150, detail.Summary.TotalTokens);
        Assert.Equal(0.02m, detail.Summary.CostUsd);
    }

    [Fact]
    public void AddThenAccept_SameCall_AttachesTheOperationToTheExistingSpan()
    {
        var store = Store();
        var t = TraceId(1);
        store.Add(Span(t, SpanId(1), name: "ai.generateText.doGenerate", attributes: new() { ["ai.model.id"] = "gpt-4o" }));

        store.Accept(Operation(t, SpanId(1), cost: 0.03m, input: 10, output: 5));
        store.Accept(Operation(t, SpanId(1), cost: 0.03m, input: 10, output: 5)); // reported twice: still one call

        var detail = store.Get(t)!;
        var node = Assert.Single(detail.Spans);
        Assert.Equal("ai.generateText.doGenerate", node.Span.Name);
        Assert.True(node.IsAi);
        Assert.Equal(1, detail.Summary.AiSpanCount);
        Assert.Equal(15, detail.Summary.TotalTokens);
        Assert.Equal(0.03m, detail.Summary.CostUsd);
    }

    [Fact]
    public void Add_MoreTracesThanMax_EvictsTheLeastRecentlyUpdated()
    {
        // Arrange: 3 traces allowed; trace 1 is updated again after trace 2 and 3 arrive
        var store = Store(maxTraces: 3);
        store.Add(Span(TraceId(1), SpanId(1)));
        store.Add(Span(TraceId(2), SpanId(1)));
        store.Add(Span(TraceId(3), SpanId(1)));
        store.Add(Span(TraceId(1), SpanId(2), parent: SpanId(1)));

        // Act
        store.Add(Span(TraceId(4), SpanId(1)));

        // Assert: trace 2 was updated longest ago
        Assert.Null(store.Get(TraceId(2)));
        Assert.NotNull(store.Get(TraceId(1)));
        Assert.NotNull(store.Get(TraceId(3)));
        Assert.NotNull(store.Get(TraceId(4)));
        var stats = store.Stats;
        Assert.Equal(3, stats.Traces);
        Assert.Equal(4, stats.Spans);
        Assert.Equal(1, stats.EvictedTraces);
    }

    [Fact]
    public void Add_FullTrace_DropsNewSpansButStillReplacesKnownOnes()
    {
        var store = Store(maxSpansPerTrace: 2);
        var t = TraceId(1);
        store.Add(Span(t, SpanId(1), name: "a"));
        store.Add(Span(t, SpanId(2), name: "b"));

        store.Add(Span(t, SpanId(3), name: "c"));
        store.Add(Span(t, SpanId(2), name: "b2"));

        var names = store.Get(t)!.Spans.Select(n => n.Span.Name).ToList();
        Assert.Equal(["a", "b2"], names);
        Assert.Equal(1, store.Stats.DroppedSpans);
    }

    [Fact]
    public void Add_MoreSpansThanTotalBound_EvictsOldestTracesAndStaysWithinIt()
    {
        var store = Store(maxTraces: 100, maxSpansPerTrace: 10, maxTotalSpans: 25);
        for (var trace = 0; trace < 10; trace++)
        {
            for (var span = 0; span < 5; span++)
            {
                store.Add(Span(TraceId(trace), SpanId(span)));
            }
        }

        var stats = store.Stats;
        Assert.True(stats.Spans <= 25, $"{stats.Spans} spans kept");
        Assert.Equal(5, stats.Traces);
        Assert.Equal(5, stats.EvictedTraces);
        Assert.NotNull(store.Get(TraceId(9)));
        Assert.Null(store.Get(TraceId(4)));
    }

    [Fact]
    public void Add_InvalidSpan_IsCountedNeverThrown()
    {
        var store = Store();

        store.Add(null!);
        store.Add(Span("", SpanId(1)));
        store.Add(Span(TraceId(1), " "));

        Assert.Equal(3, store.Stats.Failures);
        Assert.Equal(0, store.Stats.Traces);
    }

    [Fact]
    public async Task AddAndAccept_ManyThreads_KeepCountsConsistentAndBounded()
    {
        var store = Store(maxTraces: 50, maxSpansPerTrace: 20, maxTotalSpans: 500);
        var tasks = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = 0; i < 5000; i++)
            {
                var t = TraceId((i / 10) + (worker * 1000));
                if (i % 2 == 0)
                {
                    store.Add(Span(t, SpanId(i % 10)));
                }
                else
                {
                    store.Accept(Operation(t, SpanId(i % 10)));
                }

                if (i % 100 == 0)
                {
                    _ = store.List(new TraceQuery { Limit = 10 });
                }
            }
        }));

        await Task.WhenAll(tasks);

        var stats = store.Stats;
        Assert.True(stats.Traces <= 50);
        Assert.True(stats.Spans <= 500);
        Assert.Equal(0, stats.Failures);
        var page = store.List(new TraceQuery { Limit = 500 });
        Assert.Equal(stats.Traces, page.Total);
        Assert.Equal(stats.Spans, page.Traces.Sum(t => t.SpanCount));
    }

    [Fact]
    public void List_Filters_MatchModelApplicationStatusUserAndDuration()
    {
        // Arrange: four traces with different traits
        var store = Store();
        store.Accept(Operation(TraceId(1), SpanId(1), model: "gpt-4o", application: "shop", user: "u-1", durationMs: 500));
        store.Accept(Operation(TraceId(2), SpanId(1), model: "claude-sonnet-4", application: "shop", user: "u-2", durationMs: 3000));
        store.Accept(Operation(TraceId(3), SpanId(1), model: "gpt-4o", application: "billing", failed: true, durationMs: 1200));
        store.Add(Span(TraceId(4), SpanId(1), name: "GET /health", application: "billing", durationMs: 5));

        // Act / Assert
        Assert.Equal([TraceId(1), TraceId(3)], Ids(store.List(new TraceQuery { Model = "GPT-4o" })));
        Assert.Equal([TraceId(3), TraceId(4)], Ids(store.List(new TraceQuery { Application = "billing" })));
        Assert.Equal([TraceId(3)], Ids(store.List(new TraceQuery { HasError = true })));
        Assert.Equal([TraceId(1), TraceId(2), TraceId(4)], Ids(store.List(new TraceQuery { HasError = false })));
        Assert.Equal([TraceId(2)], Ids(store.List(new TraceQuery { UserId = "u-2" })));
        Assert.Equal([TraceId(2), TraceId(3)], Ids(store.List(new TraceQuery { MinDurationMs = 1000 })));
        Assert.Equal([TraceId(3)], Ids(store.List(new TraceQuery { Model = "gpt-4o", Application = "billing", HasError = true })));
        Assert.Empty(Ids(store.List(new TraceQuery { Model = "gpt-5" })));
    }

    [Fact]
    public void List_Paging_NewestFirstWithTotal()
    {
        var store = Store();
        for (var i = 0; i < 7; i++)
        {
            store.Add(Span(TraceId(i), SpanId(1), offsetMs: i * 1000));
        }

        var first = store.List(new TraceQuery { Limit = 3 });
        var second = store.List(new TraceQuery { Limit = 3, Offset = 3 });
        var last = store.List(new TraceQuery { Limit = 3, Offset = 6 });
        var beyond = store.List(new TraceQuery { Limit = 3, Offset = 10 });

        Assert.Equal([TraceId(6), TraceId(5), TraceId(4)], Ids(first));
        Assert.Equal([TraceId(3), TraceId(2), TraceId(1)], Ids(second));
        Assert.Equal([TraceId(0)], Ids(last));
        Assert.Empty(beyond.Traces);
        Assert.All([first, second, last, beyond], p => Assert.Equal(7, p.Total));
    }

    [Fact]
    public void List_Summary_AddsTokensCostModelsAndErrorsOfAiSpans()
    {
        var store = Store();
        var t = TraceId(1);
        store.Add(Span(t, SpanId(1), name: "POST /agent", durationMs: 5000));
        store.Accept(Operation(t, SpanId(2), parent: SpanId(1), model: "gpt-4o", input: 100, output: 20, cost: 0.01m, offsetMs: 100, failed: true));
        store.Accept(Operation(t, SpanId(3), parent: SpanId(1), model: "gpt-4o-mini", input: 300, output: 40, cost: 0.002m, offsetMs: 1200, user: "u-9"));

        var summary = Assert.Single(store.List(new TraceQuery()).Traces);

        Assert.Equal("POST /agent", summary.RootName);
        Assert.Equal(3, summary.SpanCount);
        Assert.Equal(2, summary.AiSpanCount);
        Assert.Equal(400, summary.InputTokens);
        Assert.Equal(60, summary.OutputTokens);
        Assert.Equal(460, summary.TotalTokens);
        Assert.Equal(0.012m, summary.CostUsd);
        Assert.True(summary.HasError);
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], summary.Models.Order());
        Assert.Equal(["u-9"], summary.UserIds);
        Assert.Equal(5000, summary.DurationMs);
    }

    [Fact]
    public void Waterfall_ParentCycle_ShowsEverySpanOnce()
    {
        var t = TraceId(1);
        SpanRecord[] spans = [Span(t, SpanId(1), parent: SpanId(2)), Span(t, SpanId(2), parent: SpanId(1)), Span(t, SpanId(3), parent: SpanId(3))];

        var nodes = TraceStore.Waterfall(spans, Start);

        Assert.Equal(3, nodes.Count);
        Assert.Equal(3, nodes.Select(n => n.Span.SpanId).Distinct().Count());
    }

    [Fact]
    public async Task ExportAndErase_UserIds_ReachOperationsAndAttributes()
    {
        // Arrange: u-1 in an operation and in a span attribute; u-2 elsewhere
        var store = Store();
        store.Accept(Operation(TraceId(1), SpanId(1), user: "u-1"));
        store.Add(Span(TraceId(2), SpanId(1), attributes: new() { ["enduser.id"] = "u-1", ["http.route"] = "/a" }));
        store.Accept(Operation(TraceId(3), SpanId(1), user: "u-2"));
        ExportProbe probe = new(store);

        // Act
        var exported = await probe.ExportCountAsync("u-1");
        var erased = await store.EraseAsync("u-1");

        // Assert: traces that mention u-1 are removed whole (issue 15 item 7); the other user's trace stays
        Assert.Equal(2, exported);
        Assert.Equal(2, erased);
        Assert.Equal(0, await probe.ExportCountAsync("u-1"));
        Assert.Empty(store.List(new TraceQuery { UserId = "u-1" }).Traces);
        Assert.Single(store.List(new TraceQuery { UserId = "u-2" }).Traces);
        Assert.Null(store.Get(TraceId(1)));
        Assert.Null(store.Get(TraceId(2)));
        Assert.Equal(1, store.Stats.Spans);
        Assert.Equal("traces", store.Name);
    }

    [Fact]
    public void TraceOptionsValidator_BadBounds_SaysWhatIsWrong()
    {
        var failures = TraceOptionsValidator.Check(new TraceOptions { MaxTraces = 0, MaxSpansPerTrace = 500, MaxTotalSpans = 100 });

        Assert.Contains(failures, f => f.Contains("Conciergus:Traces:MaxTraces must be between 1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("MaxTotalSpans (100) must be at least MaxSpansPerTrace (500)", StringComparison.Ordinal));
        Assert.Empty(TraceOptionsValidator.Check(new TraceOptions()));
    }

    [Fact]
    public void LengthOnlyContentRedactor_MessageAttributes_ReplacedByTheirLength()
    {
        var redactor = LengthOnlyContentRedactor.Instance;
        var attributes = new Dictionary<string, string>
        {
            ["gen_ai.input.messages"] = "[{\"role\":\"user\"}]",
            ["ai.response.text"] = "hello",
            ["gen_ai.prompt.0.content"] = "hi",
            ["gen_ai.request.model"] = "gpt-4o",
        };

        var redacted = redactor.RedactAttributes(attributes);

        Assert.Equal("[redacted: 17 chars]", redacted["gen_ai.input.messages"]);
        Assert.Equal("[redacted: 5 chars]", redacted["ai.response.text"]);
        Assert.Equal("[redacted: 2 chars]", redacted["gen_ai.prompt.0.content"]);
        Assert.Equal("gpt-4o", redacted["gen_ai.request.model"]);
        Assert.Equal("hello", attributes["ai.response.text"]);
    }

    private static List<string> Ids(TracePage page) => [.. page.Traces.Select(t => t.TraceId)];

    /// <summary>Counts exported spans through the ISubjectDataStore contract (the export is an anonymous object).</summary>
    private readonly struct ExportProbe(Conciergus.Core.Audit.ISubjectDataStore store)
    {
        public async Task<int> ExportCountAsync(string userId)
        {
            var exported = await store.ExportAsync(userId);
            var json = System.Text.Json.JsonSerializer.SerializeToElement(exported);
            return json.GetProperty("spans").GetArrayLength();
        }
    }
}
