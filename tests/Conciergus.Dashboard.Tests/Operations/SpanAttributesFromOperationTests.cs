using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// An AI span's row stored without the attributes its operation row rebuilds exactly (<see cref="SpanAttributeText"/>,
/// issue 14 (a)): the trace API, a restart and the <c>spans_v</c> view give back exactly the ingested attributes in their
/// order; look-alike values stay whole; rows of the earlier shape read as before; erasure still finds a left-out value.
/// </summary>
public sealed class SpanAttributesFromOperationTests
{
    private const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string SpanId = "00f067aa0ba902b7";

    /// <summary>The LoadGen's AI span attributes, in the order the OTLP ingestor hands them over.</summary>
    private static Dictionary<string, string> LoadGenAttributes() => new(StringComparer.Ordinal)
    {
        ["gen_ai.operation.name"] = "chat",
        ["gen_ai.provider.name"] = "openai",
        ["gen_ai.request.model"] = "gpt-4o",
        ["server.address"] = "api.openai.com",
        ["server.port"] = "443",
        ["gen_ai.request.max_tokens"] = "1024",
        ["gen_ai.request.temperature"] = "0.2",
        ["gen_ai.response.model"] = "gpt-4o-2024-08-06",
        ["gen_ai.response.id"] = "chatcmpl-1",
        ["gen_ai.usage.input_tokens"] = "1200",
        ["gen_ai.usage.output_tokens"] = "80",
        ["gen_ai.response.finish_reasons"] = "[\"stop\"]",
    };

    [Fact]
    public async Task ReadTraceAsync_AiSpanWithItsOperation_SameAttributesInOrder_BeforeAndAfterRestartAndInTheView()
    {
        // Arrange
        var directory = NewDirectory();
        var (operation, span) = AiCall(LoadGenAttributes());

        // Act
        var read = await WriteAndReadAsync(directory, operation, span);

        // Assert: exactly the ingested pairs, in order
        Assert.Equal(span.Attributes.ToList(), read.Attributes.ToList());

        // Stored short: the seven rebuildable attributes are markers, the other five whole
        var text = RawTexts(Path.Combine(directory, "operations.duckdb"))[SpanId]!;
        Assert.Equal(7, text.Split(SpanAttributeText.Marker).Length - 1);
        Assert.DoesNotContain("gen_ai.request.model", text, StringComparison.Ordinal);
        Assert.Contains(MetadataText.Pair("server.address", "api.openai.com"), text, StringComparison.Ordinal);
        Assert.True(text.Length * 2 < MetadataText.Encode(span.Attributes, new())!.Length, text);

        await using (var reopened = new TempOperationStore(directory: directory))
        {
            await reopened.WaitForStateAsync(OperationStoreState.Healthy);
            Assert.Equal(span.Attributes.ToList(), (await reopened.Store.ReadTraceAsync(TraceId)).Single().Attributes.ToList());
            var streamed = await ReadSpansAsync(reopened.Store);
            Assert.Equal(span.Attributes.ToList(), streamed.Single().Attributes.ToList());
            await reopened.Store.DisposeAsync();
            Assert.Equal(Sorted(span.Attributes), Sorted(ViewAttributes(reopened.FilePath)));
        }
    }

    public static TheoryData<string, string> LookAlikes() => new()
    {
        { "gen_ai.request.model", "gpt-4o-mini" }, // another model than the operation's
        { "gen_ai.request.model", "gpt-4o\0" }, // the operation's model and a NUL
        { "gen_ai.provider.name", "OpenAI" }, // case
        { "gen_ai.usage.input_tokens", "01200" }, // the same number, other text
        { "gen_ai.usage.input_tokens", "1200.0" },
        { "gen_ai.usage.output_tokens", "" },
        { "gen_ai.response.finish_reasons", "[\"stop\",\"length\"]" },
        { "gen_ai.response.finish_reasons", "[ \"stop\" ]" },
        { "gen_ai.response.model", "gpt-4o-2024-08-06 " },
        { "gen_ai.operation.name", "chat\u0001x" },
    };

