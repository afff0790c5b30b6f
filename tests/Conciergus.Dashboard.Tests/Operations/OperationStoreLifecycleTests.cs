using System.Security.Cryptography;
using System.Text;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Pricing;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>Queue bounds, degraded mode and recovery, erasure down to the file's bytes, retention with archives, re-pricing, spans.</summary>
public sealed class OperationStoreLifecycleTests
{
    [Fact]
    public async Task TryAppend_QueueFullWhileStoreCannotOpen_DropsAndCountsWithoutBlocking()
    {
        // Arrange: a directory where the file should be, so the writer cannot open it and nothing drains the queue
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(directory, "operations.duckdb"));
        await using var host = new TempOperationStore(o => o.QueueCapacity = 5, directory: directory);
        await host.WaitForStateAsync(OperationStoreState.Degraded);
        var operations = OperationStoreTestData.Generate(12);

        // Act
        var accepted = operations.Count(host.Store.TryAppend);

        // Assert
        Assert.Equal(5, accepted);
        var status = host.Store.Status;
        Assert.Equal(7, status.Dropped);
        Assert.Equal(5, status.QueueLength);
        Assert.Contains("is a directory", status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writer_FileBecomesAvailable_RecoversOnItsOwnAndCatchesUp()
    {
        // Arrange: degraded (a directory in the way), with operations waiting in the queue
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        var blocker = Path.Combine(directory, "operations.duckdb");
        Directory.CreateDirectory(blocker);
        await using var host = new TempOperationStore(directory: directory);
        await host.WaitForStateAsync(OperationStoreState.Degraded);
        var operations = OperationStoreTestData.Generate(50);
        Assert.All(operations, o => Assert.True(host.Store.TryAppend(o)));
        await host.Store.FlushAsync(); // returns at once while degraded
        await Assert.ThrowsAsync<OperationStoreUnavailableException>(() =>
            host.Store.AggregateAsync(new OperationQuery { From = OperationStoreTestData.Start, To = OperationStoreTestData.Start.AddDays(3) }));

        // Act: the obstacle goes away; the backoff elapses on the store's clock
        Directory.Delete(blocker);
        host.Time.Advance(host.Options.MaxRetryDelay);
        await host.WaitForStateAsync(OperationStoreState.Healthy);
        await host.Store.FlushAsync();

        // Assert: everything queued while degraded is stored, nothing dropped
        var rows = await host.Store.AggregateAsync(new OperationQuery { From = OperationStoreTestData.Start, To = OperationStoreTestData.Start.AddDays(3) });
        Assert.Equal(operations.Count(o => o.EndTime < OperationStoreTestData.Start.AddDays(3)), rows[0].Requests);
        Assert.Equal(0, host.Store.Status.Dropped);
        Assert.Null(host.Store.Status.Reason);
    }

    [Fact]
    public async Task EraseSubjectAsync_UserWithTraces_FileBytesNoLongerContainTheId()
    {
        // Arrange: the user's operations, a trace naming them in an attribute, and other users' data
        await using var host = new TempOperationStore();
        const string UserId = "erase-me-3f9c2a";
        var operations = OperationStoreTestData.Generate(400);
        operations[3] = operations[3] with { UserId = UserId, TraceId = "0af7651916cd43dd8448eb211c80319c" };
        operations[9] = operations[9] with { UserId = UserId, Metadata = new Dictionary<string, string> { ["note"] = UserId } };
        operations[11] = operations[11] with { UserId = "someone-else", Metadata = new Dictionary<string, string> { ["owner"] = UserId } };
        foreach (var operation in operations)
        {
            host.Store.TryAppend(operation);
        }

        host.Store.TryAppendSpan(Span("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", new() { ["enduser.id"] = UserId }));
        host.Store.TryAppendSpan(Span("0af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331", new() { ["http.route"] = "/chat" }));
        host.Store.TryAppendSpan(Span("1af7651916cd43dd8448eb211c80319c", "d7ad6b7169203331", new() { ["enduser.id"] = "u-1" }));
        await host.Store.FlushAsync();
        Assert.True(FileContains(host.FilePath, UserId) || FileContains(host.FilePath + ".wal", UserId), "the id must be on disk before erasure for the test to mean anything");

        // Act
        var erased = await host.Store.EraseSubjectAsync(UserId);
        await host.Store.DisposeAsync(); // closing checkpoints

        // Assert
        Assert.Equal(3, erased.Operations);
        Assert.Equal(2, erased.Spans);
        Assert.False(FileContains(host.FilePath, UserId), "the database file still contains the erased id");
        Assert.False(File.Exists(host.FilePath + ".wal") && FileContains(host.FilePath + ".wal", UserId));
        Assert.True(FileContains(host.FilePath, "u-42"), "other users' data must stay");
        using var connection = new DuckDBConnection($"Data Source={host.FilePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT count(*) FROM operations), (SELECT count(*) FROM spans)";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.Equal(397, reader.GetInt64(0));
        Assert.Equal(1, reader.GetInt64(1));
    }

    [Fact]
    public async Task PurgeAsync_WithArchive_ParquetRowsEqualPurgedRowsAndHashMatches()
    {
        // Arrange
        var archive = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"), "archive");
        await using var host = new TempOperationStore(o => o.ArchiveDirectory = archive);
        var operations = OperationStoreTestData.Generate(1000, hours: 48);
        foreach (var operation in operations)
        {
            host.Store.TryAppend(operation);
        }

        host.Store.TryAppendSpan(Span("2af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", [], OperationStoreTestData.Start.AddHours(1)));
        host.Store.TryAppendSpan(Span("3af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", [], OperationStoreTestData.Start.AddHours(40)));
        await host.Store.FlushAsync();
        var cutoff = OperationStoreTestData.Start.AddHours(24);
        var due = operations.Count(o => o.EndTime < cutoff);

        // Act
        var purge = await host.Store.PurgeAsync(cutoff);

        // Assert
        Assert.Equal(due, purge.Operations);
        Assert.Equal(1, purge.Spans);
        Assert.Equal(2, purge.ArchiveFiles.Count);
        var operationsFile = purge.ArchiveFiles.Single(f => Path.GetFileName(f.Path).StartsWith("operations-", StringComparison.Ordinal));
        Assert.Equal(due, operationsFile.Rows);
        foreach (var file in purge.ArchiveFiles)
        {
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file.Path))), file.Sha256);
        }

        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), min(end_time) FROM read_parquet('{operationsFile.Path.Replace("'", "''", StringComparison.Ordinal)}') WHERE end_time < TIMESTAMP '2026-03-02 00:00:00'";
        using var reader = command.ExecuteReader();
        reader.Read();
        Assert.Equal(due, reader.GetInt64(0));
        var rest = await host.Store.AggregateAsync(new OperationQuery { From = DateTimeOffset.UnixEpoch, To = OperationStoreTestData.Start.AddDays(10) });
        Assert.Equal(operations.Count - due, rest[0].Requests);
    }

    [Fact]
    public async Task UpdateCostsAsync_RepricedWithCurrentCatalog_StaleCountGoesToZero()
    {
        // Arrange: operations priced with a version the current catalog does not have (an older catalog)
        var catalog = PriceCatalog.CreateBuiltIn();
        await using var host = new TempOperationStore(catalog: catalog);
        var calculator = new CostCalculator(catalog);
        var operations = OperationStoreTestData.Generate(200)
            .Select(o => o with { RequestModel = "gpt-4o", ResponseModel = null, Pricing = PricingStatus.Priced, CostUsd = 1m, PriceVersion = "gpt-4o@2020-01-01" })
            .ToList();
        foreach (var operation in operations)
        {
            host.Store.TryAppend(operation);
        }

        await host.Store.FlushAsync();
        var query = new OperationQuery { From = OperationStoreTestData.Start, To = OperationStoreTestData.Start.AddDays(3), CountStalePriced = true };
        var before = (await host.Store.AggregateAsync(query))[0];
        var notAsked = (await host.Store.AggregateAsync(query with { CountStalePriced = false }))[0];

        // Act
        var result = await new OperationRepricer(host.Store, calculator).RecomputeAsync(query.From, query.To);
        var after = (await host.Store.AggregateAsync(query))[0];

        // Assert
        Assert.Equal(before.Requests, before.StalePricedRequests);
        Assert.Equal(0, notAsked.StalePricedRequests); // not asked, not joined; the other figures the same
        Assert.Equal((before.Requests, before.CostUsd, before.InputTokens), (notAsked.Requests, notAsked.CostUsd, notAsked.InputTokens));
        Assert.Equal(before.Requests, result.Updated);
        Assert.Equal(0, after.StalePricedRequests);
        var expected = operations.Where(o => o.EndTime < query.To)
            .Sum(o => Math.Round(calculator.Calculate(o with { Pricing = PricingStatus.Pending, CostUsd = null, PriceVersion = null }).CostUsd!.Value, 12));
        Assert.Equal(expected, after.CostUsd);
        Assert.NotEqual(before.CostUsd, after.CostUsd);
    }

    [Fact]
    public async Task ReadTraceAsync_StoredSpansAndOperations_JoinedAndSynthesized()
    {
        // Arrange: an OTLP span with its (priced) operation, and a middleware operation of the same trace with no span
        await using var host = new TempOperationStore();
        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var priced = OperationStoreTestData.Generate(2);
        var fromSpan = priced[0] with { OperationId = "00f067aa0ba902b7", TraceId = TraceId, SpanId = "00f067aa0ba902b7" };
        var middleware = priced[1] with { OperationId = "mw-1", TraceId = TraceId, SpanId = "10f067aa0ba902b7", ParentSpanId = "00f067aa0ba902b7" };
        host.Store.TryAppend(fromSpan);
        host.Store.TryAppend(middleware);
        host.Store.TryAppendSpan(Span(TraceId, "00f067aa0ba902b7", new() { ["gen_ai.request.model"] = "gpt-4o" }, fromSpan.StartTime) with { Operation = fromSpan with { CostUsd = null } });
        await host.Store.FlushAsync();

        // Act
        var spans = await host.Store.ReadTraceAsync(TraceId);
        var streamed = new List<SpanRecord>();
        await foreach (var span in host.Store.ReadSpansAsync(DateTimeOffset.UnixEpoch, OperationStoreTestData.Start.AddDays(5)))
        {
            streamed.Add(span);
        }

        // Assert
        Assert.Equal(2, spans.Count);
        var otlp = spans.Single(s => s.SpanId == "00f067aa0ba902b7");
        Assert.Equal("gpt-4o", otlp.Attributes["gen_ai.request.model"]);
        Assert.Equal(fromSpan.CostUsd, otlp.Operation!.CostUsd); // the stored, priced copy
        Assert.Equal("mw-1", spans.Single(s => s.SpanId == "10f067aa0ba902b7").Operation!.OperationId);
        Assert.Equal("00f067aa0ba902b7", Assert.Single(streamed).SpanId);
        Assert.Empty(await host.Store.ReadTraceAsync("ffffffffffffffffffffffffffffffff"));
    }

    [Fact]
    public async Task TraceSink_SpansOfAiTraces_StoredOthersOnlyPassedOn()
    {
        // Arrange
        await using var host = new TempOperationStore();
        var inner = new RecordingSink();
        var sink = new OperationStoreTraceSink(inner, host.Store);
        var operation = OperationStoreTestData.Generate(1)[0];

        // Act
        sink.Add(Span("5af7651916cd43dd8448eb211c80319c", "a7ad6b7169203331", []) with { Operation = operation });
        sink.Add(Span("5af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", [])); // parent of the AI call, later
        sink.Add(Span("6af7651916cd43dd8448eb211c80319c", "c7ad6b7169203331", [])); // a trace with no AI call
        await host.Store.FlushAsync();

        // Assert
        Assert.Equal(3, inner.Spans.Count);
        Assert.Equal(2, host.Store.Status.SpansAppended);
        Assert.Equal(2, (await host.Store.ReadTraceAsync("5af7651916cd43dd8448eb211c80319c")).Count);
    }

    [Fact]
    public async Task DisposeAsync_QueuedItems_CommittedBeforeClose()
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        var operations = OperationStoreTestData.Generate(500);
        await using (var first = new TempOperationStore(directory: directory))
        {
            await first.WaitForStateAsync(OperationStoreState.Healthy);
            foreach (var operation in operations)
            {
                first.Store.TryAppend(operation);
            }

            await first.Store.DisposeAsync(); // no flush: closing must commit what is queued
            await using var second = new TempOperationStore(directory: directory + "-unused");
            using var connection = new DuckDBConnection($"Data Source={first.FilePath}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM operations";
            Assert.Equal(500L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    private static SpanRecord Span(string traceId, string spanId, Dictionary<string, string> attributes, DateTimeOffset? start = null) => new()
    {
        TraceId = traceId,
        SpanId = spanId,
        Name = "chat gpt-4o",
        StartTime = start ?? OperationStoreTestData.Start.AddHours(2),
        DurationMs = 120,
        Attributes = attributes,
    };

    private static bool FileContains(string path, string text) =>
        File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private sealed class RecordingSink : ITraceSink
    {
        public List<SpanRecord> Spans { get; } = [];

        public void Add(SpanRecord span) => Spans.Add(span);
    }
}
