using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>
/// The writer hands strings to DuckDB as UTF-8 bytes from one reused buffer (<see cref="AppendScratch"/>) instead of
/// DuckDB.NET's string overload: every string must still come back exactly, including the empty string (not NULL),
/// an embedded NUL, text longer than the first buffer, and hostile text.
/// </summary>
public sealed class AppendScratchTests
{
    /// <summary>Value appended, value expected back. A lone surrogate is not valid UTF-16: it is stored as U+FFFD (EF BF BD).</summary>
    public static TheoryData<string?, string?> Strings() => new()
    {
        { null, null },
        { "", "" },
        { "a", "a" },
        { "é\u200b中文 🙂 ✓", "é\u200b中文 🙂 ✓" },
        { "a\0b", "a\0b" },
        { "quote'\"`); DROP TABLE t; --\r\n\t", "quote'\"`); DROP TABLE t; --\r\n\t" },
        { new string('x', 1000) + "✓", new string('x', 1000) + "✓" },
        { string.Concat(Enumerable.Repeat("🙂中", 2000)), string.Concat(Enumerable.Repeat("🙂中", 2000)) },
        { "\ud800", "\ufffd" },
    };

    [Theory]
    [MemberData(nameof(Strings))]
    public void Append_String_ReadsBackExactly(string? value, string? expected)
    {
        // Arrange: a short value first and after, so the buffer is reused across sizes.
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE t (i INTEGER, s VARCHAR)";
            create.ExecuteNonQuery();
        }

        var scratch = new AppendScratch();

        // Act
        using (var appender = connection.CreateAppender("t"))
        {
            foreach (var (i, s) in new[] { (0, "before"), (1, value), (2, "after") })
            {
                var row = appender.CreateRow().AppendValue(i);
                scratch.Append(row, s);
                row.EndRow();
            }
        }

        // Assert
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT s FROM t ORDER BY i";
        using var reader = read.ExecuteReader();
        var back = new List<string?>();
        while (reader.Read())
        {
            back.Add(reader.IsDBNull(0) ? null : reader.GetString(0));
        }

        Assert.Equal(["before", expected, "after"], back);
    }

    [Fact]
    public async Task ReadAsync_OperationWithEmptyAndUnicodeStrings_ComesBackAsWritten()
    {
        // Arrange
        await using var host = new TempOperationStore();
        var written = OperationStoreTestData.Generate(1)[0] with
        {
            UserId = "",
            SessionId = "s-\0-中文",
            FunctionId = "🙂",
            Error = new ErrorDetails { Type = "429", Message = "rate \"limit\"\nreached" },
            Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["tier"] = "", ["é"] = "✓" },
        };
        Assert.True(host.Store.TryAppend(written));
        await host.Store.FlushAsync();

        // Act
        var read = new List<AiOperation>();
        await foreach (var operation in host.Store.ReadAsync(written.StartTime.AddHours(-1), written.EndTime.AddHours(1), OperationFilter.Empty, CancellationToken.None))
        {
            read.Add(operation);
        }

        // Assert
        var back = Assert.Single(read);
        Assert.Equal("", back.UserId);
        Assert.Equal("s-\0-中文", back.SessionId);
        Assert.Equal("🙂", back.FunctionId);
        Assert.Equal("rate \"limit\"\nreached", back.Error?.Message);
        Assert.Equal(written.OperationId, back.OperationId);
        Assert.Equal(written.Provider, back.Provider);
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal) { ["tier"] = "", ["é"] = "✓" }, back.Metadata);
    }
}