    [Theory]
    [MemberData(nameof(LookAlikes))]
    public async Task ReadTraceAsync_ValueThatDiffersFromTheOperation_StoredWholeAndReadExactly(string key, string value)
    {
        // Arrange
        var attributes = LoadGenAttributes();
        attributes[key] = value;
        var (operation, span) = AiCall(attributes);
        var directory = NewDirectory();

        // Act
        var read = await WriteAndReadAsync(directory, operation, span);

        // Assert
        Assert.Equal(attributes.ToList(), read.Attributes.ToList());

        var text = RawTexts(Path.Combine(directory, "operations.duckdb"))[SpanId]!;
        Assert.Contains(MetadataText.Pair(key, value), text, StringComparison.Ordinal);
        Assert.Equal(6, text.Split(SpanAttributeText.Marker).Length - 1);
        Directory.Delete(directory, recursive: true);
    }

    public static TheoryData<string> NotLeftToTheOperation() => new() { "ends later", "other trace", "operation id twice", "no operation row" };

    [Theory]
    [MemberData(nameof(NotLeftToTheOperation))]
    public async Task TryAppendSpan_SpanThatCouldOutliveOrMissItsOperationRow_StoredWhole(string when)
    {
        // Arrange
        var (operation, span) = AiCall(LoadGenAttributes());
        span = when switch
        {
            "ends later" => span with { DurationMs = operation.DurationMs + 1 }, // retention would delete the operation first
            "other trace" => span with { Operation = operation with { TraceId = "5bf92f3577b34da6a3ce929d0e0e4736" } },
            _ => span,
        };
        var directory = NewDirectory();
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            if (when != "no operation row")
            {
                host.Store.TryAppend(span.Operation!);
            }

            if (when == "operation id twice")
            {
                host.Store.TryAppend(operation with { RequestModel = "gpt-4o-mini" });
            }

            host.Store.TryAppendSpan(span);

            // Act
            await host.Store.FlushAsync();

            // Assert
            Assert.Equal(span.Attributes.ToList(), (await host.Store.ReadTraceAsync(TraceId)).First(s => s.SpanId == SpanId).Attributes.ToList());
        }

        var text = RawTexts(Path.Combine(directory, "operations.duckdb"))[SpanId];
        Assert.Equal(MetadataText.Encode(span.Attributes, new()), text);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ReadTraceAsync_RowOfTheEarlierShape_ReadExactlyAsBefore()
    {
        // Arrange: the row as the earlier writer stored it (every attribute whole), beside its operation row
        var directory = NewDirectory();
        var (operation, span) = AiCall(LoadGenAttributes());
        await WriteAndReadAsync(directory, operation, span);
        var file = Path.Combine(directory, "operations.duckdb");
        using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE spans SET attributes_text = $text";
            command.Parameters.Add(new DuckDBParameter("text", MetadataText.Encode(span.Attributes, new())));
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        // Act
        await using var reopened = new TempOperationStore(directory: directory);
        await reopened.WaitForStateAsync(OperationStoreState.Healthy);
        var read = (await reopened.Store.ReadTraceAsync(TraceId)).Single();

        // Assert
        Assert.Equal(span.Attributes.ToList(), read.Attributes.ToList());
        await reopened.Store.DisposeAsync();
        Assert.Equal(Sorted(span.Attributes), Sorted(ViewAttributes(reopened.FilePath)));
    }

