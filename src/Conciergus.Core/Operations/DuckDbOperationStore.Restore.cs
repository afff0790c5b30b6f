using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Conciergus.Core.Model;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>
/// The history restore's fast path (<see cref="IOperationBucketSource"/>): the rings' buckets aggregated in DuckDB, one
/// GROUP BY GROUPING SETS over (bucket, series value) per ring, instead of materializing every operation.
/// </summary>
/// <remarks>
/// The SQL reproduces the cache's arithmetic bit for bit, so that restored buckets equal live ones: the completion time is
/// start ticks + trunc(duration x 10,000) as <c>TimeSeriesCache.EndTicks</c> computes it, clamped to the caller's now; a
/// latency is normalized as <c>LatencySketch.Normalize</c> does (NaN and negatives are 0, more than 1e12 ms is 1e12); its
/// sketch bucket is ceil(ln(v) x scale) with the caller's double scale (DuckDB's ln and .NET's Math.Log both call the C
/// library's log; tests/History/BulkRestoreTests checks the two agree). DuckDB orders NaN above every number, hence the
/// explicit isnan tests.
/// </remarks>
public sealed partial class DuckDbOperationStore : IOperationBucketSource
{
    private const long MaxTicks = 3155378975999999999; // DateTimeOffset.MaxValue.UtcTicks
    private const long UnixEpochTicks = 621355968000000000;

    // The cache's series per stored row: which grouping set it is, and its value(s).
    private const string GroupColumns = """
        CASE WHEN GROUPING(model) = 0 THEN 0 WHEN GROUPING(operation) = 0 THEN 1 WHEN GROUPING(application) = 0 THEN 2
             WHEN GROUPING(errcat) = 0 THEN 3 WHEN GROUPING(env) = 0 THEN 4 WHEN GROUPING(fn) = 0 THEN 5 ELSE 6 END AS g,
        CASE WHEN GROUPING(model) = 0 THEN provider WHEN GROUPING(operation) = 0 THEN operation
             WHEN GROUPING(application) = 0 THEN application WHEN GROUPING(errcat) = 0 THEN errcat
             WHEN GROUPING(env) = 0 THEN env WHEN GROUPING(fn) = 0 THEN fn ELSE xkey END AS v1,
        CASE WHEN GROUPING(model) = 0 THEN model WHEN GROUPING(xkey) = 0 THEN xvar END AS v2,
        ep
        """;

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredBucketRow> ReadRestoreBucketsAsync(RestoreBucketQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var rows = query.Step == TimeSpan.FromHours(1)
            ? StreamWithRollupAsync(query, static (q, sql) => TotalsSql(q, sql, withSlot: false), static slots => $"SELECT {TotalsColumns} FROM rollup_totals WHERE {slots}", ReadBucketRow, cancellationToken)
            : StreamRawAsync(query, static (q, sql) => TotalsSql(q, sql, withSlot: false), ReadBucketRow, cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            yield return row;
        }
    }

