using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>Queries: aggregates, distinct values, streaming reads.</summary>
public sealed partial class DuckDbOperationStore
{
    private (List<string> Versions, List<long> From, List<long> Until)? _catalogVersions;

    /// <inheritdoc />
    public async Task<IReadOnlyList<OperationAggregateRow>> AggregateAsync(OperationQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Step is { } step && step < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentException("step must be at least 1 ms", nameof(query));
        }

        var sql = new OperationSql();
        string? group = null;
        if (query.GroupBy is { } groupBy && !OperationSql.TryNormalizeGroup(groupBy, out group))
        {
            throw new ArgumentException($"'{groupBy}' cannot be grouped by; use one of: {string.Join(", ", FilterFields.All)}, day, metadata.<key>", nameof(query));
        }

        var groupExpression = group switch
        {
            null => "NULL::VARCHAR",
            "day" => "strftime(o.end_time, '%Y-%m-%d')",
            _ => sql.Field(group),
        };
        var providerExpression = group == FilterFields.Model ? "o.provider" : "NULL::VARCHAR";
        var bucketExpression = query.Step is { } width
            ? $"(epoch_us(o.end_time) // {sql.Add(Micros(width))}) * {sql.Add(Micros(width))}"
            : "NULL::BIGINT";
        // The stale count joins every selected row to the catalog's versions (a hash probe per row): only when asked.
        var catalog = query.CountStalePriced ? CatalogVersions() : null;
        var cte = "";
        var join = "";
        var stale = "0::BIGINT";
        if (catalog is { } c)
        {
            cte = $"WITH cat AS (SELECT unnest({sql.Add(c.Versions)}) AS version, unnest({sql.Add(c.From)}) AS valid_from, unnest({sql.Add(c.Until)}) AS valid_until) ";
            join = " LEFT JOIN cat ON cat.version = o.price_version";
            stale = "count(*) FILTER (WHERE o.pricing = 1 AND (cat.version IS NULL OR epoch_us(o.start_time) < cat.valid_from OR epoch_us(o.start_time) >= cat.valid_until))";
        }

        var where = sql.Where(query.From, query.To, query.Filter);
        var groupClause = group is null && query.Step is null ? "" : " GROUP BY grp, prov, bucket";
        var text = cte + $"""
            SELECT {groupExpression} AS grp, {providerExpression} AS prov, {bucketExpression} AS bucket,
                count(*) AS requests,
                count(*) FILTER (WHERE o.status = 'error') AS errors,
                coalesce(sum(o.input_tokens), 0)::BIGINT,
                coalesce(sum(o.output_tokens), 0)::BIGINT,
                coalesce(sum(o.cached_input_tokens), 0)::BIGINT,
                coalesce(sum(o.cache_creation_input_tokens), 0)::BIGINT,
                coalesce(sum(o.reasoning_tokens), 0)::BIGINT,
                coalesce(sum(o.cost_usd), 0)::DECIMAL(38, 12),
                count(*) FILTER (WHERE o.pricing = 2),
                {stale},
                quantile_cont(o.duration_ms, [0.5, 0.95, 0.99]),
                avg(o.duration_ms),
                quantile_cont(o.ttft_ms, [0.5, 0.95]),
                max(o.end_time)
            FROM operations o{join}
            WHERE {where}{groupClause}
            ORDER BY bucket NULLS FIRST, requests DESC, grp NULLS LAST, prov NULLS LAST
            """;
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = text;
            sql.Bind(command);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var rows = new List<OperationAggregateRow>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var requests = reader.GetInt64(3);
                if (requests == 0 && (group is not null || query.Step is not null))
                {
                    continue;
                }

