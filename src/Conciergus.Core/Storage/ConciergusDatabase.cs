using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Conciergus.Core.Storage;

/// <summary>
/// The one LiteDB file (conciergus.db in the data directory) every persistent feature shares.
/// LiteDB serialises writers itself; features that need ordering (the audit chain) add their own single writer.
/// Never hold a LiteDB transaction across an await.
/// When the file cannot be opened (locked by another process, disk full, no permission, damaged) the app still
/// starts: <see cref="Health"/> says why, <see cref="Database"/> is an empty in-memory database so readers and
/// constructors keep working, and features whose writes must be durable call <see cref="ThrowIfUnavailable"/> first.
/// </summary>
public sealed partial class ConciergusDatabase : IDisposable
{
    /// <summary>File name of the database inside the data directory.</summary>
    public const string FileName = "conciergus.db";

    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens (or creates) the database in the data directory; on failure falls back to memory and reports it.</summary>
    /// <param name="dataDirectory">Where the file lives.</param>
    /// <param name="logger">Logs the failure to open the file.</param>
    /// <param name="open">Opens the file (a seam for tests that inject an <see cref="IOException"/> such as disk full).</param>
    /// <param name="encryption">The key that encrypts the file (LiteDB's AES password); null or <see cref="StorageEncryption.None"/>: not encrypted.</param>
    public ConciergusDatabase(DataDirectory dataDirectory, ILogger<ConciergusDatabase>? logger = null, Func<ConnectionString, LiteDatabase>? open = null, StorageEncryption? encryption = null)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        FilePath = Path.Combine(dataDirectory.FullPath, FileName);
        Encryption = encryption ?? StorageEncryption.None;
        try
        {
            dataDirectory.FileIn(FileName);
            Database = Open(FilePath, Encryption, open);
            Health = StorageHealth.Healthy(FilePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or LiteException)
        {
            Health = StorageHealth.Unhealthy(FilePath, Describe(e));
            LogUnavailable(logger ?? NullLogger<ConciergusDatabase>.Instance, FilePath, Health.Reason!, e);
            Database = new LiteDatabase(new MemoryStream());
        }
    }

    /// <summary>Absolute path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>The encryption in force (its key is never logged: <see cref="StorageEncryption.ToString"/> hides it).</summary>
    public StorageEncryption Encryption { get; }

    /// <summary>The open database (thread-safe within this process); in memory and empty when <see cref="Health"/> is unhealthy.</summary>
    public LiteDatabase Database { get; }

    /// <summary>Whether the file is open, and if not, why.</summary>
    public StorageHealth Health { get; }

    /// <summary>Whether writes reach the file.</summary>
    public bool IsAvailable => Health.IsHealthy;

    /// <summary>Throws <see cref="StorageUnavailableException"/> (with the reason) when the file is not open, so a durable write fails clearly instead of landing in memory.</summary>
    public void ThrowIfUnavailable()
    {
        if (!Health.IsHealthy)
        {
            throw new StorageUnavailableException(Health.Reason!);
        }
    }

    /// <summary>Completes once the file is closed (after <see cref="Dispose"/>), so whoever reopens it in the same process can wait for that.</summary>
    public Task WhenClosed => _closed.Task;

    /// <inheritdoc />
    public void Dispose()
    {
        Database.Dispose();
        _snapshotGate.Dispose();
        _closed.TrySetResult();
    }

    /// <summary>Words for an operator: what is wrong with the file.</summary>
    internal static string Describe(Exception e)
    {
        var code = e.HResult & 0xFFFF;
        return e switch
        {
            // ENOSPC (28) on Unix; ERROR_HANDLE_DISK_FULL (39) and ERROR_DISK_FULL (112) on Windows.
            IOException when code is 28 or 39 or 112 || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)
                => $"disk full: {FileName} cannot be written ({e.Message})",

            // ERROR_SHARING_VIOLATION (32) / ERROR_LOCK_VIOLATION (33); .NET on Unix reports a held flock the same way.
            IOException when code is 32 or 33 || e.Message.Contains("being used by another process", StringComparison.OrdinalIgnoreCase)
                => $"{FileName} is locked by another process (another Conciergus instance on the same data directory?)",
            UnauthorizedAccessException => $"no permission to open {FileName} ({e.Message})",
            LiteException when e.Message.Contains("encrypted and needs a password", StringComparison.OrdinalIgnoreCase)
                => $"{FileName} is encrypted and no key is configured: set Conciergus:Storage:EncryptionKey or Conciergus:Storage:EncryptionKeyFile to the key it was written with",
            LiteException when e.Message.Contains("Invalid password", StringComparison.OrdinalIgnoreCase)
                => $"{FileName} cannot be decrypted with the configured Conciergus:Storage key (wrong key?)",
            LiteException => $"{FileName} cannot be read: {e.Message}",
            _ => $"{FileName} cannot be opened: {e.Message}",
        };
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Storage unavailable ({Reason}): {Path} is not open. Ingestion and panels keep working in memory; audit, alerts and experiments refuse writes until a restart can open the file.")]
    private static partial void LogUnavailable(ILogger logger, string path, string reason, Exception exception);
}

/// <summary>State of the database file, for /healthz and the Health page.</summary>
/// <param name="IsHealthy">Whether the file is open.</param>
/// <param name="FilePath">The file.</param>
/// <param name="Reason">Why not, in words; null when healthy.</param>
public sealed record StorageHealth(bool IsHealthy, string FilePath, string? Reason)
{
    /// <summary>"healthy" or "unhealthy".</summary>
    public string Status => IsHealthy ? "healthy" : "unhealthy";

    /// <summary>The file is open.</summary>
    public static StorageHealth Healthy(string filePath) => new(true, filePath, null);

    /// <summary>The file is not open, because <paramref name="reason"/>.</summary>
    public static StorageHealth Unhealthy(string filePath, string reason) => new(false, filePath, reason);
}

/// <summary>A durable write was refused because the database file is not open (see <see cref="ConciergusDatabase.Health"/>).</summary>
public sealed class StorageUnavailableException : IOException
{
    /// <summary>Creates it.</summary>
    public StorageUnavailableException()
        : this("storage is unavailable")
    {
    }

    /// <summary>Creates it with the reason the file is not open.</summary>
    public StorageUnavailableException(string reason)
        : base($"Storage unavailable: {reason}. The change was not saved.")
    {
        Reason = reason;
    }

    /// <summary>Creates it with an inner exception.</summary>
    public StorageUnavailableException(string reason, Exception innerException)
        : base($"Storage unavailable: {reason}. The change was not saved.", innerException)
    {
        Reason = reason;
    }

    /// <summary>Why the file is not open.</summary>
    public string Reason { get; } = "storage is unavailable";
}
