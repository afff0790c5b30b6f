using System.Text;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// Span attributes stored as one escaped string (<c>attributes_text</c>, issue 14 (a): cheaper to write than two lists):
/// hostile keys and values come back exactly (from the store, and as the <c>spans_v</c> MAP), files of the earlier
/// schema (two VARCHAR[] lists) are migrated on open and go on taking spans, and erasure still finds an id inside them.
/// </summary>
public sealed class SpanAttributesTextTests
{
    private const string TraceId = "7bf92f3577b34da6a3ce929d0e0e4736";

    /// <summary>The separators and their escape, look-alikes of the escape, quotes, SQL, newlines, unicode, empty strings.</summary>
    private static readonly Dictionary<string, string> Hostile = new(StringComparer.Ordinal)
    {
        ["gen_ai.request.model"] = "gpt-4o",
        ["a\u0001b"] = "c\u0002d",
        ["\u0003"] = "\u0003\u0011",
        ["\u0003\u0012x"] = "\u0001\u0002\u0003",
        ["\u0011\u0012\u0013"] = "\u0013",
        [""] = "empty key",
        ["empty value"] = "",
        ["quote'\"`"] = "'); DROP TABLE spans; --",
        ["multi\nline\r\n"] = "tab\there",
        ["unicode ✓ 中文 🙂"] = "é\u200b\ud83d\ude00",
        ["back\\slash"] = "\\u0001 not a separator",
        ["x"] = "\u0002\u0001",
    };

    public static TheoryData<int> Sizes() => new() { 0, 1, 2, 5, 12 };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void EncodeDecode_HostilePairs_RoundTripExactly(int take)
    {
        var pairs = Hostile.Take(take).ToDictionary(StringComparer.Ordinal);
        var text = MetadataText.Encode(pairs, new StringBuilder());
        if (take == 0)
        {
            Assert.Null(text);
            return;
        }

        Assert.Equal(Sorted(pairs), Sorted(MetadataText.Decode(text!)));
        foreach (var (key, value) in pairs)
        {
            Assert.Contains(MetadataText.Pair(key, value), text, StringComparison.Ordinal);
            Assert.Contains(MetadataText.Value(value), text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ReadTraceAsync_HostileAttributes_RoundTripThroughTheFileAndTheView()
    {
        // Arrange
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            Assert.True(host.Store.TryAppendSpan(Span("a7ad6b7169203331", Hostile)));
            Assert.True(host.Store.TryAppendSpan(Span("b7ad6b7169203331", [])));
            await host.Store.FlushAsync();

            // Act
            var spans = await host.Store.ReadTraceAsync(TraceId);

            // Assert
            Assert.Equal(Sorted(Hostile), Sorted(spans.Single(s => s.SpanId == "a7ad6b7169203331").Attributes));
            Assert.Empty(spans.Single(s => s.SpanId == "b7ad6b7169203331").Attributes);
        }

        // After a restart (reopen), and as the MAP of the ad-hoc SQL view
        await using (var reopened = new TempOperationStore(directory: directory))
        {
            await reopened.WaitForStateAsync(OperationStoreState.Healthy);
            Assert.Equal(Sorted(Hostile), Sorted((await reopened.Store.ReadTraceAsync(TraceId)).Single(s => s.SpanId == "a7ad6b7169203331").Attributes));
            await reopened.Store.DisposeAsync();
            var views = ViewAttributes(reopened.FilePath);
            Assert.Equal(Sorted(Hostile), Sorted(views["a7ad6b7169203331"]));
            Assert.Empty(views["b7ad6b7169203331"]);
        }
    }

    [Fact]
    public async Task OldFile_AttributeLists_MigratedOnOpen_ReadAsBefore_AndNewSpansAppend()
    {
        // Arrange: a file written by this version, then its spans table rebuilt in the earlier schema (two lists before operation_id)
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        var operation = OperationStoreTestData.Generate(1)[0] with { OperationId = "a7ad6b7169203331", TraceId = TraceId, SpanId = "a7ad6b7169203331" };
        Dictionary<string, string?> written;
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            host.Store.TryAppend(operation);
            host.Store.TryAppendSpan(Span("a7ad6b7169203331", Hostile) with { Operation = operation });
            host.Store.TryAppendSpan(Span("b7ad6b7169203331", new() { ["http.route"] = "/chat" }));
            host.Store.TryAppendSpan(Span("c7ad6b7169203331", []));
            await host.Store.FlushAsync();
        }

        var file = Path.Combine(directory, "operations.duckdb");
        using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            connection.Open();
            written = AttributeTexts(connection);
            Execute(connection, """
                CREATE TABLE spans_old (
                    trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, parent_span_id VARCHAR, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
                    start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL, duration_ms DOUBLE NOT NULL, status VARCHAR NOT NULL,
                    status_message VARCHAR, application VARCHAR NOT NULL, attribute_keys VARCHAR[], attribute_values VARCHAR[], operation_id VARCHAR);
                INSERT INTO spans_old SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.kind, s.start_time, s.end_time, s.duration_ms, s.status, s.status_message,
                    s.application, CASE WHEN s.attributes_text IS NOT NULL THEN map_keys(v.attributes) END, CASE WHEN s.attributes_text IS NOT NULL THEN map_values(v.attributes) END, s.operation_id
                    FROM spans s JOIN spans_v v ON v.trace_id = s.trace_id AND v.span_id = s.span_id;
                DROP VIEW spans_v;
                DROP TABLE spans;
                ALTER TABLE spans_old RENAME TO spans;
                CREATE VIEW spans_v AS SELECT * EXCLUDE (attribute_keys, attribute_values), map(coalesce(attribute_keys, []), coalesce(attribute_values, [])) AS attributes FROM spans;
                """);
            Assert.Equal(3L, Scalar(connection, "SELECT count(*) FROM spans WHERE attribute_keys IS NOT NULL OR span_id = 'c7ad6b7169203331'"));
        }

        // Act: open the earlier file, then write a span into the migrated table
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            await host.WaitForStateAsync(OperationStoreState.Healthy);
            host.Store.TryAppendSpan(Span("d7ad6b7169203331", new() { ["late"] = "\u0001after migration" }));
            await host.Store.FlushAsync();

            // Assert: read as before, the operation joined, the new span in the right columns
            var spans = await host.Store.ReadTraceAsync(TraceId);
            var ai = spans.Single(s => s.SpanId == "a7ad6b7169203331");
            Assert.Equal(Sorted(Hostile), Sorted(ai.Attributes));
            Assert.Equal(operation.OperationId, ai.Operation?.OperationId);
            Assert.Equal("/chat", spans.Single(s => s.SpanId == "b7ad6b7169203331").Attributes["http.route"]);
            Assert.Empty(spans.Single(s => s.SpanId == "c7ad6b7169203331").Attributes);
            var late = spans.Single(s => s.SpanId == "d7ad6b7169203331");
            Assert.Equal("\u0001after migration", late.Attributes["late"]);
            Assert.Null(late.Operation);
        }