                var latency = reader.IsDBNull(13) ? null : reader.GetFieldValue<List<double>>(13);
                var ttft = reader.IsDBNull(15) ? null : reader.GetFieldValue<List<double>>(15);
                rows.Add(new OperationAggregateRow
                {
                    Group = reader.IsDBNull(0) ? null : reader.GetString(0),
                    Provider = reader.IsDBNull(1) ? null : reader.GetString(1),
                    Bucket = reader.IsDBNull(2) ? null : DateTimeOffset.UnixEpoch.AddTicks(reader.GetInt64(2) * 10),
                    Requests = requests,
                    Errors = reader.GetInt64(4),
                    InputTokens = reader.GetInt64(5),
                    OutputTokens = reader.GetInt64(6),
                    CachedInputTokens = reader.GetInt64(7),
                    CacheCreationInputTokens = reader.GetInt64(8),
                    ReasoningTokens = reader.GetInt64(9),
                    CostUsd = reader.GetDecimal(10),
                    UnpricedRequests = reader.GetInt64(11),
                    StalePricedRequests = reader.GetInt64(12),
                    LatencyP50 = latency?[0],
                    LatencyP95 = latency?[1],
                    LatencyP99 = latency?[2],
                    LatencyAvg = reader.IsDBNull(14) ? null : reader.GetDouble(14),
                    TtftP50 = ttft?[0],
                    TtftP95 = ttft?[1],
                    LastSeen = reader.IsDBNull(16) ? null : Utc(reader.GetDateTime(16)),
                });
            }

            return rows;
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>The field "metadata" lists the metadata keys seen (for the filter bar's <c>metadata.&lt;key&gt;</c>).</remarks>
    public async Task<IReadOnlyList<string>> DistinctValuesAsync(string field, DateTimeOffset since, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        var sql = new OperationSql();
        string text;
        if (string.Equals(field, "metadata", StringComparison.OrdinalIgnoreCase))
        {
            var where = sql.Where(since, until, OperationFilter.Empty);
            text = $"SELECT k, count(*) AS n FROM (SELECT unnest(o.metadata_keys) AS k FROM operations o WHERE {where}) GROUP BY k ORDER BY n DESC, k LIMIT {sql.Add(Math.Max(0, limit))}";
        }
        else
        {
            if (!FilterFields.TryNormalize(field, out var canonical))
            {
                throw new ArgumentException($"'{field}' is not a field; use one of: {string.Join(", ", FilterFields.All)}, metadata, metadata.<key>", nameof(field));
            }

            var expression = sql.Field(canonical);
            var where = sql.Where(since, until, OperationFilter.Empty);
            text = $"SELECT v, count(*) AS n FROM (SELECT {expression} AS v FROM operations o WHERE {where}) WHERE v IS NOT NULL GROUP BY v ORDER BY n DESC, v LIMIT {sql.Add(Math.Max(0, limit))}";
        }

        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = text;
            sql.Bind(command);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var values = new List<string>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                values.Add(reader.GetString(0));
            }

            return values;
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// The range is read in chunks of about <see cref="ReadChunkRows"/> operations, cut on whole hours from an hourly
    /// count of the range, and each chunk is sorted on its own (<c>ORDER BY</c> within the chunk): a 10M-operation
    /// restore never sorts the whole range at once, and chunks of time-ordered data skip the rest of the file by the
    /// row groups' min/max of <c>end_time</c>. Chunks are contiguous, so an operation committed meanwhile is either
    /// in its chunk or not yet visible, never read twice.
    /// </remarks>
    public async IAsyncEnumerable<AiOperation> ReadAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var bounds = await ReadChunksAsync(since, until, filter, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var sql = new OperationSql();
            var text = $"SELECT {Prefixed(OperationColumns, "o.")} FROM operations o WHERE {sql.Where(bounds[i], bounds[i + 1], filter)} ORDER BY o.end_time, o.operation_id";
            await foreach (var row in StreamAsync(text, sql, static r => ReadOperation(r), cancellationToken).ConfigureAwait(false))
            {
                yield return row;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>No sort and 23 of the 41 columns (no lists, no long ids, no free text): the scan runs on DuckDB's threads
    /// and the reader materializes only what the rings and the ledger read.</remarks>
    public async IAsyncEnumerable<AiOperation> ReadForRestoreAsync(DateTimeOffset since, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sql = new OperationSql();
        var text = $"SELECT {Prefixed(RestoreColumns, "o.")} FROM operations o WHERE {sql.Where(since, until, OperationFilter.Empty)}";
        await foreach (var row in StreamAsync(text, sql, static r => ReadRestoreRow(r), cancellationToken).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>Operations per sorted chunk of <see cref="ReadAsync"/> (tests make it small).</summary>
    internal int ReadChunkRows { get; set; } = 262_144;

    /// <summary>Chunk boundaries from <paramref name="since"/> to <paramref name="until"/>, cut on hours so each chunk holds about <see cref="ReadChunkRows"/>.</summary>
    private async Task<List<DateTimeOffset>> ReadChunksAsync(DateTimeOffset since, DateTimeOffset until, OperationFilter filter, CancellationToken cancellationToken)
    {
        var bounds = new List<DateTimeOffset> { since };
        if (until <= since)
        {
            return bounds;
        }

        var sql = new OperationSql();
        var text = $"SELECT epoch_us(date_trunc('hour', o.end_time)) AS h, count(*) FROM operations o WHERE {sql.Where(since, until, filter)} GROUP BY h ORDER BY h";
        long rows = 0;
        await foreach (var (hour, count) in StreamAsync(text, sql, static r => (r.GetInt64(0), r.GetInt64(1)), cancellationToken).ConfigureAwait(false))
        {
            var start = DateTimeOffset.UnixEpoch.AddTicks(hour * 10);
            if (rows > 0 && rows + count > ReadChunkRows && start > bounds[^1] && start < until)
            {
                bounds.Add(start);
                rows = 0;
            }

            rows += count;
        }

        bounds.Add(until);
        return bounds;
    }

    /// <inheritdoc />
    /// <remarks>Each span carries the stored (priced) operation with its id, when there is one.</remarks>
    public async IAsyncEnumerable<SpanRecord> ReadSpansAsync(DateTimeOffset since, DateTimeOffset until, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sql = new OperationSql();
        var text = $"""
            SELECT {Prefixed(SpanColumns, "s.")}, {Prefixed(OperationColumns, "o.")}
            FROM spans s LEFT JOIN operations o ON {SpanOperationJoin}
            WHERE s.start_time >= {sql.Add(since.UtcDateTime)} AND s.start_time < {sql.Add(until.UtcDateTime)}
            ORDER BY s.start_time, s.trace_id, s.span_id
            """;
        await foreach (var span in StreamAsync(text, sql, static r => ReadSpan(r, withOperation: true), cancellationToken).ConfigureAwait(false))
        {
            yield return span;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Stored spans (the newest copy of each span id, with the stored operation), plus a synthesized span for each stored
    /// operation of the trace that has no span of its own (middleware and JSON calls), as the trace store shows them.
    /// </remarks>
    public async Task<IReadOnlyList<SpanRecord>> ReadTraceAsync(string traceId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(traceId);
        var sql = new OperationSql();
        var id = sql.Add(traceId);
        var spansText = $"""
            SELECT {Prefixed(SpanColumns, "s.")}, {Prefixed(OperationColumns, "o.")}
            FROM (SELECT * FROM spans WHERE trace_id = {id} QUALIFY row_number() OVER (PARTITION BY span_id ORDER BY rowid DESC) = 1) s
            LEFT JOIN operations o ON {SpanOperationJoin}
            ORDER BY s.start_time, s.span_id
            """;
        var result = new List<SpanRecord>();
        await foreach (var span in StreamAsync(spansText, sql, static r => ReadSpan(r, withOperation: true), cancellationToken).ConfigureAwait(false))
        {
            result.Add(span);
        }

        var held = result.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var operationsSql = new OperationSql();
        var operationsText = $"SELECT {Prefixed(OperationColumns, "o.")} FROM operations o WHERE o.trace_id = {operationsSql.Add(traceId)} AND o.span_id IS NOT NULL ORDER BY o.start_time";
        await foreach (var op in StreamAsync(operationsText, operationsSql, static r => ReadOperation(r), cancellationToken).ConfigureAwait(false))
        {
            if (held.Add(op.SpanId!))
            {
                result.Add(TraceStore.SpanFromOperation(op, traceId, op.SpanId!));
            }
        }

        return result;
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(string text, OperationSql sql, Func<DbDataReader, T> read, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Throws <see cref="OperationStoreUnavailableException"/> unless the store is open.</summary>
    private void EnsureReadable()
    {
        if (_state != OperationStoreState.Healthy)
        {
            throw new OperationStoreUnavailableException(_state, _reason);
        }
    }

    /// <summary>
    /// The catalog's price versions with the time range each one is in force (microseconds since the epoch). A priced
    /// operation is stale when the current catalog would not pick its recorded version for its start time.
    /// </summary>
    private (List<string> Versions, List<long> From, List<long> Until)? CatalogVersions()
    {
        if (_catalog is null)
        {
            return null;
        }

        if (_catalogVersions is { } cached)
        {
            return cached;
        }

        var versions = new List<string>();
        var from = new List<long>();
        var until = new List<long>();
        foreach (var model in _catalog.Models)
        {
            var prices = model.Prices;
            for (var i = 0; i < prices.Count; i++)
            {
                versions.Add(prices[i].Version);
                from.Add(i == 0 ? long.MinValue : (prices[i].EffectiveFromUtcTicks - DateTime.UnixEpoch.Ticks) / 10);
                until.Add(i == prices.Count - 1 ? long.MaxValue : (prices[i + 1].EffectiveFromUtcTicks - DateTime.UnixEpoch.Ticks) / 10);
            }
        }

        var result = (versions, from, until);
        _catalogVersions = result;
        return result;
    }

    private static long Micros(TimeSpan span) => span.Ticks / 10;

    private static string Prefixed(string columns, string alias) =>
        string.Join(", ", columns.Split(", ").Select(c => alias + c));
}

/// <summary>The operation store cannot answer right now (starting, degraded or disabled); callers answer from memory.</summary>
public sealed class OperationStoreUnavailableException : InvalidOperationException
{
    /// <summary>Creates the exception for a state and reason.</summary>
    public OperationStoreUnavailableException(OperationStoreState state, string? reason)
        : base(string.Create(CultureInfo.InvariantCulture, $"The operation store is {state.ToString().ToLowerInvariant()}{(reason is null ? "" : ": " + reason)}."))
    {
        State = state;
    }

    /// <summary>Creates the exception.</summary>
    public OperationStoreUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public OperationStoreUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public OperationStoreUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The store's state when it refused.</summary>
    public OperationStoreState State { get; }
}
