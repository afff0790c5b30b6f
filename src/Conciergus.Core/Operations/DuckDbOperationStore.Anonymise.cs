using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>Delayed anonymisation of identifiers (issue 19 item 2), kept apart from the store's other maintenance.</summary>
public sealed partial class DuckDbOperationStore
{
    private const string Prefix = IOperationStore.AnonymisedPrefix;
    private static readonly string[] IdentifierColumns = ["user_id", "session_id"];

    /// <inheritdoc />
    /// <remarks>
    /// User and session ids of operations that started before <paramref name="before"/> become <paramref name="pseudonym"/>
    /// of the id (already pseudonymous values, starting with <see cref="IOperationStore.AnonymisedPrefix"/>, are left alone) or NULL
    /// when it is null; every other column stays, so totals, costs and percentiles do not change. Then the file is
    /// rewritten (compacted) so the old values leave no bytes behind, as erasure does.
    /// </remarks>
    public async Task<long> AnonymiseBeforeAsync(DateTimeOffset before, Func<string, string>? pseudonym, CancellationToken cancellationToken = default)
    {
        var cutoff = before.UtcDateTime;
        var changed = await WithWriterAsync(connection =>
        {
            var rows = Scalar(connection, $"""
                SELECT count(*) FROM operations WHERE start_time < $cutoff
                    AND ((user_id IS NOT NULL AND NOT starts_with(user_id, '{Prefix}')) OR (session_id IS NOT NULL AND NOT starts_with(session_id, '{Prefix}')))
                """, cutoff);
            if (rows == 0)
            {
                return 0L;
            }

            using var transaction = connection.BeginTransaction();
            foreach (var column in IdentifierColumns)
            {
                if (pseudonym is null)
                {
                    using var clear = connection.CreateCommand();
                    clear.CommandText = $"UPDATE operations SET {column} = NULL WHERE start_time < $cutoff AND {column} IS NOT NULL";
                    clear.Parameters.Add(new DuckDBParameter("cutoff", cutoff));
                    clear.ExecuteNonQuery();
                    continue;
                }

                var ids = new List<string>();
                using (var select = connection.CreateCommand())
                {
                    select.CommandText = $"SELECT DISTINCT {column} FROM operations WHERE start_time < $cutoff AND {column} IS NOT NULL AND NOT starts_with({column}, '{Prefix}')";
                    select.Parameters.Add(new DuckDBParameter("cutoff", cutoff));
                    using var reader = select.ExecuteReader();
                    while (reader.Read())
                    {
                        ids.Add(reader.GetString(0));
                    }
                }

                foreach (var chunk in ids.Chunk(5000))
                {
                    using var update = connection.CreateCommand();
                    update.CommandText = $"""
                        UPDATE operations SET {column} = m.pseudonym
                        FROM (SELECT unnest($ids) AS id, unnest($pseudonyms) AS pseudonym) m
                        WHERE operations.start_time < $cutoff AND operations.{column} = m.id
                        """;
                    update.Parameters.Add(new DuckDBParameter("ids", chunk.ToList()));
                    update.Parameters.Add(new DuckDBParameter("pseudonyms", chunk.Select(pseudonym).ToList()));
                    update.Parameters.Add(new DuckDBParameter("cutoff", cutoff));
                    update.ExecuteNonQuery();
                }
            }

            transaction.Commit();
            return rows;
        }, cancellationToken).ConfigureAwait(false);

        if (changed > 0)
        {
            await CompactAsync(cancellationToken).ConfigureAwait(false);
        }

        return changed;
    }
}
