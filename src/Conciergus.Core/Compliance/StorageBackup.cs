using System.Globalization;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;

namespace Conciergus.Core.Compliance;

/// <summary>One file of a backup, with its SHA-256.</summary>
/// <param name="Name">File name inside the backup folder.</param>
/// <param name="Role">"database" (LiteDB), "audit-checkpoints", "decision-checkpoints" or "operations".</param>
/// <param name="Bytes">Size.</param>
/// <param name="Sha256">Lower-case hex.</param>
public sealed record BackupFile(string Name, string Role, long Bytes, string Sha256);

/// <summary>What a backup wrote.</summary>
/// <param name="Id">Folder name ("backup-20261127T120000Z-1a2b3c").</param>
/// <param name="Folder">Absolute path of the backup folder.</param>
/// <param name="CreatedAt">When (UTC).</param>
/// <param name="Files">Every file, with its digest (also in manifest.json).</param>
/// <param name="Documents">LiteDB documents copied.</param>
/// <param name="ManifestSha256">SHA-256 of manifest.json, recorded in the audit entry.</param>
/// <param name="Encrypted">Whether the database copy is encrypted (same key as the live file).</param>
/// <param name="OperationStore">Whether the operation store's snapshot is included, and if not why.</param>
public sealed record BackupResult(string Id, string Folder, DateTimeOffset CreatedAt, IReadOnlyList<BackupFile> Files, long Documents, string ManifestSha256, bool Encrypted, string OperationStore);

/// <summary>
/// Consistent snapshots of every store while the app runs (<c>POST /api/v1/admin/backup</c>). One backup is a folder
/// under <see cref="StorageOptions.BackupDirectory"/> holding: the signed checkpoint files (copied first, complete lines
/// only, so no checkpoint points past the snapshot), a LiteDB snapshot (<see cref="ConciergusDatabase.WriteSnapshot"/>),
/// the operation store's snapshot, and manifest.json with every file's SHA-256. The backup is audited
/// (<see cref="BackupAction"/>, with the manifest's digest). Restore: <see cref="StorageRestore"/>.
/// </summary>
public sealed class StorageBackup(ConciergusDatabase database, DataDirectory dataDirectory, BackupFolder folder, AuditRecorder recorder, TimeProvider timeProvider,
    Func<string, CancellationToken, Task<string?>>? operationStoreBackup = null)
{
    /// <summary>Audit action of a backup.</summary>
    public const string BackupAction = "admin.backup";

    /// <summary>Name of the manifest inside a backup folder.</summary>
    public const string ManifestName = "manifest.json";

    /// <summary>Checkpoint files copied with the database (names in the data folder).</summary>
    internal static readonly (string Name, string Role)[] CheckpointFiles =
    [
        (AuditCheckpointFile.FileName, "audit-checkpoints"),
        (DecisionLog.CheckpointFileName, "decision-checkpoints"),
    ];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // One backup at a time; a Lock-free async gate (the copy awaits). Never disposed: a singleton for the app's life.
    private readonly Lock _oneGate = new();
    private Task _previous = Task.CompletedTask;

    /// <summary>Writes a backup now; one at a time (a second caller waits). Audited.</summary>
    public async Task<BackupResult> BackupAsync(ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Task previous;
        lock (_oneGate)
        {
            previous = _previous;
            _previous = done.Task;
        }

        await previous.ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow().ToUniversalTime();
            var id = "backup-" + now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
            var target = Path.Combine(folder.FullPath, id);
            Directory.CreateDirectory(folder.FullPath);
            Directory.CreateDirectory(target);
            var files = new List<BackupFile>();

            // 1. Checkpoints first: every line they hold describes a sequence already committed, so already in the snapshot.
            foreach (var (name, role) in CheckpointFiles)
            {
                var source = Path.Combine(dataDirectory.FullPath, name);
                if (File.Exists(source))
                {
                    var copy = Path.Combine(target, name);
                    await File.WriteAllBytesAsync(copy, CompleteLines(source), cancellationToken).ConfigureAwait(false);
                    files.Add(Describe(copy, role));
                }
            }

            // 2. The LiteDB snapshot (synchronous: LiteDB transactions must stay on one thread).
            var databaseCopy = Path.Combine(target, ConciergusDatabase.FileName);
            var documents = await Task.Run(() => database.WriteSnapshot(databaseCopy), cancellationToken).ConfigureAwait(false);
            files.Add(Describe(databaseCopy, "database"));

            // 3. The operation store's snapshot (IOperationStore.BackupAsync, connected in ComplianceServiceCollectionExtensions).
            string operations;
            if (operationStoreBackup is null)
            {
                operations = "not included: this app has no operation store";
            }
            else if (await operationStoreBackup(target, cancellationToken).ConfigureAwait(false) is { } snapshot)
            {
                files.Add(Describe(snapshot, "operations"));
                operations = "included";
            }
            else
            {
                operations = "not included: the operation store is off or not open (see Health)";
            }

            var manifest = JsonSerializer.SerializeToUtf8Bytes(new
            {
                id,
                createdAt = AuditCanonical.FormatTimestamp(now),
                encrypted = database.Encryption.Enabled,
                documents,
                operationStore = operations,
                files = files.Select(f => new { name = f.Name, role = f.Role, bytes = f.Bytes, sha256 = f.Sha256 }),
            }, Indented);
            await File.WriteAllBytesAsync(Path.Combine(target, ManifestName), manifest, cancellationToken).ConfigureAwait(false);
            var manifestDigest = Convert.ToHexStringLower(SHA256.HashData(manifest));

            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["manifestSha256"] = manifestDigest,
                ["documents"] = documents.ToString(CultureInfo.InvariantCulture),
                ["encrypted"] = database.Encryption.Enabled ? "true" : "false",
                ["operationStore"] = operations,
            };
            foreach (var file in files)
            {
                details["sha256." + file.Name] = file.Sha256;
            }

            await recorder.RecordAsync(actor, BackupAction, id, details, sourceIp, CancellationToken.None).ConfigureAwait(false);
            return new BackupResult(id, target, now, files, documents, manifestDigest, database.Encryption.Enabled, operations);
        }
        finally
        {
            done.SetResult();
        }
    }

    /// <summary>The file's bytes up to its last newline: a line being appended right now is left out, never torn.</summary>
    internal static byte[] CompleteLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var bytes = memory.ToArray();
        var end = Array.LastIndexOf(bytes, (byte)'\n');
        return end < 0 ? [] : bytes[..(end + 1)];
    }

    internal static BackupFile Describe(string path, string role)
    {
        using var stream = File.OpenRead(path);
        var digest = Convert.ToHexStringLower(SHA256.HashData(stream));
        return new BackupFile(Path.GetFileName(path), role, new FileInfo(path).Length, digest);
    }
}
