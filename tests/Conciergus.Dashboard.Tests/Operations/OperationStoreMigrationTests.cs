using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Telemetry;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// The query-speed schema (cost DECIMAL(18, 12), metadata_text for metadata filters): a file of the earlier schema is
/// migrated on open and then answers exactly as a file written by this version; metadata filters stay exact for hostile
/// keys and values holding the encoding's separators.
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
            Assert.Contains(written.Values, v => v is not null);
            Execute(connection, """
                DROP VIEW operations_v;
                ALTER TABLE operations DROP COLUMN metadata_text;
                ALTER TABLE operations ALTER COLUMN cost_usd SET DATA TYPE DECIMAL(38, 12);
                """);
            Assert.Equal("DECIMAL(38,12)", ColumnType(connection, "cost_usd"));
            Assert.Null(ColumnType(connection, "metadata_text"));
        }

        await using (var host = new TempOperationStore(directory: directory))
        {
            await host.WaitForStateAsync(OperationStoreState.Healthy);
            await AssertFilterAsync(host, operations, field, values, "migrated file");
            await host.Store.DisposeAsync();
            using var connection = new DuckDBConnection($"Data Source={file}");
            connection.Open();
            Assert.Equal("DECIMAL(18,12)", ColumnType(connection, "cost_usd"));
            Assert.Equal(written, MetadataTexts(connection)); // the SQL encoding is the writer's, string for string
        }
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

        return operations;
    }

    private static Dictionary<string, string?> MetadataTexts(DuckDBConnection connection) =>
        OperationStoreTestData.Texts(connection, "SELECT operation_id, metadata_text FROM operations");

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
