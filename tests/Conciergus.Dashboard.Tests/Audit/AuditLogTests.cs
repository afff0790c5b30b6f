using Conciergus.Core.Audit;
using LiteDB;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class AuditLogTests : IDisposable
{
    private readonly AuditTestStore _store = new(checkpointInterval: 5);

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task AppendAsync_Entries_AreGaplessLinkedAndVerify()
    {
        var log = _store.Open();

        var first = await log.AppendAsync(AuditTestStore.Event());
        _store.Time.Advance(TimeSpan.FromSeconds(3));
        var second = await log.AppendAsync(AuditTestStore.Event("experiment.start", "exp-1"));

        Assert.Equal(1, first.Sequence);
        Assert.Equal(AuditCanonical.Genesis, first.PreviousHash);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero), first.Timestamp);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(AuditCanonical.Compute(second).Hash, second.Hash);
        Assert.Equal(new AuditVerification(true, 2, null, null) { CheckpointSequence = null }, (await log.VerifyAsync()) with { CheckpointSequence = null });
    }

    [Fact]
    public async Task Open_ExistingDatabase_ContinuesTheChainFromTheStoredHead()
    {
        var log = _store.Open();
        await _store.AppendManyAsync(3);
        var head = log.Get(3)!;
        await _store.CloseAsync();

        var reopened = _store.Open();
        var next = await reopened.AppendAsync(AuditTestStore.Event());

        Assert.Equal(4, next.Sequence);
        Assert.Equal(head.Hash, next.PreviousHash);
        Assert.True((await reopened.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task AppendAsync_ManyConcurrentTasks_KeepAGaplessVerifiedChain()
    {
        var log = _store.Open();

        var tasks = Enumerable.Range(0, 1200).Select(i => Task.Run(async () =>
            await log.AppendAsync(AuditTestStore.Event(target: $"t-{i}")))).ToList();
        var entries = await Task.WhenAll(tasks);

        Assert.Equal(Enumerable.Range(1, 1200).Select(i => (long)i), entries.Select(e => e.Sequence).Order());
        Assert.Equal(1200, entries.Select(e => e.Target).Distinct().Count());
        var verification = await log.VerifyAsync();
        Assert.True(verification.Valid, verification.Reason);
        Assert.Equal(1200, verification.Entries); // more than one verification page (1000)
        Assert.Equal(1200, verification.CheckpointSequence); // interval 5: the last checkpoint is at the head
    }

    [Fact]
    public async Task Verify_ChangedEntry_NamesIt()
    {
        await WriteAndCloseAsync(8);
        _store.Tamper(audit =>
        {
            var doc = audit.FindById(4);
            doc["actor"] = "mallory";
            audit.Update(doc);
        });

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(4, result.FirstInvalidSequence);
        Assert.Contains("does not match its hash", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_DeletedEntry_NamesIt()
    {
        await WriteAndCloseAsync(8);
        _store.Tamper(audit => audit.Delete(5));

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(5, result.FirstInvalidSequence);
        Assert.Contains("entry 5 is missing", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ReorderedEntries_NamesTheFirst()
    {
        await WriteAndCloseAsync(8);
        _store.Tamper(audit =>
        {
            // Swap the contents of entries 3 and 6 (each keeps its own stored hash, so each looks intact alone).
            var three = audit.FindById(3);
            var six = audit.FindById(6);
            three["_id"] = 6;
            six["_id"] = 3;
            audit.Update(three);
            audit.Update(six);
        });

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSequence);
        Assert.Contains("reordered", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_ForgedAppendedEntry_NamesIt()
    {
        await WriteAndCloseAsync(8);
        _store.Tamper(audit =>
        {
            var forged = audit.FindById(8);
            forged["_id"] = 9;
            forged["actor"] = "mallory";
            forged["prev"] = forged["hash"];
            audit.Insert(forged);
        });

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(9, result.FirstInvalidSequence);
    }

    [Fact]
    public async Task Verify_ForgedAppendWithCorrectHashesWhileStopped_IsReportedByTheCheckpoints()
    {
        // An attacker who knows the (public) canonical form appends a perfectly chained entry while the app is down.
        await WriteAndCloseAsync(8);
        _store.Tamper(audit =>
        {
            var head = audit.FindById(8);
            var forged = new AuditEntry
            {
                Sequence = 9,
                Timestamp = _store.Time.GetUtcNow(),
                Actor = "alice",
                Role = "Admin",
                Action = "subject.erase",
                PreviousHash = head["hash"].AsString,
                Hash = "",
            };
            var (body, hash) = AuditCanonical.Compute(forged);
            var doc = new BsonDocument
            {
                ["_id"] = 9L,
                ["ts"] = AuditCanonical.FormatTimestamp(forged.Timestamp),
                ["action"] = forged.Action,
                ["prev"] = forged.PreviousHash,
                ["bodyHash"] = body,
                ["hash"] = hash,
                ["actor"] = forged.Actor,
                ["role"] = forged.Role,
                ["target"] = BsonValue.Null,
                ["details"] = new BsonArray(),
                ["ip"] = BsonValue.Null,
            };
            audit.Insert(doc);
        });

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(9, result.FirstInvalidSequence);
        Assert.Contains("while the audit log was stopped", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TruncatedLog_ReportedAgainstTheCheckpoint()
    {
        await WriteAndCloseAsync(12); // shutdown checkpoint at 12
        _store.Tamper(audit => audit.DeleteMany(Query.GT("_id", 9)));

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(10, result.FirstInvalidSequence);
        Assert.Contains("truncated", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_WholeChainRewrittenWithValidHashes_ReportedAsRollbackOrRewrite()
    {
        await WriteAndCloseAsync(12);
        _store.Tamper(audit =>
        {
            // Rewrite entry 2's actor and recompute every hash after it, so the chain alone is consistent again.
            var previous = audit.FindById(1)["hash"].AsString;
            for (long seq = 2; seq <= 12; seq++)
            {
                var doc = audit.FindById(seq);
                if (seq == 2)
                {
                    doc["actor"] = "mallory";
                }

                var entry = new AuditEntry
                {
                    Sequence = seq,
                    Timestamp = DateTimeOffset.Parse(doc["ts"].AsString, System.Globalization.CultureInfo.InvariantCulture),
                    Actor = doc["actor"].AsString,
                    Role = doc["role"].AsString,
                    Action = doc["action"].AsString,
                    Target = doc["target"].IsNull ? null : doc["target"].AsString,
                    SourceIp = doc["ip"].IsNull ? null : doc["ip"].AsString,
                    Details = doc["details"].AsArray.ToDictionary(p => p.AsArray[0].AsString, p => p.AsArray[1].AsString),
                    PreviousHash = previous,
                    Hash = "",
                };
                var (body, hash) = AuditCanonical.Compute(entry);
                doc["prev"] = previous;
                doc["bodyHash"] = body;
                doc["hash"] = hash;
                audit.Update(doc);
                previous = hash;
            }
        });

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(5, result.FirstInvalidSequence); // the first signed checkpoint (interval 5) that no longer matches
        Assert.Contains("rolled back or rewritten", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_TamperedCheckpointFile_Reported()
    {
        await WriteAndCloseAsync(6);
        var path = Path.Combine(_store.DataPath, AuditCheckpointFile.FileName);
        var lines = await File.ReadAllLinesAsync(path);
        lines[0] = lines[0].Replace("\"sequence\":5", "\"sequence\":4", StringComparison.Ordinal);
        await File.WriteAllLinesAsync(path, lines);

        var result = await ReopenAndVerifyAsync();

        Assert.False(result.Valid);
        Assert.Contains("invalid signature", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkpoints_KeyFile_IsGeneratedOwnerOnly()
    {
        _store.Open();
        var keyFile = Path.Combine(_store.DataPath, AuditKey.FileName);

        Assert.True(File.Exists(keyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        }

        await _store.CloseAsync();
    }

    private async Task WriteAndCloseAsync(int count)
    {
        _store.Open();
        await _store.AppendManyAsync(count);
        Assert.True((await _store.Log!.VerifyAsync()).Valid);
        await _store.CloseAsync();
    }

    private async Task<AuditVerification> ReopenAndVerifyAsync() => await _store.Open().VerifyAsync();
}