    [Theory]
    [InlineData("u-erased", "enduser.id")] // the usual case: the user's id in a span attribute
    [InlineData("acme-provider", "gen_ai.provider.name")] // the id is a value left to the operation (which erasure's operation match does not search)
    public async Task EraseSubjectAsync_IdInTheSpanAttributes_ErasesTheTrace(string userId, string key)
    {
        // Arrange
        var attributes = LoadGenAttributes();
        attributes[key] = userId;
        var (operation, span) = AiCall(attributes);
        operation = operation with { Provider = attributes["gen_ai.provider.name"] };
        span = span with { Operation = operation };
        await using var host = new TempOperationStore();
        host.Store.TryAppend(operation);
        host.Store.TryAppendSpan(span);
        var (other, otherSpan) = AiCall(LoadGenAttributes(), "6bf92f3577b34da6a3ce929d0e0e4736", "10f067aa0ba902b7");
        host.Store.TryAppend(other);
        host.Store.TryAppendSpan(otherSpan);
        await host.Store.FlushAsync();

        // Act
        var erased = await host.Store.EraseSubjectAsync(userId);

        // Assert: the stored span rows of that trace only (an operation that does not mention the id stays, as before)
        Assert.Equal(1, erased.Spans);
        Assert.Equal([other.TraceId], (await ReadSpansAsync(host.Store)).Select(s => s.TraceId));
    }

    [Fact]
    public void Decode_MarkerWithoutOperation_LeftOutAndTheRestInOrder()
    {
        var (operation, span) = AiCall(LoadGenAttributes());
        var text = SpanAttributeText.Encode(span.Attributes, operation, new())!;

        Assert.Equal(span.Attributes.ToList(), SpanAttributeText.Decode(text, operation).ToList());
        string[] kept = ["server.address", "server.port", "gen_ai.request.max_tokens", "gen_ai.request.temperature", "gen_ai.response.id"];
        Assert.Equal(span.Attributes.Where(p => kept.Contains(p.Key)).ToList(), SpanAttributeText.Decode(text, null).ToList());
    }

    private static (AiOperation Operation, SpanRecord Span) AiCall(Dictionary<string, string> attributes, string traceId = TraceId, string spanId = SpanId)
    {
        var start = OperationStoreTestData.Start.AddHours(3);
        var operation = new AiOperation
        {
            OperationId = spanId,
            TraceId = traceId,
            SpanId = spanId,
            StartTime = start,
            DurationMs = 850,
            Operation = "chat",
            Provider = "openai",
            RequestModel = "gpt-4o",
            ResponseModel = "gpt-4o-2024-08-06",
            InputTokens = 1200,
            OutputTokens = 80,
            Application = "support-bot",
            FinishReasons = ["stop"],
            UserId = attributes.GetValueOrDefault("enduser.id"),
        };
        var span = new SpanRecord
        {
            TraceId = traceId,
            SpanId = spanId,
            Name = "chat gpt-4o",
            Kind = "client",
            StartTime = start,
            DurationMs = 850,
            Application = "support-bot",
            Attributes = attributes,
            Operation = operation,
        };
        return (operation, span);
    }

    /// <summary>Stores the operation and its span in one commit in a file kept in <paramref name="directory"/>; the span as the trace API reads it back.</summary>
    private static async Task<SpanRecord> WriteAndReadAsync(string directory, AiOperation operation, SpanRecord span)
    {
        await using var host = new TempOperationStore(directory: directory) { KeepFiles = true };
        host.Store.TryAppend(operation);
        host.Store.TryAppendSpan(span);
        await host.Store.FlushAsync();
        return (await host.Store.ReadTraceAsync(span.TraceId)).Single();
    }

    private static async Task<List<SpanRecord>> ReadSpansAsync(DuckDbOperationStore store)
    {
        var result = new List<SpanRecord>();
        await foreach (var span in store.ReadSpansAsync(OperationStoreTestData.Start, OperationStoreTestData.Start.AddDays(1)))
        {
            result.Add(span);
        }

        return result;
    }

    private static string NewDirectory() => Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));

    private static Dictionary<string, string?> RawTexts(string file)
    {
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        return OperationStoreTestData.Texts(connection, "SELECT span_id, attributes_text FROM spans");
    }

    private static List<(string Key, string Value)> Sorted(IEnumerable<KeyValuePair<string, string>> pairs) =>
        [.. pairs.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal)];

    private static Dictionary<string, string> ViewAttributes(string file)
    {
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT map_keys(attributes), map_values(attributes) FROM spans_v";
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        var pairs = reader.GetFieldValue<List<string>>(0).Zip(reader.GetFieldValue<List<string>>(1)).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        Assert.False(reader.Read());
        return pairs;
    }
}