    private static StoredBucketRow ReadBucketRow(DbDataReader r) => new()
    {
        Group = (StoredSeriesGroup)r.GetInt32(0),
        Value = r.GetString(1),
        Value2 = r.IsDBNull(2) ? null : r.GetString(2),
        Epoch = r.GetInt64(3),
        Requests = r.GetInt64(4),
        Errors = r.GetInt64(5),
        InputTokens = r.GetInt64(6),
        OutputTokens = r.GetInt64(7),
        CachedInputTokens = r.GetInt64(8),
        CacheCreationInputTokens = r.GetInt64(9),
        ReasoningTokens = r.GetInt64(10),
        UnpricedRequests = r.GetInt64(11),
        CostUsd = r.IsDBNull(12) ? 0m : r.GetDecimal(12),
        LastSeenTicks = r.GetInt64(13),
        LatencySum = r.GetDouble(14),
        LatencyMin = r.GetDouble(15),
        LatencyMax = r.GetDouble(16),
        TimeToFirstTokenCount = r.GetInt64(17),
        TimeToFirstTokenSum = r.IsDBNull(18) ? 0 : r.GetDouble(18),
        TimeToFirstTokenMin = r.IsDBNull(19) ? double.NaN : r.GetDouble(19),
        TimeToFirstTokenMax = r.IsDBNull(20) ? double.NaN : r.GetDouble(20),
    };

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredSketchRow> ReadRestoreSketchAsync(RestoreBucketQuery query, bool timeToFirstToken, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var flag = timeToFirstToken ? "true" : "false";
        var rows = query.Step == TimeSpan.FromHours(1)
            ? StreamWithRollupAsync(query, (q, sql) => SketchSql(q, sql, timeToFirstToken, withSlot: false), slots => $"SELECT g, v1, v2, ep, idx, n FROM rollup_sketch WHERE tt = {flag} AND ({slots})", ReadSketchRow, cancellationToken)
            : StreamRawAsync(query, (q, sql) => SketchSql(q, sql, timeToFirstToken, withSlot: false), ReadSketchRow, cancellationToken);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            yield return row;
        }
    }

    private static StoredSketchRow ReadSketchRow(DbDataReader r) =>
        new((StoredSeriesGroup)r.GetInt32(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetInt64(3), r.IsDBNull(4) ? null : r.GetInt32(4), r.GetInt64(5));

    /// <summary>A restore read over raw rows only.</summary>
    private IAsyncEnumerable<T> StreamRawAsync<T>(RestoreBucketQuery query, Func<RestoreBucketQuery, OperationSql, string> text, Func<DbDataReader, T> read, CancellationToken cancellationToken)
    {
        var sql = new OperationSql();
        return StreamRestoreAsync(text(query, sql), sql, query.ExcludedOperationIds, read, cancellationToken);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<StoredUserDayRow> ReadRestoreUserDaysAsync(RestoreBucketQuery query, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new OperationSql();

        // As UserCostLedger.Restore books an operation: at EndTime (DateTimeOffset.AddMilliseconds: whole milliseconds,
        // then the truncated fraction) when the duration is finite and under 3,650 days, else at the start.
        var text = $"""
            SELECT user_id, day, sum(coalesce(cost_usd, 0)), count(*), CAST(sum(input_tokens) AS BIGINT), CAST(sum(output_tokens) AS BIGINT)
            FROM (
                SELECT o.user_id, o.cost_usd, o.input_tokens, o.output_tokens,
                    (CASE WHEN isfinite(o.duration_ms) AND abs(o.duration_ms) < 315360000000
                          THEN st + CAST(trunc(o.duration_ms) AS BIGINT) * 10000 + CAST(trunc((o.duration_ms - trunc(o.duration_ms)) * 10000.0) AS BIGINT)
                          ELSE st END) // {TimeSpan.TicksPerDay} AS day
                FROM (SELECT *, epoch_us(start_time) * 10 + {UnixEpochTicks} AS st FROM operations) o
                WHERE {Where(query, sql)} AND o.user_id IS NOT NULL AND o.user_id <> '')
            GROUP BY user_id, day
            """;
        await foreach (var row in StreamRestoreAsync(text, sql, query.ExcludedOperationIds, static r => new StoredUserDayRow(
            r.GetString(0), DateOnly.FromDayNumber((int)r.GetInt64(1)), r.GetDecimal(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5)), cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AiOperation>> ReadNewestAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var sql = new OperationSql();
        var text = $"SELECT {Prefixed(OperationColumns, "o.")} FROM operations o WHERE {sql.Where(since, until, filter)} ORDER BY o.end_time DESC, o.operation_id DESC LIMIT {limit.ToString(CultureInfo.InvariantCulture)}";
        var result = new List<AiOperation>(limit);
        await foreach (var operation in StreamAsync(text, sql, static r => ReadOperation(r), cancellationToken).ConfigureAwait(false))
        {
            result.Add(operation);
        }

        result.Reverse();
        return result;
    }

    /// <inheritdoc />
    public async Task<long> CountStoredAsync(DateTimeOffset since, DateTimeOffset until, IReadOnlyCollection<string> operationIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(operationIds);
        if (operationIds.Count == 0)
        {
            return 0;
        }

        var sql = new OperationSql();
        var text = $"SELECT count(*) FROM operations o WHERE {sql.Where(since, until, OperationFilter.Empty)} AND o.operation_id IN (SELECT id FROM {ExcludedTable})";
        long count = 0;
        await foreach (var n in StreamRestoreAsync(text, sql, operationIds, static r => r.GetInt64(0), cancellationToken, excludeInWhere: false).ConfigureAwait(false))
        {
            count = n;
        }

        return count;
    }

    private const string ExcludedTable = "conciergus_restore_excluded";

    private static string LatencyFloor => "0.001";

    /// <summary>Where (and the excluded ids) for a restore read over <c>o</c>.</summary>
    private static string Where(RestoreBucketQuery query, OperationSql sql) => sql.Where(query.Since, query.Until, OperationFilter.Empty);

    /// <summary>
    /// The rows a restore read groups: bucket epoch, series values, normalized latency and TTFT, completion ticks and
    /// <paramref name="extra"/> columns of <c>o</c>.
    /// </summary>
    private static string Base(RestoreBucketQuery query, OperationSql sql, string extra)
    {
        var step = sql.Add(query.Step.Ticks);
        var clamp = sql.Add(query.ClampTo.UtcTicks);
        var categories = string.Join(", ", Enum.GetValues<ErrorCategory>().Where(c => c != ErrorCategory.None).Select(c => sql.Add(c.ToWireName())));
        var end = $"""
            LEAST(CASE WHEN isnan(o.duration_ms) OR o.duration_ms <= 0 THEN st
                       WHEN o.duration_ms >= ({MaxTicks} - st) / 10000.0 THEN {MaxTicks}
                       ELSE st + CAST(trunc(o.duration_ms * 10000.0) AS BIGINT) END, {clamp})
            """;
        return $"""
            SELECT {end} AS e, e // {step} AS ep,
                o.provider, o.model, o.operation, o.application,
                CASE WHEN o.status = 'error' THEN (CASE WHEN o.error_category IN ({categories}) THEN o.error_category ELSE 'unknown' END) END AS errcat,
                NULLIF(o.environment, '') AS env, NULLIF(o.function_id, '') AS fn, NULLIF(o.experiment_key, '') AS xkey,
                coalesce(o.experiment_variant, '') AS xvar,
                {Normalized("o.duration_ms")} AS lat,
                CASE WHEN o.ttft_ms IS NULL THEN NULL ELSE {Normalized("o.ttft_ms")} END AS tt{(extra.Length > 0 ? ", " + extra : "")}
            FROM (SELECT *, epoch_us(start_time) * 10 + {UnixEpochTicks} AS st FROM operations) o
            WHERE {Where(query, sql)}
            """;
    }

    /// <summary>LatencySketch.Normalize in SQL.</summary>
    private static string Normalized(string column) =>
        $"(CASE WHEN isnan({column}) OR {column} <= 0 THEN 0.0 WHEN {column} > 1e12 THEN 1e12 ELSE {column} END)";

    private static string GroupingSets(string? extra)
    {
        var tail = extra is null ? "" : ", " + extra;
        return $"((ep, provider, model{tail}), (ep, operation{tail}), (ep, application{tail}), (ep, errcat{tail}), (ep, env{tail}), (ep, fn{tail}), (ep, xkey, xvar{tail}))";
    }

    /// <summary>
    /// Runs a restore read on its own connection; with excluded ids, they go to a connection-local temporary table first and
    /// (unless <paramref name="excludeInWhere"/> is false, the caller then uses the table itself) every <c>operations</c>
    /// row whose id is in it is left out.
    /// </summary>
    private async IAsyncEnumerable<T> StreamRestoreAsync<T>(string text, OperationSql sql, IReadOnlyCollection<string> excluded, Func<DbDataReader, T> read, [EnumeratorCancellation] CancellationToken cancellationToken, bool excludeInWhere = true)
    {
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            if (excluded.Count > 0)
            {
                FillExcluded(connection, excluded);
                if (excludeInWhere)
                {
                    text = text.Replace("FROM operations)", $"FROM operations WHERE operation_id NOT IN (SELECT id FROM {ExcludedTable}))", StringComparison.Ordinal);
                }
            }

            using var command = connection.CreateCommand();
            command.CommandText = text;
            sql.Bind(command);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return read(reader);
            }
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <summary>Creates the connection's temporary table of excluded ids (values as parameters, never in the SQL text).</summary>
    private static void FillExcluded(DuckDBConnection connection, IReadOnlyCollection<string> ids)
    {
        Run(connection, $"CREATE OR REPLACE TEMP TABLE {ExcludedTable} (id VARCHAR)");
        const int PerStatement = 500;
        foreach (var chunk in ids.Chunk(PerStatement))
        {
            using var command = connection.CreateCommand();
            var text = new StringBuilder($"INSERT INTO {ExcludedTable} VALUES ");
            for (var i = 0; i < chunk.Length; i++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"x{i}");
                text.Append(i == 0 ? "" : ", ").Append("($").Append(name).Append(')');
                command.Parameters.Add(new DuckDBParameter(name, chunk[i]));
            }

            command.CommandText = text.ToString();
            command.ExecuteNonQuery();
        }
    }
}
