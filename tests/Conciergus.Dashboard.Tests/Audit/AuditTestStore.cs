using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Audit;

/// <summary>A temp data directory holding the audit log: open it, close it, and edit the LiteDB file directly in between.</summary>
internal sealed class AuditTestStore : IDisposable
{
    private ConciergusDatabase? _database;

    public AuditTestStore(int checkpointInterval = 100, Dictionary<string, string>? retention = null)
    {
        DataPath = Path.Combine(Path.GetTempPath(), "conciergus-audit-tests", Guid.NewGuid().ToString("N"));
        Options = Microsoft.Extensions.Options.Options.Create(new AuditOptions
        {
            CheckpointInterval = checkpointInterval,
            Retention = retention ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
        });
        DataDirectory = new DataDirectory(Microsoft.Extensions.Options.Options.Create(new ConciergusOptions { DataDirectory = DataPath }), DataPath);
        Key = new AuditKey(Options, DataDirectory);
    }

    public string DataPath { get; }

    public IOptions<AuditOptions> Options { get; }

    public DataDirectory DataDirectory { get; }

    public AuditKey Key { get; }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public AuditLog? Log { get; private set; }

    public string DatabaseFile => Path.Combine(DataPath, ConciergusDatabase.FileName);

    public AuditLog Open()
    {
        _database = new ConciergusDatabase(DataDirectory);
        Log = new AuditLog(_database, new AuditCheckpointFile(Key, DataDirectory), Options, Time);
        return Log;
    }

    /// <summary>Stops the log (shutdown checkpoint) and closes the database file.</summary>
    public async Task CloseAsync()
    {
        if (Log is not null)
        {
            await Log.ShutdownAsync();
            Log = null;
        }

        _database?.Dispose();
        _database = null;
    }

    /// <summary>Opens the closed database file with LiteDB itself, as an attacker with file access would.</summary>
    public void Tamper(Action<ILiteCollection<BsonDocument>> edit) => TamperDatabase(db => edit(db.GetCollection("audit")));

    /// <summary>Like <see cref="Tamper"/>, with the whole database.</summary>
    public void TamperDatabase(Action<LiteDatabase> edit)
    {
        Assert.Null(Log);
        using var db = new LiteDatabase(new ConnectionString { Filename = DatabaseFile, Connection = ConnectionType.Direct });
        edit(db);
        db.Checkpoint();
    }

    public async Task AppendManyAsync(int count, string action = "alert.acknowledge")
    {
        for (var i = 0; i < count; i++)
        {
            await Log!.AppendAsync(Event(action, $"target-{i}"));
        }
    }

    public static AuditEvent Event(string action = "alert.acknowledge", string? target = "alert-1", string actor = "alice") => new()
    {
        Actor = actor,
        Role = "Operator",
        Action = action,
        Target = target,
        SourceIp = "10.0.0.7",
        Details = new Dictionary<string, string> { ["reason"] = "known incident" },
    };

    public void Dispose()
    {
        Log?.Dispose();
        _database?.Dispose();
        try
        {
            Directory.Delete(DataPath, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
