using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Core.Storage;
using Conciergus.Dashboard.Security;
using Conciergus.Dashboard.Tests.Audit;
using Conciergus.Dashboard.Tests.Compliance;
using Conciergus.Dashboard.Tests.Endpoints;
using LiteDB;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Tests.Storage;

public sealed class StorageBackupTests : IDisposable
{
    private const string Key = "backup test key, long enough";

    private readonly string _backups = Path.Combine(Path.GetTempPath(), "conciergus-tests", "backups-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_backups))
        {
            Directory.Delete(_backups, recursive: true);
        }
    }

    [Fact]
    public async Task Backup_UnderConcurrentWrites_ConsistentAndRestoredChainsVerify()
    {
        await using var live = new ComplianceTestHost { Encryption = new StorageEncryption(Key) };
        await live.RestartAsync(); // reopen with the key
        await live.RecordAsync(50);
        var answeredBefore = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            answeredBefore.Add((await live.Audit.AppendAsync(AuditTestStore.Event(target: $"before-{i}"))).Sequence);
        }

        var counter = live.Database.Database.GetCollection("counter");
        var backup = new StorageBackup(live.Database, live.DataDirectory, new BackupFolder(_backups), new AuditRecorder(live.Audit), live.Time);
        using var stop = new CancellationTokenSource();
        long countersWritten = 0;

        // Writers keep going during the whole backup: audit entries (each one transaction + checkpoint), counter
        // documents with consecutive ids, and decision records through the collector.
        var auditWriter = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                await live.Audit.AppendAsync(AuditTestStore.Event(target: $"during-{n++}"));
            }
        });
        var counterWriter = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                counter.Insert(new BsonDocument { ["_id"] = Interlocked.Read(ref countersWritten) + 1 });
                Interlocked.Increment(ref countersWritten);
            }
        });
        var decisionWriter = Task.Run(() =>
        {
            for (var n = 0; n < 5_000 && !stop.IsCancellationRequested; n++)
            {
                live.Collector.Record(live.Operation("user-during"));
            }
        });

        // Wait (on a condition, not a clock) until every writer has made progress, then back up.
        while (Interlocked.Read(ref countersWritten) < 200 || live.Audit.Query(new AuditQuery { Limit = 1 }).Total < 60)
        {
            await Task.Yield();
        }

        var countersBefore = Interlocked.Read(ref countersWritten);
        var result = await backup.BackupAsync(null, "127.0.0.1");
        var countersAfter = Interlocked.Read(ref countersWritten);
        await stop.CancelAsync();
        await Task.WhenAll(auditWriter, counterWriter, decisionWriter);

        // The snapshot: counters are a gapless prefix 1..N with N between what was written before and after the copy.
        Assert.True(result.Encrypted);
        Assert.Contains(result.Files, f => f.Role == "database");
        var snapshot = Path.Combine(result.Folder, ConciergusDatabase.FileName);
        Assert.False(StorageEncryptionTests.Contains(File.ReadAllBytes(snapshot), "user-during"));
        using (var copy = new LiteDatabase(new ConnectionString { Filename = snapshot, Password = Key, ReadOnly = true }))
        {
            var ids = copy.GetCollection("counter").FindAll().Select(d => d["_id"].AsInt64).Order().ToList();
            Assert.InRange(ids.Count, (int)countersBefore, (int)countersAfter);
            Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        }

        // The backup is audited with the manifest's digest.
        var entry = Assert.Single(live.Audit.Query(new AuditQuery { Action = StorageBackup.BackupAction }).Entries);
        Assert.Equal(result.ManifestSha256, entry.Details!["manifestSha256"]);

        // Restore into another installation's data folder (same audit key and storage key), start, verify both chains.
        await using var restored = new ComplianceTestHost { Encryption = new StorageEncryption(Key) };
        await restored.CloseAsync();
        File.Copy(Path.Combine(live.DataPath, AuditKey.FileName), Path.Combine(restored.DataPath, AuditKey.FileName), overwrite: true);
        var restore = StorageRestore.Restore(result.Folder, restored.DataPath, null, live.Time.GetUtcNow());
        restored.Open();

        Assert.Contains(Path.Combine(restored.DataPath, ConciergusDatabase.FileName), restore.Restored);
        Assert.True(Directory.Exists(restore.MovedAside));
        var auditCheck = await restored.Audit.VerifyAsync();
        Assert.True(auditCheck.Valid, auditCheck.Reason);
        var decisionCheck = await restored.Decisions.VerifyAsync();
        Assert.True(decisionCheck.Valid, decisionCheck.Reason);
        for (var i = 0; i < answeredBefore.Count; i++)
        {
            var target = $"before-{i}";
            Assert.Equal(answeredBefore[i], Assert.Single(restored.Audit.Query(new AuditQuery { Target = target, Limit = 100 }).Entries, e => e.Target == target).Sequence);
        }
    }

    [Fact]
    public async Task Restore_DamagedBackup_RefusedAndNothingTouched()
    {
        await using var live = new ComplianceTestHost();
        await live.Audit.AppendAsync(AuditTestStore.Event());
        var backup = new StorageBackup(live.Database, live.DataDirectory, new BackupFolder(_backups), new AuditRecorder(live.Audit), live.Time);
        var result = await backup.BackupAsync(null, null);
        var file = Path.Combine(result.Folder, ConciergusDatabase.FileName);
        var bytes = File.ReadAllBytes(file);
        bytes[^100] ^= 0xFF;
        File.WriteAllBytes(file, bytes);
        await using var target = new ComplianceTestHost();
        await target.CloseAsync();
        var before = File.ReadAllBytes(target.DatabaseFile);

        var e = Assert.Throws<InvalidOperationException>(() => StorageRestore.Restore(result.Folder, target.DataPath, null, live.Time.GetUtcNow()));

        Assert.Contains("damaged", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(target.DatabaseFile));
    }

    [Fact]
    public void RunFromCommandLine_NoSwitch_StartsAsUsual_MissingFolder_ExitCode1()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Conciergus:DataDirectory"] = _backups }).Build();
        using var output = new StringWriter();

        Assert.Null(StorageRestore.RunFromCommandLine([], configuration, _backups, output));
        Assert.Equal(1, StorageRestore.RunFromCommandLine(["--restore"], configuration, _backups, output));
        Assert.Equal(1, StorageRestore.RunFromCommandLine(["--restore", Path.Combine(_backups, "nope")], configuration, _backups, output));
        Assert.Contains("Restore refused", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BackupEndpoint_AdminOnly_WritesManifestAndAudits()
    {
        using var factory = new ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Storage:BackupDirectory"] = _backups });
        using var admin = factory.CreateApiClient(ConciergusRole.Admin);
        using var viewer = factory.CreateApiClient(ConciergusRole.Viewer);

        var refused = await viewer.PostAsync("/api/v1/admin/backup", null);
        var response = await admin.PostAsync("/api/v1/admin/backup", null);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var folder = body.GetProperty("folder").GetString()!;
        Assert.StartsWith(_backups, folder, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, StorageBackup.ManifestName)));
        var entry = Assert.Single(factory.Services.GetRequiredService<AuditLog>().Query(new AuditQuery { Action = StorageBackup.BackupAction }).Entries);
        Assert.Equal(body.GetProperty("manifestSha256").GetString(), entry.Details!["manifestSha256"]);
    }
}
