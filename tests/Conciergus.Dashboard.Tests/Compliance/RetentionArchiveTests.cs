using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class RetentionArchiveTests
{
    [Fact]
    public async Task Purge_ArchiveConfigured_ArchiveHoldsExactlyWhatWasPurgedAndItsDigestIsChained()
    {
        await using var host = new ComplianceTestHost();
        host.Options.ArchiveDirectory = Path.Combine(host.DataPath, "..", Path.GetFileName(host.DataPath) + "-archive");
        await host.RestartAsync();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                await host.Audit.AppendAsync(new AuditEvent { Actor = "alice", Role = "Admin", Action = "alert.acknowledge", Target = $"old-{i}" });
            }

            await host.RecordAsync(7, "user-old");
            host.Time.Advance(TimeSpan.FromDays(400)); // past GDPR audit (365 d) and decision (180 d) retention
            await host.Audit.AppendAsync(new AuditEvent { Actor = "alice", Role = "Admin", Action = "alert.acknowledge", Target = "new" });
            await host.RecordAsync(2, "user-new");
            var before = host.Audit.ReadAfter(0, 10_000).ToDictionary(e => e.Sequence);

            var result = await host.Retention.PurgeAsync("system", "System");

            // Audit: the archive holds every deleted entry and the body of every tombstoned one, as stored before.
            var after = host.Audit.ReadAfter(0, 10_000).ToDictionary(e => e.Sequence);
            var expected = before.Where(p => !after.TryGetValue(p.Key, out var kept) || (kept.ContentPurged && !p.Value.ContentPurged)).Select(p => p.Key).Order().ToList();
            var auditPurge = host.Audit.Query(new AuditQuery { Action = AuditLog.RetentionPurgeAction }).Entries.Single();
            var auditArchive = RetentionArchive.Read(Path.Combine(host.Archive.FullPath!, auditPurge.Details!["archive"]), auditPurge.Details["archiveSha256"]);
            Assert.True(auditArchive.Valid);
            Assert.Equal("audit", auditArchive.DataClass);
            Assert.Equal(expected, auditArchive.Records.Select(r => r["_id"].AsInt64).Order().ToList());
            Assert.All(auditArchive.Records, r => Assert.Equal(before[r["_id"].AsInt64].Hash, AuditDocuments.FromDocument(r).Hash));
            Assert.All(auditArchive.Records.Where(r => r["target"].IsString && r["target"].AsString.StartsWith("old-", StringComparison.Ordinal)), r => Assert.Equal("alice", r["actor"].AsString));
            Assert.Equal(5, auditArchive.Records.Count(r => r["target"].IsString && r["target"].AsString.StartsWith("old-", StringComparison.Ordinal)));

            // Decisions: exactly the purged prefix, digest in the compliance purge entry.
            var compliancePurge = host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction }).Entries.Single();
            var decisionArchive = RetentionArchive.Read(Path.Combine(host.Archive.FullPath!, compliancePurge.Details!["decisions.archive"]), compliancePurge.Details["decisions.archiveSha256"]);
            Assert.True(decisionArchive.Valid);
            Assert.Equal(7, result.DecisionsDeleted);
            Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), decisionArchive.Records.Select(r => r["_id"].AsInt64));

            // Both chains still verify.
            Assert.True((await host.Audit.VerifyAsync()).Valid);
            Assert.True((await host.Decisions.VerifyAsync()).Valid);
        }
        finally
        {
            Directory.Delete(host.Archive.FullPath!, recursive: true);
        }
    }

    [Fact]
    public async Task Read_ArchiveAltered_RefusedByItsDigest()
    {
        await using var host = new ComplianceTestHost();
        host.Options.ArchiveDirectory = Path.Combine(host.DataPath, "archive");
        await host.RestartAsync();
        await host.RecordAsync(3);
        host.Time.Advance(TimeSpan.FromDays(200));
        await host.Retention.PurgeAsync("system", "System");
        var entry = host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction }).Entries.Single();
        var path = Path.Combine(host.Archive.FullPath!, entry.Details!["decisions.archive"]);
        var bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);

        Assert.Throws<InvalidDataException>(() => RetentionArchive.Read(path, entry.Details["decisions.archiveSha256"]));
    }

    [Fact]
    public async Task Purge_NoArchiveConfigured_NoArchiveDetails()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3);
        host.Time.Advance(TimeSpan.FromDays(200));

        await host.Retention.PurgeAsync("system", "System");

        var entry = host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction }).Entries.Single();
        Assert.False(entry.Details!.ContainsKey("decisions.archive"));
    }
}
