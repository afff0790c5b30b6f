using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Audit;

public sealed class AuditRetentionTests : IDisposable
{
    private readonly AuditTestStore _store = new(
        checkpointInterval: 100,
        retention: new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["auth"] = "90d", ["default"] = "365d" });

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task PurgeExpiredAsync_ByCategory_DeletesPrefixTombstonesTheRestAndStillVerifies()
    {
        var log = _store.Open();
        await log.AppendAsync(AuditTestStore.Event("auth.login"));
        await log.AppendAsync(AuditTestStore.Event("alert.acknowledge"));
        await log.AppendAsync(AuditTestStore.Event("auth.login"));
        await log.AppendAsync(AuditTestStore.Event("alert.acknowledge"));

        // 100 days later: both sign-ins (90 days) have expired, the alert actions (365 days) have not.
        _store.Time.Advance(TimeSpan.FromDays(100));
        var first = await log.PurgeExpiredAsync();

        Assert.Equal((1L, 1L, 2L), (first.Deleted, first.Redacted, first.FirstSequence));
        Assert.Null(log.Get(1));
        var tombstone = log.Get(3)!;
        Assert.True(tombstone.ContentPurged);
        Assert.Equal("", tombstone.Actor);
        Assert.Null(tombstone.SourceIp);
        Assert.Equal("alice", log.Get(4)!.Actor);
        Assert.Equal(AuditLog.RetentionPurgeAction, first.PurgeEntry!.Action);
        Assert.Equal("2", first.PurgeEntry.Details!["firstSequence"]);
        var afterFirst = await log.VerifyAsync();
        Assert.True(afterFirst.Valid, afterFirst.Reason);
        Assert.Equal(2, afterFirst.FirstSequence);

        // 400 days in: everything before the first purge entry has expired; the anchor moves to it.
        _store.Time.Advance(TimeSpan.FromDays(300));
        var second = await log.PurgeExpiredAsync();

        Assert.Equal((3L, 0L, 5L), (second.Deleted, second.Redacted, second.FirstSequence));
        var afterSecond = await log.VerifyAsync();
        Assert.True(afterSecond.Valid, afterSecond.Reason);
        Assert.Equal(5, afterSecond.FirstSequence);
        Assert.Equal(2, afterSecond.Entries);

        // And the chain still continues and verifies after a restart.
        await _store.CloseAsync();
        var reopened = _store.Open();
        Assert.Equal(7, (await reopened.AppendAsync(AuditTestStore.Event())).Sequence);
        Assert.True((await reopened.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task PurgeExpiredAsync_NothingExpired_WritesNothing()
    {
        var log = _store.Open();
        await _store.AppendManyAsync(3);

        var result = await log.PurgeExpiredAsync();

        Assert.Null(result.PurgeEntry);
        Assert.Equal(3, log.HeadSequence);
    }

    [Fact]
    public async Task Verify_ContentRemovedWithoutPurge_IsReported()
    {
        var log = _store.Open();
        await log.AppendAsync(AuditTestStore.Event("auth.login"));
        await log.AppendAsync(AuditTestStore.Event("alert.acknowledge"));
        await log.AppendAsync(AuditTestStore.Event("auth.login"));
        await log.AppendAsync(AuditTestStore.Event("alert.acknowledge"));
        _store.Time.Advance(TimeSpan.FromDays(100));
        await log.PurgeExpiredAsync();
        await _store.CloseAsync();

        // Hide the body of entry 4, which no purge had expired, keeping its hashes.
        _store.Tamper(audit =>
        {
            var doc = audit.FindById(4);
            doc.Remove("actor");
            doc.Remove("details");
            doc["purged"] = true;
            audit.Update(doc);
        });
        var result = await _store.Open().VerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(4, result.FirstInvalidSequence);
        Assert.Contains("no retention purge covers it", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_PrefixDeletedWithForgedAnchor_IsReported()
    {
        var log = _store.Open();
        await _store.AppendManyAsync(6);
        await _store.CloseAsync();

        _store.TamperDatabase(db =>
        {
            var audit = db.GetCollection("audit");
            var third = audit.FindById(3);
            audit.DeleteMany(LiteDB.Query.LT("_id", 3));
            db.GetCollection("audit_anchor").Upsert(new LiteDB.BsonDocument
            {
                ["_id"] = 1,
                ["sequence"] = 3L,
                ["prev"] = third["prev"],
                ["at"] = AuditCanonical.FormatTimestamp(_store.Time.GetUtcNow()),
            });
        });
        var result = await _store.Open().VerifyAsync();

        Assert.False(result.Valid);
        Assert.Equal(3, result.FirstInvalidSequence);
        Assert.Contains("no retention purge entry records that anchor", result.Reason, StringComparison.Ordinal);
    }
}
