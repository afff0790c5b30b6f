using System.Text;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Tests.Storage;

public sealed class StorageEncryptionTests : IDisposable
{
    private const string Key = "correct horse battery staple 42";
    private const string UserId = "user-4711-findme";
    private const string ReceiverUrl = "https://hooks.example.internal/secret-receiver";
    private const string PasswordHash = "PBKDF2$sha256$600000$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "conciergus-tests", "storage-" + Guid.NewGuid().ToString("N"));

    private string DataPath => Path.Combine(_root, "data");

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void WriteSnapshot_RawFiles_HoldNoUserIdOnlyWhenEncrypted(bool encrypted)
    {
        // The unencrypted run shows the grep finds the strings when they are there: the encrypted run can fail.
        using (var database = Open(encrypted ? new StorageEncryption(Key) : StorageEncryption.None))
        {
            WriteSecrets(database);
        }

        var raw = RawFiles(DataPath);

        Assert.Equal(!encrypted, Contains(raw, UserId));
        Assert.Equal(!encrypted, Contains(raw, ReceiverUrl));
        Assert.Equal(!encrypted, Contains(raw, PasswordHash));
    }

    [Fact]
    public void Open_EncryptedFileWithoutKey_UnavailableWithClearReason()
    {
        using (var database = Open(new StorageEncryption(Key)))
        {
            WriteSecrets(database);
        }

        using var withoutKey = Open(StorageEncryption.None);

        Assert.False(withoutKey.IsAvailable);
        Assert.Contains("encrypted and no key is configured", withoutKey.Health.Reason, StringComparison.Ordinal);
        Assert.Contains("Conciergus:Storage:EncryptionKey", withoutKey.Health.Reason, StringComparison.Ordinal);
        Assert.Throws<StorageUnavailableException>(withoutKey.ThrowIfUnavailable);
    }

    [Fact]
    public void Open_EncryptedFileWithWrongKey_UnavailableWithClearReason()
    {
        using (var database = Open(new StorageEncryption(Key)))
        {
            WriteSecrets(database);
        }

        using var wrong = Open(new StorageEncryption("another key of some length"));

        Assert.False(wrong.IsAvailable);
        Assert.Contains("wrong key", wrong.Health.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PlainFileThenKeyConfigured_EncryptedInPlaceAndDataKept()
    {
        using (var plain = Open(StorageEncryption.None))
        {
            WriteSecrets(plain);
        }

        Assert.True(Contains(RawFiles(DataPath), UserId));

        using (var encrypted = Open(new StorageEncryption(Key)))
        {
            Assert.True(encrypted.IsAvailable, encrypted.Health.Reason);
            Assert.Equal(UserId, encrypted.Database.GetCollection("users").FindById(1)["userId"].AsString);
        }

        Assert.False(Contains(RawFiles(DataPath), UserId));
    }

    [Fact]
    public void Resolve_KeyFileInsideDataFolder_RefusedWithReason()
    {
        Directory.CreateDirectory(DataPath);
        var keyFile = Path.Combine(DataPath, "storage.key");
        File.WriteAllText(keyFile, Key + "\n");

        var e = Assert.Throws<InvalidOperationException>(() => StorageEncryption.Resolve(new StorageOptions { EncryptionKeyFile = keyFile }, DataPath, _root));

        Assert.Contains("inside the data folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AppStart_KeyFileInsideDataFolder_RefusesToStartWithTheReason()
    {
        Directory.CreateDirectory(DataPath);
        var keyFile = Path.Combine(DataPath, "storage.key");
        File.WriteAllText(keyFile, Key);
        using var factory = new Endpoints.ConciergusAppFactory(new Dictionary<string, string?> { ["Conciergus:Storage:EncryptionKeyFile"] = keyFile }, dataDirectory: DataPath);

        var e = Record.Exception(() => factory.CreateApiClient(Conciergus.Dashboard.Security.ConciergusRole.Admin));

        Assert.NotNull(e);
        Assert.Contains("inside the data folder", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_KeyFileOutsideDataFolder_ReadsFirstLine()
    {
        Directory.CreateDirectory(_root);
        File.WriteAllText(Path.Combine(_root, "storage.key"), Key + "\nignored");

        var encryption = StorageEncryption.Resolve(new StorageOptions { EncryptionKeyFile = "storage.key" }, DataPath, _root);

        Assert.Equal(Key, encryption.Key);
        Assert.DoesNotContain(Key, encryption.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", null)]
    [InlineData(Key, "also.key")]
    public void Resolve_BadSettings_Refused(string? key, string? keyFile)
    {
        Assert.Throws<InvalidOperationException>(() => StorageEncryption.Resolve(new StorageOptions { EncryptionKey = key, EncryptionKeyFile = keyFile }, DataPath, _root));
    }

    [Fact]
    public void Resolve_NothingConfigured_NotEncrypted()
    {
        Assert.False(StorageEncryption.Resolve(new StorageOptions(), DataPath, _root).Enabled);
    }

    private ConciergusDatabase Open(StorageEncryption encryption) =>
        new(new DataDirectory(Options.Create(new ConciergusOptions { DataDirectory = DataPath }), _root), encryption: encryption);

    private static void WriteSecrets(ConciergusDatabase database)
    {
        database.Database.GetCollection("users").Insert(new BsonDocument { ["_id"] = 1, ["userId"] = UserId, ["hash"] = PasswordHash });
        database.Database.GetCollection("receivers").Insert(new BsonDocument { ["_id"] = 1, ["url"] = ReceiverUrl });
        database.Database.Checkpoint();
    }

    /// <summary>Every file in the folder (data file and any log file), as raw bytes.</summary>
    internal static byte[] RawFiles(string folder) =>
        [.. Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).SelectMany(File.ReadAllBytes)];

    internal static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;
}
