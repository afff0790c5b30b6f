using System.Globalization;
using System.Security.Cryptography;
using Conciergus.Core.Model;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>Erasure, retention purges (with Parquet archives), the disk cap, cost updates and compaction.</summary>
public sealed partial class DuckDbOperationStore
{
    /// <summary>Ids shorter than this are matched only by equality, never as a substring of free text (a one-letter id would match everything).</summary>
    internal const int MinSubstringIdLength = 3;

    private const string Separator = "chr(31)";

    /// <inheritdoc />
    /// <remarks>
    /// Operations: the user's (user id) and any whose metadata value is the id or whose stored strings (ids, error text,
    /// metadata) contain it. Spans: every trace that mentions the id in any stored string (name, status message,
    /// attribute keys and values) or that holds an erased operation. Then the file is rewritten (compacted), because
    /// DuckDB leaves deleted values in freed blocks: after this returns, the file's bytes no longer contain the id.
    /// </remarks>
    public async Task<OperationErasure> EraseSubjectAsync(string userId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        var (operations, spans) = await WithWriterAsync(connection =>
        {
            var sql = new OperationSql();
            var id = sql.Add(userId);

            // Attributes are escaped text (MetadataText), with those left to the operation row put back (SpanAttributeText):
            // the id is searched for escaped as well, so it matches inside a key or value (escaping is per character) and,
            // for short ids, equals a whole value (between its separators).
            var attributes = SpanAttributeText.RebuildSql("s.attributes_text");
            var spanMatch = userId.Length >= MinSubstringIdLength
                ? $"(contains(concat_ws({Separator}, s.name, s.status_message, s.application), {id}) OR contains({attributes}, {sql.Add(MetadataText.Escaped(userId))}))"
                : $"(contains({attributes}, {sql.Add(MetadataText.Value(userId))}) OR s.name = {id} OR s.status_message = {id})";
            using var transaction = connection.BeginTransaction();
            using var mark = connection.CreateCommand();
            mark.CommandText = $"""
                CREATE OR REPLACE TEMP TABLE erase_traces AS
                    SELECT DISTINCT s.trace_id FROM spans s LEFT JOIN operations o ON {SpanOperationJoin} WHERE {spanMatch}
                    UNION SELECT DISTINCT o.trace_id FROM operations o WHERE o.trace_id IS NOT NULL AND {OperationMentions(userId, id)};
                """;
            sql.Bind(mark);
            mark.ExecuteNonQuery();

            var unsealSql = new OperationSql();
            var unsealId = unsealSql.Add(userId);
            UnsealWhere(connection, OperationMentions(userId, unsealId), unsealSql.Bind);

            using var deleteOps = connection.CreateCommand();
            var opSql = new OperationSql();
            var opId = opSql.Add(userId);
            deleteOps.CommandText = $"DELETE FROM operations o WHERE {OperationMentions(userId, opId)}";
            opSql.Bind(deleteOps);
            var deletedOps = deleteOps.ExecuteNonQuery();

            using var deleteSpans = connection.CreateCommand();
            deleteSpans.CommandText = "DELETE FROM spans WHERE trace_id IN (SELECT trace_id FROM erase_traces); DROP TABLE erase_traces;";
            var deletedSpans = deleteSpans.ExecuteNonQuery();
            transaction.Commit();
            ReloadSealed(connection);
            return ((long)deletedOps, (long)deletedSpans);
        }, cancellationToken).ConfigureAwait(false);

        if (operations > 0 || spans > 0)
        {
            await CompactAsync(cancellationToken).ConfigureAwait(false);
        }

        return new OperationErasure(operations, spans);
    }

    /// <summary>The condition "this operation row mentions the id" (<paramref name="id"/> is the parameter placeholder).</summary>
    private static string OperationMentions(string userId, string id) =>
        userId.Length >= MinSubstringIdLength
            ? $"(o.user_id = {id} OR list_contains(o.metadata_values, {id}) OR contains(concat_ws({Separator}, o.operation_id, o.trace_id, o.user_id, o.session_id, o.conversation_id, o.function_id, o.application, o.environment, o.error_type, o.error_code, o.error_message, o.original_model, o.request_model, o.response_model, o.experiment_key, o.experiment_variant, o.price_version, array_to_string(o.metadata_keys, {Separator}), array_to_string(o.metadata_values, {Separator}), array_to_string(o.finish_reasons, {Separator})), {id}))"
            : $"(o.user_id = {id} OR list_contains(o.metadata_values, {id}) OR o.session_id = {id} OR o.conversation_id = {id})";

