using LiteDB;

namespace Conciergus.Core.Storage;

/// <summary>
/// The one LiteDB file (conciergus.db in the data directory) every persistent feature shares.
/// LiteDB serialises writers itself; features that need ordering (the audit chain) add their own single writer.
/// Never hold a LiteDB transaction across an await.
/// </summary>
public sealed class ConciergusDatabase : IDisposable
{
    /// <summary>File name of the database inside the data directory.</summary>
    public const string FileName = "conciergus.db";

    /// <summary>Opens (or creates) the database in the data directory.</summary>
    public ConciergusDatabase(DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(dataDirectory);
        FilePath = dataDirectory.FileIn(FileName);
        Database = new LiteDatabase(new ConnectionString { Filename = FilePath, Connection = ConnectionType.Direct });
    }

    /// <summary>Absolute path of the database file.</summary>
    public string FilePath { get; }

    /// <summary>The open database (thread-safe within this process).</summary>
    public LiteDatabase Database { get; }

    /// <inheritdoc />
    public void Dispose() => Database.Dispose();
}
