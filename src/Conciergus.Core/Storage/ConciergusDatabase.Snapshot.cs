using LiteDB;

namespace Conciergus.Core.Storage;

public sealed partial class ConciergusDatabase
{
    // Writers whose one transaction spans several collections (the audit writer with a paired change, the audit and
    // decision retention purges) hold this shared; a snapshot holds it exclusively while it reads, so it never sees
    // half of such a transaction (LiteDB takes each collection's read version when the collection is first read, not
    // once per transaction). Single-collection writes are atomic on their own and are not gated: they land entirely
    // before or entirely after the snapshot's read of that collection.
    private readonly ReaderWriterLockSlim _snapshotGate = new(LockRecursionPolicy.SupportsRecursion);

    /// <summary>Opens a LiteDB file with the key (if any); an unencrypted file is encrypted in place on first open with a key.</summary>
    internal static LiteDatabase Open(string path, StorageEncryption encryption, Func<ConnectionString, LiteDatabase>? open = null)
    {
        var connection = new ConnectionString { Filename = path, Connection = ConnectionType.Direct, Password = encryption.Key };
        open ??= c => new LiteDatabase(c);
        var encrypting = path + ".encrypting";
        if (!File.Exists(path) && File.Exists(encrypting))
        {
            File.Move(encrypting, path); // a crash after the plain file was removed: the encrypted copy is complete
        }

        try
        {
            return open(connection);
        }
        catch (LiteException e) when (encryption.Enabled && e.Message.Contains("not encrypted", StringComparison.OrdinalIgnoreCase))
        {
            // A file written before a key was configured: copy it into an encrypted file, remove the plain one (it
            // holds the personal data in clear), then open the encrypted one. LiteDB 5.0.21's Rebuild with a password
            // fails to reopen what it wrote, so the copy is ours (the same code as a backup snapshot).
            DeleteIfExists(encrypting);
            DeleteIfExists(LogFileOf(encrypting));
            using (var plain = open(new ConnectionString { Filename = path, Connection = ConnectionType.Direct }))
            using (var target = open(new ConnectionString { Filename = encrypting, Connection = ConnectionType.Direct, Password = encryption.Key }))
            {
                CopyAll(plain, target);
                target.Checkpoint();
            }

            DeleteIfExists(LogFileOf(encrypting));
            File.Delete(path);
            DeleteIfExists(LogFileOf(path));
            File.Move(encrypting, path);
            return open(connection);
        }
    }

    /// <summary>Copies every collection's documents and indexes from <paramref name="source"/> to <paramref name="target"/>; returns the documents copied.</summary>
    private static long CopyAll(LiteDatabase source, LiteDatabase target)
    {
        long documents = 0;
        var indexes = source.GetCollection("$indexes").FindAll().ToList();
        foreach (var name in source.GetCollectionNames().Order(StringComparer.Ordinal).ToList())
        {
            var copy = target.GetCollection(name);
            documents += copy.InsertBulk(source.GetCollection(name).FindAll(), 5_000);
            foreach (var index in indexes.Where(i => i["collection"].AsString == name && i["name"].AsString != "_id"))
            {
                copy.EnsureIndex(index["name"].AsString, BsonExpression.Create(index["expression"].AsString), index["unique"].AsBoolean);
            }
        }

        return documents;
    }

    /// <summary>Runs <paramref name="write"/> (one synchronous transaction over several collections) so no snapshot sees half of it.</summary>
    public void WriteAcrossCollections(Action write)
    {
        ArgumentNullException.ThrowIfNull(write);
        _snapshotGate.EnterReadLock();
        try
        {
            write();
        }
        finally
        {
            _snapshotGate.ExitReadLock();
        }
    }

    /// <summary>
    /// Writes a consistent copy of every collection (documents and indexes) to a new LiteDB file at
    /// <paramref name="targetPath"/>, encrypted with the same key, while the app keeps writing: multi-collection
    /// writers wait for the read (<see cref="WriteAcrossCollections"/>), everything else goes on. The copy is written
    /// to "<paramref name="targetPath"/>.partial" and renamed when complete, so a crash never leaves a torn file under
    /// the final name. Returns the number of documents copied.
    /// </summary>
    public long WriteSnapshot(string targetPath)
    {
        ThrowIfUnavailable();
        ArgumentException.ThrowIfNullOrWhiteSpace(targetPath);
        var partial = targetPath + ".partial";
        DeleteIfExists(partial);
        DeleteIfExists(LogFileOf(partial));
        long documents = 0;
        using (var target = Open(partial, Encryption))
        {
            _snapshotGate.EnterWriteLock();
            try
            {
                documents = CopyAll(Database, target);
            }
            finally
            {
                _snapshotGate.ExitWriteLock();
            }

            target.Checkpoint();
        }

        // Checkpointed and closed: the log file is empty (LiteDB removes it on close; remove a leftover too).
        DeleteIfExists(LogFileOf(partial));
        File.Move(partial, targetPath, overwrite: true);
        return documents;
    }

    /// <summary>LiteDB's log file next to <paramref name="path"/> ("x.db" → "x-log.db").</summary>
    public static string LogFileOf(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + "-log" + Path.GetExtension(path));

    private static void DeleteIfExists(string path)
    {
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }
}