    /// <inheritdoc />
    public async Task<OperationPurge> PurgeAsync(DateTimeOffset olderThan, CancellationToken cancellationToken = default)
    {
        // A relative archive folder is inside the data folder, beside the database file.
        var archive = _options.ArchiveDirectory is { Length: > 0 } configured
            ? Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(Path.GetDirectoryName(FilePath)!, configured))
            : null;
        return await WithWriterAsync(connection =>
        {
            var cutoff = olderThan.UtcDateTime;
            var files = new List<ArchiveFile>();
            if (!string.IsNullOrEmpty(archive))
            {
                Directory.CreateDirectory(archive);
                var stamp = _time.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
                var before = cutoff.ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);
                foreach (var (table, view) in new[] { ("operations", "operations_v"), ("spans", "spans_v") })
                {
                    var rows = Scalar(connection, $"SELECT count(*) FROM {table} WHERE end_time < $cutoff", cutoff);
                    if (rows == 0)
                    {
                        continue;
                    }

                    var path = Path.GetFullPath(Path.Combine(archive, $"{table}-before-{before}-{stamp}.parquet"));
                    using (var copy = connection.CreateCommand())
                    {
                        // COPY takes no parameters: the cutoff and the path are ours (a formatted time, a configured folder), quoted.
                        copy.CommandText = $"COPY (SELECT * FROM {view} WHERE end_time < {TimestampLiteral(cutoff)} ORDER BY end_time) TO {StringLiteral(path)} (FORMAT PARQUET, COMPRESSION ZSTD)";
                        copy.ExecuteNonQuery();
                    }

                    files.Add(new ArchiveFile(path, Sha256Of(path), rows));
                }
            }

            using var transaction = connection.BeginTransaction();
            UnsealBefore(connection, cutoff);
            var operations = Execute(connection, "DELETE FROM operations WHERE end_time < $cutoff", cutoff);
            var spans = Execute(connection, "DELETE FROM spans WHERE end_time < $cutoff", cutoff);
            transaction.Commit();
            ReloadSealed(connection);
            if (operations > 0 || spans > 0)
            {
                Execute(connection, "CHECKPOINT", null);
            }

            return new OperationPurge(operations, spans, files);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Purges the oldest data until the used part of the file is under <see cref="OperationStoreOptions.MaxDiskBytes"/>
    /// (DuckDB reuses freed blocks, so the file stops growing rather than shrinking). Returns what each step removed.
    /// </summary>
    public async Task<IReadOnlyList<OperationPurge>> EnforceDiskCapAsync(CancellationToken cancellationToken = default)
    {
        var purges = new List<OperationPurge>();
        if (_options.MaxDiskBytes <= 0)
        {
            return purges;
        }

        for (var step = 0; step < 32; step++)
        {
            var (used, oldest, newest) = await WithWriterAsync(connection =>
            {
                var usedBytes = UsedBytes(connection);
                using var command = connection.CreateCommand();
                command.CommandText = "SELECT min(end_time), max(end_time) FROM operations";
                using var reader = command.ExecuteReader();
                reader.Read();
                return (usedBytes, reader.IsDBNull(0) ? (DateTime?)null : reader.GetDateTime(0), reader.IsDBNull(1) ? (DateTime?)null : reader.GetDateTime(1));
            }, cancellationToken).ConfigureAwait(false);
            if (used <= _options.MaxDiskBytes || oldest is null || newest is null)
            {
                break;
            }

            // Remove the oldest tenth of the stored time range (at least a minute) and measure again.
            var span = newest.Value - oldest.Value;
            var cut = oldest.Value + TimeSpan.FromTicks(Math.Max(span.Ticks / 10, TimeSpan.TicksPerMinute));
            purges.Add(await PurgeAsync(new DateTimeOffset(DateTime.SpecifyKind(cut, DateTimeKind.Utc)), cancellationToken).ConfigureAwait(false));
        }

        return purges;
    }

    /// <inheritdoc />
    public async Task<long> UpdateCostsAsync(IReadOnlyList<AiOperation> repriced, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(repriced);
        long updated = 0;
        foreach (var chunk in repriced.Chunk(5000))
        {
            updated += await WithWriterAsync(connection =>
            {
                var ids = chunk.Select(o => o.OperationId).ToList();
                using var transaction = connection.BeginTransaction();
                UnsealWhere(connection, "o.operation_id IN (SELECT unnest($ids))", c => c.Parameters.Add(new DuckDBParameter("ids", ids)));
                using var command = connection.CreateCommand();
                command.CommandText = """
                    UPDATE operations SET cost_usd = r.cost::DECIMAL(18, 12), pricing = r.pricing::TINYINT, price_version = r.version
                    FROM (SELECT unnest($ids) AS id, unnest($costs) AS cost, unnest($pricing) AS pricing, unnest($versions) AS version) r
                    WHERE operations.operation_id = r.id
                    """;
                command.Parameters.Add(new DuckDBParameter("ids", ids));
                command.Parameters.Add(new DuckDBParameter("costs", chunk.Select(o => o.CostUsd is { } c && Math.Abs(c) < MaxStoredCost ? Math.Round(c, 12).ToString(CultureInfo.InvariantCulture) : null).ToList()));
                command.Parameters.Add(new DuckDBParameter("pricing", chunk.Select(o => (int)o.Pricing).ToList()));
                command.Parameters.Add(new DuckDBParameter("versions", chunk.Select(o => o.PriceVersion).ToList()));
                var changed = (long)command.ExecuteNonQuery();
                transaction.Commit();
                ReloadSealed(connection);
                return changed;
            }, cancellationToken).ConfigureAwait(false);
        }

        return updated;
    }

    /// <summary>
    /// Rewrites the database into a fresh file and swaps it in (writer paused, no reader open), so deleted values leave
    /// no bytes behind. Takes as long as copying the live data.
    /// </summary>
    public async Task CompactAsync(CancellationToken cancellationToken = default)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        var slots = 0;
        try
        {
            _sealingDirty = true; // a seal building meanwhile never commits: it cannot take this lock, rolls back and gives its reader slot up
            for (; slots < ReaderSlots; slots++)
            {
                await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            var connection = _connection ?? throw new OperationStoreUnavailableException(_state, _reason);
            var compact = FilePath + ".compact";
            File.Delete(compact);
            using (var command = connection.CreateCommand())
            {
                var name = (_databaseName ?? Path.GetFileNameWithoutExtension(FilePath)).Replace("\"", "\"\"", StringComparison.Ordinal);
                command.CommandText = $"ATTACH {StringLiteral(compact)} AS conciergus_compact{EncryptionClause()}; COPY FROM DATABASE \"{name}\" TO conciergus_compact; DETACH conciergus_compact;";
                command.ExecuteNonQuery();
            }

            connection.Dispose();
            _connection = null;
            File.Move(compact, FilePath, overwrite: true);
            File.Delete(FilePath + ".wal");
            OpenWriterConnection();
        }
        catch (Exception e) when (e is not OperationCanceledException and not OperationStoreUnavailableException)
        {
            Degrade($"compaction failed: {e.Message}", e);
            throw;
        }
        finally
        {
            if (slots > 0)
            {
                _readers.Release(slots);
            }

            _writeLock.Release();
            Wake();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the writer's connection between two batches.</summary>
    private async Task<T> WithWriterAsync<T>(Func<DuckDBConnection, T> work, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = _connection ?? throw new OperationStoreUnavailableException(_state, _reason);
            _sealingDirty = true; // the work may change raw rows: a seal building meanwhile rolls back
            return work(connection);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static long UsedBytes(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT used_blocks * block_size FROM pragma_database_size()";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long Scalar(DuckDBConnection connection, string text, DateTime cutoff)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        command.Parameters.Add(new DuckDBParameter("cutoff", cutoff));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static long Execute(DuckDBConnection connection, string text, DateTime? cutoff)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        if (cutoff is { } value)
        {
            command.Parameters.Add(new DuckDBParameter("cutoff", value));
        }

        return command.ExecuteNonQuery();
    }

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string StringLiteral(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    private static string TimestampLiteral(DateTime value) =>
        "TIMESTAMP '" + value.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "'";
}
