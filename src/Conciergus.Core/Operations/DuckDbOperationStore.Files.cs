using System.Globalization;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>Opening the file (plain or encrypted), reader connections and consistent backups.</summary>
public sealed partial class DuckDbOperationStore
{
    /// <summary>Name under which an encrypted file is attached (the in-memory main database only hosts it).</summary>
    internal const string EncryptedCatalog = "conciergus";

    private bool Encrypted => _options.EncryptionKey is { Length: > 0 };

    /// <inheritdoc />
    /// <remarks>
    /// Runs on a reader connection, in one transaction: <c>ATTACH</c> a fresh file (encrypted with the same key when the
    /// store is) and <c>COPY FROM DATABASE</c> into it. DuckDB's snapshot isolation makes the copy consistent as of the
    /// transaction's start while the writer keeps appending; compaction waits for it (it holds a reader slot).
    /// </remarks>
    public async Task<string> BackupAsync(string targetDirectory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetDirectory);
        var directory = Path.GetFullPath(targetDirectory);
        Directory.CreateDirectory(directory);
        var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff'Z'", CultureInfo.InvariantCulture);
        var target = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(FilePath)}-backup-{stamp}.duckdb");
        for (var n = 1; File.Exists(target); n++)
        {
            target = Path.Combine(directory, $"{Path.GetFileNameWithoutExtension(FilePath)}-backup-{stamp}-{n}.duckdb");
        }

        var partial = target + ".partial";
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            var source = Quoted(_databaseName ?? Path.GetFileNameWithoutExtension(FilePath));
            File.Delete(partial);
            Run(connection, $"ATTACH {StringLiteral(partial)} AS conciergus_backup{EncryptionClause()}");
            try
            {
                Run(connection, $"BEGIN TRANSACTION; COPY FROM DATABASE {source} TO conciergus_backup; COMMIT;");
            }
            finally
            {
                Run(connection, "DETACH conciergus_backup");
            }

            // The copy is complete and closed: only now does it get its final name, so a crash never leaves a torn backup.
            File.Move(partial, target);
            return target;
        }
        catch (Exception e) when (e is not OperationCanceledException and not OperationStoreUnavailableException)
        {
            TryDelete(partial);
            throw new IOException($"Backup of the operation store to '{directory}' failed: {Redacted(e.Message)}", e);
        }
        finally
        {
            TryDelete(partial + ".wal");
            _readers.Release();
        }
    }

    /// <summary>
    /// A connection for one query on the same database instance as the writer. A plain file: DuckDB.NET shares one
    /// instance per file path. An encrypted file is attached to an in-memory instance, so readers duplicate the writer's
    /// connection (same instance) and select the attached catalog. Caller holds a reader slot (compaction takes them all).
    /// </summary>
    private async Task<DuckDBConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        if (!Encrypted)
        {
            var plain = new DuckDBConnection(ConnectionString);
            try
            {
                await plain.OpenAsync(cancellationToken).ConfigureAwait(false);
                return plain;
            }
            catch
            {
                await plain.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        DuckDBConnection duplicate;
        try
        {
            duplicate = (Volatile.Read(ref _connection) ?? throw new OperationStoreUnavailableException(_state, _reason)).Duplicate();
        }
        catch (ObjectDisposedException)
        {
            throw new OperationStoreUnavailableException(_state, _reason);
        }

        try
        {
            if (duplicate.State != System.Data.ConnectionState.Open)
            {
                await duplicate.OpenAsync(cancellationToken).ConfigureAwait(false);
            }

            Run(duplicate, $"USE {EncryptedCatalog}");
            return duplicate;
        }
        catch
        {
            await duplicate.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Opens the file the configured way: plain, or attached with the encryption key. Returns an open connection whose default catalog is the store.</summary>
    private DuckDBConnection OpenDatabase()
    {
        if (!Encrypted)
        {
            var plain = new DuckDBConnection(ConnectionString);
            try
            {
                plain.Open();
                return plain;
            }
            catch (DuckDBException e) when (e.Message.Contains("without a key", StringComparison.OrdinalIgnoreCase))
            {
                plain.Dispose();
                throw new IOException(
                    $"'{FilePath}' is encrypted: set {OperationStoreOptions.SectionName}:EncryptionKey (or the storage encryption key) to the key it was written with.",
                    e);
            }
            catch
            {
                plain.Dispose();
                throw;
            }
        }

        var connection = new DuckDBConnection("Data Source=:memory:");
        try
        {
            connection.Open();
            EnableWritableCrypto(connection);
            try
            {
                Run(connection, $"ATTACH {StringLiteral(FilePath)} AS {EncryptedCatalog}{EncryptionClause()}; USE {EncryptedCatalog};");
            }
            catch (DuckDBException e) when (e.Message.Contains("not encrypted", StringComparison.OrdinalIgnoreCase))
            {
                throw new IOException(
                    $"'{FilePath}' is a plain (unencrypted) store but {OperationStoreOptions.SectionName}:EncryptionKey is set: remove the key, or move the plain file away to start an encrypted one.",
                    e);
            }
            catch (DuckDBException e)
            {
                // A wrong key fails the file's key check; say so in words and never echo the key.
                throw new IOException($"cannot open the encrypted store '{FilePath}' (wrong {OperationStoreOptions.SectionName}:EncryptionKey?): {Redacted(e.Message)}", e);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// DuckDB writes encrypted files only with OpenSSL, which its httpfs extension brings; the built-in mbedTLS module can
    /// decrypt but DuckDB refuses to encrypt with it (its nonces do not come from a secure generator) unless forced.
    /// </summary>
    private void EnableWritableCrypto(DuckDBConnection connection)
    {
        try
        {
            Run(connection, "LOAD httpfs");
            return;
        }
        catch (DuckDBException) when (_options.AllowMbedTlsEncryption)
        {
            Run(connection, "SET force_mbedtls_unsafe = true");
        }
        catch (DuckDBException e)
        {
            throw new IOException(
                $"{OperationStoreOptions.SectionName}:EncryptionKey is set, but DuckDB's httpfs extension (OpenSSL), which DuckDB needs to write encrypted files, " +
                $"is not installed for this DuckDB version: install it once where the dashboard runs (duckdb -c \"INSTALL httpfs\", or copy httpfs.duckdb_extension into ~/.duckdb/extensions/<version>/<platform>/), " +
                $"or set {OperationStoreOptions.SectionName}:AllowMbedTlsEncryption to true to accept DuckDB's weaker built-in module ({e.Message.Split('\n')[0]})",
                e);
        }
    }

    private string EncryptionClause() => Encrypted ? $" (ENCRYPTION_KEY {StringLiteral(_options.EncryptionKey!)})" : "";

    /// <summary>An error text with the encryption key taken out, should DuckDB ever echo the statement.</summary>
    private string Redacted(string message) =>
        Encrypted ? message.Replace(_options.EncryptionKey!, "***", StringComparison.Ordinal) : message;

    private static void Run(DuckDBConnection connection, string text)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        command.ExecuteNonQuery();
    }

    private static string Quoted(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
#pragma warning disable CA1031 // Best-effort cleanup of a partial file.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
