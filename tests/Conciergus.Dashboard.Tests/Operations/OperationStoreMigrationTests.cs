using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Telemetry;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// The query-speed schema (cost DECIMAL(18, 12), metadata_text for metadata filters, the latency sketch's buckets as
/// latency_bucket / ttft_bucket): a file of the earlier schema is migrated on open and then answers exactly as a file
/// written by this version, holds the writer's values column for column, and takes new appends; metadata filters stay
/// exact for hostile keys and values holding the encoding's separators.
/// </summary>
public sealed class OperationStoreMigrationTests
{
    private static readonly DateTimeOffset From = OperationStoreTestData.Start;
    private static readonly DateTimeOffset To = OperationStoreTestData.Start.AddDays(3);

    public static TheoryData<string, string> MetadataFilters() => new()
    {
        { "metadata.tier", "pro" },
        { "metadata.tier", "free,enterprise" },
        { "metadata.region.name", "eu-west" },
        { "metadata.a", "b\u0002c" },
        { "metadata.a\u0002b", "c" },
        { "metadata.x\u0001", "\u0003y" },
        { "metadata.absent", "x" },
    };

    [Theory]
    [MemberData(nameof(MetadataFilters))]
    public async Task OldFile_IsMigratedOnOpen_AndAnswersAsANewFile(string field, string values)
    {
        var operations = Operations();
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        Dictionary<string, string?> written;
        Dictionary<string, string?> writtenBuckets;
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            foreach (var operation in operations)
            {
                Assert.True(host.Store.TryAppend(operation));
            }

            await host.Store.FlushAsync(CancellationToken.None);
            await AssertFilterAsync(host, operations, field, values, "new file");
        }

        // Back to the earlier schema: no metadata_text, cost DECIMAL(38, 12) (what files of earlier sessions hold).
        var file = Path.Combine(directory, "operations.duckdb");
        using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            connection.Open();
            written = MetadataTexts(connection);
            writtenBuckets = SketchBuckets(connection);
            Assert.Contains(written.Values, v => v is not null);
            Execute(connection, """
                DROP VIEW operations_v;
                ALTER TABLE operations DROP COLUMN ttft_bucket;
                ALTER TABLE operations DROP COLUMN latency_bucket;
                ALTER TABLE operations DROP COLUMN metadata_text;
                ALTER TABLE operations ALTER COLUMN cost_usd SET DATA TYPE DECIMAL(38, 12);
                """);
            Assert.Equal("DECIMAL(38,12)", ColumnType(connection, "cost_usd"));
            Assert.Null(ColumnType(connection, "metadata_text"));
            Assert.Null(ColumnType(connection, "latency_bucket"));
        }

        var late = OperationStoreTestData.Generate(20, seed: 12);
        await using (var host = new TempOperationStore(directory: directory) { KeepFiles = true })
        {
            await host.WaitForStateAsync(OperationStoreState.Healthy);
            await AssertFilterAsync(host, operations, field, values, "migrated file");

            // The appender writes by position: a migrated table must take a new row as a new file does.
            foreach (var operation in late)
            {
                Assert.True(host.Store.TryAppend(operation));
            }

            await host.Store.FlushAsync(CancellationToken.None);
            await AssertFilterAsync(host, [.. operations, .. late], field, values, "migrated file after appends");
        }

        using (var connection = new DuckDBConnection($"Data Source={file}"))
        {
            connection.Open();
            Assert.Equal("DECIMAL(18,12)", ColumnType(connection, "cost_usd"));
            var texts = MetadataTexts(connection);
            var buckets = SketchBuckets(connection);
            foreach (var operation in late)
            {
                texts.Remove(operation.OperationId);
                buckets.Remove(operation.OperationId);
            }

            Assert.Equal(written, texts); // the SQL encoding is the writer's, string for string
            Assert.Equal(writtenBuckets, buckets); // DuckDB's ln gives the sketch's buckets, value for value
        }

        Directory.Delete(directory, recursive: true);
    }

    private static async Task AssertFilterAsync(TempOperationStore host, List<AiOperation> operations, string field, string values, string context)
    {
        var filter = new OperationFilter([new FilterClause(field, values.Split(','))]);
        var rows = await host.Store.AggregateAsync(new OperationQuery { From = From, To = To, Filter = filter }, CancellationToken.None);
        var expected = OperationStoreTestData.BruteForce(operations.Where(o => o.EndTime >= From && o.EndTime < To && filter.Matches(o)));
        OperationStoreTestData.AssertSame(expected, Assert.Single(rows), $"{context}: {field}={values}");
        if (field is "metadata.a" or "metadata.a\u0002b" or "metadata.x\u0001")
        {
            Assert.Equal(1, expected.Requests); // each hostile pair selects its one operation, not its look-alike
        }
    }

    private static List<AiOperation> Operations()
    {
        var operations = OperationStoreTestData.Generate(600, seed: 11);
        var hostile = new[]
        {
            new Dictionary<string, string> { ["a"] = "b\u0002c" },
            new Dictionary<string, string> { ["a\u0002b"] = "c" },
            new Dictionary<string, string> { ["x\u0001"] = "\u0003y", ["tier"] = "pro" },
            new Dictionary<string, string> { ["x"] = "\u0001\u0003y" },
        };
        for (var i = 0; i < hostile.Length; i++)
        {
            operations[i] = operations[i] with { Metadata = hostile[i] };
        }

        // Latencies on and next to the sketch's bucket boundaries gamma^i (where ln and rounding could disagree), in
        // the zero bucket, and beyond the sketch's clamp: the migration's SQL must bucket them as the writer does.
        var gamma = (1 + Core.TimeSeries.LatencySketch.RelativeAccuracy) / (1 - Core.TimeSeries.LatencySketch.RelativeAccuracy);
        var edges = new List<double> { 0, 1e-4, 1e-3, 2e12, -5 };
        for (var i = -300; i <= 1300; i += 37)
        {
            var boundary = Math.Pow(gamma, i);
            edges.AddRange([boundary, Math.BitDecrement(boundary), Math.BitIncrement(boundary)]);
        }

        for (var i = 0; i < edges.Count; i++)
        {
            var k = hostile.Length + i;
            operations[k] = operations[k] with { DurationMs = edges[i], TimeToFirstTokenMs = edges[(i + 1) % edges.Count] };
        }

        return operations;
    }

    private static Dictionary<string, string?> MetadataTexts(DuckDBConnection connection) =>
        OperationStoreTestData.Texts(connection, "SELECT operation_id, metadata_text FROM operations");

    private static Dictionary<string, string?> SketchBuckets(DuckDBConnection connection) =>
        OperationStoreTestData.Texts(connection, "SELECT operation_id, latency_bucket || '/' || coalesce(ttft_bucket::VARCHAR, '-') FROM operations");

    private static string? ColumnType(DuckDBConnection connection, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data_type FROM duckdb_columns() WHERE table_name = 'operations' AND column_name = $c";
        command.Parameters.Add(new DuckDBParameter("c", column));
        return command.ExecuteScalar() as string;
    }

    private static void Execute(DuckDBConnection connection, string text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        command.ExecuteNonQuery();
    }
}