        using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            connection.Open();
            var migrated = AttributeTexts(connection);
            migrated.Remove("d7ad6b7169203331");
            Assert.Equal(written, migrated); // the SQL encoding is the writer's, string for string
            Assert.Equal(0L, Scalar(connection, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'spans' AND column_name LIKE 'attribute\\_%' ESCAPE '\\'"));
        }

        Directory.Delete(directory, recursive: true);
    }

    [Theory]
    [InlineData("u7", "u77")] // shorter than 3: a whole value only
    [InlineData("user\u0001with-separator", "user-with-separator")] // escaped like the stored text
    public async Task EraseSubjectAsync_IdInsideAttributes_ErasesThatTraceOnly(string id, string lookAlike)
    {
        // Arrange
        await using var host = new TempOperationStore();
        host.Store.TryAppendSpan(Span("a7ad6b7169203331", new() { ["enduser.id"] = id }));
        host.Store.TryAppendSpan(Span("b7ad6b7169203331", new() { ["enduser.id"] = lookAlike }, "1bf92f3577b34da6a3ce929d0e0e4736"));
        await host.Store.FlushAsync();

        // Act
        var erased = await host.Store.EraseSubjectAsync(id);

        // Assert
        Assert.Equal(1, erased.Spans);
        Assert.Empty(await host.Store.ReadTraceAsync(TraceId));
        Assert.Single(await host.Store.ReadTraceAsync("1bf92f3577b34da6a3ce929d0e0e4736"));
    }

    private static List<(string Key, string Value)> Sorted(IReadOnlyDictionary<string, string> pairs) =>
        [.. pairs.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key, StringComparer.Ordinal)];

    private static SpanRecord Span(string spanId, Dictionary<string, string> attributes, string traceId = TraceId) => new()
    {
        TraceId = traceId,
        SpanId = spanId,
        Name = "chat gpt-4o",
        StartTime = OperationStoreTestData.Start.AddHours(2),
        DurationMs = 120,
        Attributes = attributes,
    };

    private static Dictionary<string, Dictionary<string, string>> ViewAttributes(string file)
    {
        using var connection = new DuckDBConnection($"Data Source={file}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT span_id, map_keys(attributes), map_values(attributes) FROM spans_v";
        using var reader = command.ExecuteReader();
        var result = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var keys = reader.GetFieldValue<List<string>>(1);
            var values = reader.GetFieldValue<List<string>>(2);
            result[reader.GetString(0)] = keys.Zip(values).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal);
        }

        return result;
    }

    private static Dictionary<string, string?> AttributeTexts(DuckDBConnection connection) =>
        OperationStoreTestData.Texts(connection, "SELECT span_id, attributes_text FROM spans");

    private static long Scalar(DuckDBConnection connection, string text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(DuckDBConnection connection, string text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        command.ExecuteNonQuery();
    }
}
