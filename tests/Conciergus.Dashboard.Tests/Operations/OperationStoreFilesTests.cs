using System.Text;
using Conciergus.Core.Operations;
using DuckDB.NET.Data;

namespace Conciergus.Dashboard.Tests.Operations;

/// <summary>Backups while the writer appends, and encryption at rest (the file's bytes, a missing or wrong key).</summary>
public sealed class OperationStoreFilesTests
{
    private const string Key = "test-key-0123456789abcdef";

    [Fact]
    public async Task BackupAsync_WhileAppending_WritesACompleteOpenableCopyAndAppendsGoOn()
    {
        // Arrange: committed operations, then more queued while the backup runs
        await using var host = new TempOperationStore();
        var committed = OperationStoreTestData.Generate(3000, seed: 1);
        foreach (var operation in committed)
        {
            host.Store.TryAppend(operation);
        }

        await host.Store.FlushAsync();
        var later = OperationStoreTestData.Generate(500, seed: 2);
        var target = Path.Combine(host.Directory, "backups");

        // Act
        var appending = Task.Run(() => later.ForEach(o => host.Store.TryAppend(o)));
        var path = await host.Store.BackupAsync(target, CancellationToken.None);
        await appending;
        await host.Store.FlushAsync();

        // Assert: the backup is a closed file with at least the committed rows (never a torn or partial one)
        Assert.Equal(target, Path.GetDirectoryName(path));
        Assert.Equal([path], Directory.GetFiles(target));
        using (var connection = new DuckDBConnection($"Data Source={path}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*), count(DISTINCT operation_id) FROM operations";
            using var reader = command.ExecuteReader();
            reader.Read();
            var rows = reader.GetInt64(0);
            Assert.InRange(rows, committed.Count, committed.Count + later.Count);
            Assert.Equal(rows, reader.GetInt64(1));
        }

        Assert.Equal(committed.Count + later.Count, host.Store.Status.Appended);
        Assert.Equal(OperationStoreState.Healthy, host.Store.Status.State);
    }

    [Fact]
    public async Task EncryptionKey_Set_FileBytesHoldNoUserIdAndTheStoreReadsItBack()
    {
        // Arrange
        const string UserId = "user-secret-7c41d9";
        var directory = NewDirectory();
        var operations = OperationStoreTestData.Generate(400, seed: 3);
        operations[5] = operations[5] with { UserId = UserId };
        operations[6] = operations[6] with { UserId = UserId, Metadata = new Dictionary<string, string> { ["owner"] = UserId } };
        await using (var host = new TempOperationStore(Encrypt, directory: directory) { KeepFiles = true })
        {
            await host.WaitForStateAsync(OperationStoreState.Healthy);
            foreach (var operation in operations)
            {
                host.Store.TryAppend(operation);
            }

            await host.Store.FlushAsync();

            // Assert while open (file + WAL) and after close (checkpointed)
            Assert.False(FileContains(host.FilePath, UserId) || FileContains(host.FilePath + ".wal", UserId), "the id is readable in the encrypted store's files");
        }

        var file = Path.Combine(directory, "operations.duckdb");
        Assert.True(File.Exists(file) && new FileInfo(file).Length > 0);
        Assert.False(FileContains(file, UserId) || FileContains(file + ".wal", UserId), "the id is readable in the closed encrypted file");
        Assert.False(FileContains(file, "gpt-4o"), "model names are readable: the file is not encrypted");

        // Act: reopen with the key
        await using var reopened = new TempOperationStore(Encrypt, directory: directory);
        await reopened.WaitForStateAsync(OperationStoreState.Healthy);
        var rows = await reopened.Store.AggregateAsync(new OperationQuery
        {
            From = OperationStoreTestData.Start.AddDays(-1),
            To = OperationStoreTestData.Start.AddDays(10),
            Filter = new OperationFilter([new FilterClause("user", [UserId])]),
        });

        // Assert
        Assert.Equal(2, Assert.Single(rows).Requests);
    }

    [Fact]
    public async Task EncryptionKey_MissingOrWrong_StoreDegradedWithAClearReason()
    {
        // Arrange: an encrypted file
        var directory = NewDirectory();
        await using (var host = new TempOperationStore(Encrypt, directory: directory) { KeepFiles = true })
        {
            host.Store.TryAppend(OperationStoreTestData.Generate(1)[0]);
            await host.Store.FlushAsync();
        }

        // Act
        await using var withoutKey = new TempOperationStore(directory: directory) { KeepFiles = true };
        await withoutKey.WaitForStateAsync(OperationStoreState.Degraded);
        var withoutKeyReason = withoutKey.Store.Status.Reason;
        await withoutKey.Store.DisposeAsync();
        await using var wrongKey = new TempOperationStore(o => { Encrypt(o); o.EncryptionKey = "another-key-0123456789"; }, directory: directory);
        await wrongKey.WaitForStateAsync(OperationStoreState.Degraded);

        // Assert
        Assert.Contains("is encrypted: set Conciergus:Operations:EncryptionKey", withoutKeyReason, StringComparison.Ordinal);
        Assert.Contains("wrong Conciergus:Operations:EncryptionKey", wrongKey.Store.Status.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("another-key-0123456789", wrongKey.Store.Status.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EncryptionKey_NoOptIn_EncryptsWithOpenSslOrDegradesSayingHowToInstallHttpfs()
    {
        // Arrange: whether this machine's DuckDB has its httpfs extension (OpenSSL) installed decides the expected outcome
        var extensions = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".duckdb", "extensions");
        var openSsl = Directory.Exists(extensions) && Directory.EnumerateFiles(extensions, "httpfs.duckdb_extension", SearchOption.AllDirectories).Any();

        // Act
        await using var host = new TempOperationStore(o => o.EncryptionKey = Key);
        await host.WaitForStateAsync(openSsl ? OperationStoreState.Healthy : OperationStoreState.Degraded);

        // Assert: without OpenSSL nothing is written (no plain file), and the reason says what to do
        if (!openSsl)
        {
            Assert.Contains("httpfs", host.Store.Status.Reason, StringComparison.Ordinal);
            Assert.Contains("AllowMbedTlsEncryption", host.Store.Status.Reason, StringComparison.Ordinal);
            Assert.False(File.Exists(host.FilePath));
        }
    }

    [Fact]
    public async Task BackupAsync_EncryptedStore_BackupEncryptedWithTheSameKey()
    {
        // Arrange
        const string UserId = "user-backup-5be0aa";
        await using var host = new TempOperationStore(Encrypt);
        var operations = OperationStoreTestData.Generate(50, seed: 4);
        operations[0] = operations[0] with { UserId = UserId };
        operations.ForEach(o => host.Store.TryAppend(o));
        await host.Store.FlushAsync();

        // Act
        var path = await host.Store.BackupAsync(Path.Combine(host.Directory, "backups"), CancellationToken.None);

        // Assert
        Assert.False(FileContains(path, UserId));
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"ATTACH '{path}' AS b (ENCRYPTION_KEY '{Key}', READ_ONLY); SELECT count(*) FROM b.operations WHERE user_id = '{UserId}'";
        Assert.Equal(1L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("short", false)]
    [InlineData("sixteen-chars-ok", true)]
    [InlineData("with-a-newline-\n-in-it", false)]
    [InlineData(null, true)]
    public void Validator_EncryptionKey_AtLeast16PrintableCharacters(string? key, bool valid)
    {
        var failures = OperationStoreOptionsValidator.Check(new OperationStoreOptions { EncryptionKey = key });
        Assert.Equal(valid, failures.Count == 0);
    }

    // This machine has no httpfs (OpenSSL) for DuckDB: the tests accept the built-in module, whose file format is the same.
    private static void Encrypt(OperationStoreOptions options)
    {
        options.EncryptionKey = Key;
        options.AllowMbedTlsEncryption = true;
    }

    private static string NewDirectory()
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-operations-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static bool FileContains(string path, string text) =>
        File.Exists(path) && File.ReadAllBytes(path).AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
