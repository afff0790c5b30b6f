using System.Text;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using LiteDB;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class DecisionLogTests
{
    [Fact]
    public async Task Record_20000OperationsFromFourThreads_EveryOneWrittenAndChainVerifies()
    {
        await using var host = new ComplianceTestHost(checkpointInterval: 5_000);
        const int PerThread = 5_000;

        var threads = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < PerThread; i++)
            {
                host.Collector.Record(host.Operation($"user-{t}-{i % 50}"));
            }
        })).ToArray();
        await Task.WhenAll(threads);
        await host.Decisions.WaitForDrainAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var stats = host.Decisions.Stats;
        Assert.Equal(20_000, host.Collector.Stats.Recorded);
        Assert.Equal(20_000, stats.Accepted);
        Assert.Equal(20_000, stats.Written);
        Assert.Equal(0, stats.Dropped);
        Assert.Equal(20_000, host.Decisions.Search(null, null, null).Total);
        var verification = await host.Decisions.VerifyAsync();
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(20_000, verification.Records);
        Assert.Equal(20_000, verification.CheckpointSequence);
    }

    [Fact]
    public async Task Accept_QueueFull_DropsAreCountedNotSilent()
    {
        await using var host = new ComplianceTestHost(queueCapacity: 1_000, batchSize: 1);
        int accepted;
        using (host.Decisions.PauseWriter())
        {
            for (var i = 0; i < 1_500; i++)
            {
                host.Collector.Record(host.Operation());
            }

            accepted = (int)host.Decisions.Stats.Accepted;
        }

        await host.Decisions.WaitForDrainAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var stats = host.Decisions.Stats;
        Assert.InRange(stats.Dropped, 499, 500); // the writer may have taken one before it was paused
        Assert.Equal(1_500, stats.Accepted + stats.Dropped);
        Assert.Equal(accepted, stats.Written);
        Assert.Equal(1_500, host.Collector.Stats.Recorded); // the collector itself lost nothing
    }

    [Fact]
    public async Task Accept_Disabled_WritesNothing()
    {
        await using var host = new ComplianceTestHost(recordDecisions: false);

        await host.RecordAsync(10);

        Assert.Equal(0, host.Decisions.Stats.Accepted);
        Assert.Equal(0, host.Decisions.Search(null, null, null).Total);
    }

    [Fact]
    public async Task Build_Record_HoldsTheFieldsAndNoUserId()
    {
        await using var host = new ComplianceTestHost();
        host.Collector.Record(host.Operation("alice@example.com", error: true, experimentKey: "tone", variant: "friendly",
            metadata: new Dictionary<string, string> { ["purpose"] = "customer-support" }));
        await host.Decisions.WaitForDrainAsync();

        var record = Assert.Single(host.Decisions.Search("alice@example.com", null, null).Records);

        Assert.Equal("support-bot", record.Application);
        Assert.Equal("answer", record.FunctionId);
        Assert.Equal("openai", record.Provider);
        Assert.Equal("gpt-4o", record.Model);
        Assert.Equal("gpt-4o-2024-08-06", record.ModelVersion);
        Assert.Equal("friendly", record.ExperimentVariant);
        Assert.Equal("customer-support", record.Purpose);
        Assert.Equal("error", record.Outcome);
        Assert.Equal("rate_limit", record.ErrorCategory);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", record.TraceId);
        Assert.Equal("envelope", record.DigestSource);
        Assert.Matches("^[0-9a-f]{64}$", record.InputDigest);
        Assert.NotEqual(record.InputDigest, record.OutputDigest);
        Assert.StartsWith("ref:", record.Subject, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", record.Subject!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Build_AppSentContentDigests_KeepsThem()
    {
        await using var host = new ComplianceTestHost();
        var input = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("What is my balance?")));
        var output = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("Your balance is 42.")));
        host.Collector.Record(host.Operation(metadata: new Dictionary<string, string>
        {
            [DecisionCanonical.InputDigestKey] = input,
            [DecisionCanonical.OutputDigestKey] = output,
        }));
        await host.Decisions.WaitForDrainAsync();

        var record = Assert.Single(host.Decisions.Search(null, null, null).Records);

        Assert.Equal("content", record.DigestSource);
        Assert.Equal(input, record.InputDigest);
        Assert.Equal(output, record.OutputDigest);
        Assert.Equal("answer", record.Purpose); // no purpose metadata: the function id
    }

    [Fact]
    public async Task Search_ByUserAndTime_ReturnsOnlyMatches()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3, "alice");
        host.Time.Advance(TimeSpan.FromHours(1));
        await host.RecordAsync(2, "alice");
        await host.RecordAsync(4, "bob");

        Assert.Equal(5, host.Decisions.Search("alice", null, null).Total);
        Assert.Equal(2, host.Decisions.Search("alice", ComplianceTestHost.Start.AddMinutes(30), null).Total);
        Assert.Equal(3, host.Decisions.Search("alice", null, ComplianceTestHost.Start.AddMinutes(30)).Total);
        Assert.Equal(0, host.Decisions.Search("carol", null, null).Total);
    }

    [Fact]
    public async Task Erase_Subject_RecordsUnlinkableAndChainStillVerifies()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3, "alice");
        await host.RecordAsync(2, "bob");
        var store = new DecisionSubjectStore(host.Decisions, host.Subjects);

        var erased = await store.EraseAsync("alice");

        Assert.Equal(3, erased);
        Assert.Equal(0, host.Decisions.Search("alice", null, null).Total);
        Assert.Equal(2, host.Decisions.Search("bob", null, null).Total);
        Assert.Equal(5, host.Decisions.Search(null, null, null).Total);
        Assert.True((await host.Decisions.VerifyAsync()).Valid);
        await host.CloseAsync();
        Assert.DoesNotContain("alice", Encoding.UTF8.GetString(File.ReadAllBytes(host.DatabaseFile)), StringComparison.Ordinal);
        host.Open();
    }

    [Fact]
    public async Task Verify_AfterRestart_ChainContinues()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(5);

        await host.RestartAsync();
        await host.RecordAsync(5);

        var verification = await host.Decisions.VerifyAsync();
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(10, verification.Records);
    }

    [Fact]
    public async Task Verify_RecordChanged_NamesIt()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(10);
        await host.CloseAsync();

        host.Tamper(db =>
        {
            var records = db.GetCollection(DecisionLog.Collection);
            var doc = records.FindById(4);
            doc["model"] = "gpt-3.5-turbo";
            records.Update(doc);
        });
        host.Open();

        var verification = await host.Decisions.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstInvalidSequence);
        Assert.Contains("does not match its hash", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RecordDeleted_NamesIt()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(10);
        await host.CloseAsync();

        host.Tamper(db => db.GetCollection(DecisionLog.Collection).Delete(6));
        host.Open();

        var verification = await host.Decisions.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Equal(6, verification.FirstInvalidSequence);
        Assert.Contains("missing (deleted)", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_RecordsReordered_NamesTheFirst()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(10);
        await host.CloseAsync();

        // Swap the contents of records 3 and 7, keeping their sequence numbers (and each one's own valid hash).
        host.Tamper(db =>
        {
            var records = db.GetCollection(DecisionLog.Collection);
            var a = records.FindById(3);
            var b = records.FindById(7);
            var swappedA = new BsonDocument(b.ToDictionary(p => p.Key, p => p.Value)) { ["_id"] = 3 };
            var swappedB = new BsonDocument(a.ToDictionary(p => p.Key, p => p.Value)) { ["_id"] = 7 };
            records.Update(swappedA);
            records.Update(swappedB);
        });
        host.Open();

        var verification = await host.Decisions.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Equal(3, verification.FirstInvalidSequence);
        Assert.Contains("does not link", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TailTruncated_DetectedByTheSignedCheckpoint()
    {
        await using var host = new ComplianceTestHost(checkpointInterval: 5);
        await host.RecordAsync(10);
        await host.CloseAsync();

        host.Tamper(db => db.GetCollection(DecisionLog.Collection).DeleteMany(Query.GT("_id", 7)));
        host.Open();

        var verification = await host.Decisions.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Contains("truncated", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ForgedAnchor_Detected()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(10);
        await host.CloseAsync();

        // Delete the first records and write an anchor that links to the first kept one, without the key.
        host.Tamper(db =>
        {
            var records = db.GetCollection(DecisionLog.Collection);
            var firstKept = records.FindById(4);
            records.DeleteMany(Query.LT("_id", 4));
            db.GetCollection(DecisionLog.AnchorCollection).Upsert(new BsonDocument
            {
                ["_id"] = 1,
                ["sequence"] = 4L,
                ["prev"] = firstKept["prev"],
                ["at"] = AuditCanonical.FormatTimestamp(ComplianceTestHost.Start),
                ["cutoff"] = AuditCanonical.FormatTimestamp(ComplianceTestHost.Start),
                ["hmac"] = new string('a', 64),
            });
        });
        host.Open();

        var verification = await host.Decisions.VerifyAsync();
        Assert.False(verification.Valid);
        Assert.Equal(4, verification.FirstInvalidSequence);
        Assert.Contains("anchor", verification.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_OneLinePerRecordWithHeader()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3, "alice");
        await host.RecordAsync(2, "bob");
        using var stream = new MemoryStream();

        await host.Decisions.ExportAsync(stream, "csv", "alice", null, null);

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("sequence,recordedAt,time,", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("1,", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Jsonl_RecordsOldestFirst()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3);
        using var stream = new MemoryStream();

        await host.Decisions.ExportAsync(stream, "jsonl", null, null, null);

        var lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal([1L, 2L, 3L], lines.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("sequence").GetInt64()));
    }
}
