using System.Data.Common;

namespace Conciergus.Core.Operations;

/// <summary>
/// Filtered aggregates (<see cref="AggregateAsync"/>): one scan, three grouping sets. Per (group, provider, bucket) the
/// exact sums; per (group, provider, bucket, latency sketch bucket) and per (..., TTFT sketch bucket) a count, from the
/// stored <c>latency_bucket</c> / <c>ttft_bucket</c> columns. The percentiles come from those counts through the sketch's
/// own quantile code (<see cref="SketchBucketColumns.Histogram"/>), the answer the memory series give for the same
/// operations; counting buckets costs DuckDB a fraction of sorting every selected latency (bench/README.md, issue 14 (d)).
/// </summary>
public sealed partial class DuckDbOperationStore
{
    // GROUPING(lb) * 2 + GROUPING(tb) of each result row: which grouping set it belongs to.
    private const int TotalsPart = 3;
    private const int LatencyPart = 1;
    private const int TtftPart = 2;

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

        var text = AggregateSql(query, group, sql);
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            using var command = connection.CreateCommand();
            command.CommandText = text;
            sql.Bind(command);
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var groups = new Dictionary<(string?, string?, long?), AggregateGroup>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (String(reader, 0), String(reader, 1), reader.IsDBNull(2) ? (long?)null : reader.GetInt64(2));
                if (!groups.TryGetValue(key, out var target))
                {
                    target = new AggregateGroup();
                    groups.Add(key, target);
                }

                target.Read(reader);
            }

            var rows = groups.Values.Where(g => g.Totals is { Requests: > 0 }).Select(g => g.Row()).ToList();
            rows.Sort(AggregateOrder);
            if (rows.Count == 0 && group is null && query.Step is null)
            {
                rows.Add(new OperationAggregateRow());
            }

            return rows;
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <summary>The aggregate's SQL (every value a parameter of <paramref name="sql"/>).</summary>
    private string AggregateSql(OperationQuery query, string? group, OperationSql sql)
    {
        var groupExpression = group switch
        {
            null => "NULL::VARCHAR",
            "day" => "strftime(o.end_time, '%Y-%m-%d')",
            _ => sql.Field(group),
        };
        var providerExpression = group == FilterFields.Model ? "o.provider" : "NULL::VARCHAR";
        var bucketExpression = query.Step is { } width
            ? $"(epoch_us(o.end_time) // {sql.Add(width.Ticks / 10)}) * {sql.Add(width.Ticks / 10)}"
            : "NULL::BIGINT";
        var cte = "";
        var join = "";
        var stale = "0::BIGINT";
        if (query.CountStalePriced && CatalogVersions() is { } c)
        {
            cte = $"WITH cat AS (SELECT unnest({sql.Add(c.Versions)}) AS version, unnest({sql.Add(c.From)}) AS valid_from, unnest({sql.Add(c.Until)}) AS valid_until) ";
            join = " LEFT JOIN cat ON cat.version = o.price_version";
            stale = "count(*) FILTER (WHERE pricing = 1 AND (cat_version IS NULL OR epoch_us(start_time) < valid_from OR epoch_us(start_time) >= valid_until))";
        }

        var where = sql.Where(query.From, query.To, query.Filter);
        var catColumns = join.Length > 0 ? ", cat.version AS cat_version, cat.valid_from, cat.valid_until" : "";
        return cte + $"""
            SELECT grp, prov, bucket, GROUPING(lb) * 2 + GROUPING(tb) AS part, coalesce(lb, tb) AS sketch_bucket,
                count(*) AS requests,
                count(*) FILTER (WHERE status = 'error'),
                coalesce(sum(input_tokens), 0)::BIGINT,
                coalesce(sum(output_tokens), 0)::BIGINT,
                coalesce(sum(cached_input_tokens), 0)::BIGINT,
                coalesce(sum(cache_creation_input_tokens), 0)::BIGINT,
                coalesce(sum(reasoning_tokens), 0)::BIGINT,
                coalesce(sum(cost_usd), 0)::DECIMAL(38, 12),
                count(*) FILTER (WHERE pricing = 2),
                {stale},
                sum(duration_ms), min(duration_ms), max(duration_ms), min(ttft_ms), max(ttft_ms),
                max(end_time)
            FROM (
                SELECT {groupExpression} AS grp, {providerExpression} AS prov, {bucketExpression} AS bucket,
                    o.latency_bucket AS lb, o.ttft_bucket AS tb, o.status, o.input_tokens, o.output_tokens, o.cached_input_tokens,
                    o.cache_creation_input_tokens, o.reasoning_tokens, o.cost_usd, o.pricing, o.start_time, o.duration_ms, o.ttft_ms,
                    o.end_time{catColumns}
                FROM operations o{join}
                WHERE {where})
            GROUP BY GROUPING SETS ((grp, prov, bucket), (grp, prov, bucket, lb), (grp, prov, bucket, tb))
            """;
    }

    /// <summary>
    /// The order the SQL used to give: buckets oldest first (the total first), most requests first, then group and
    /// provider in DuckDB's VARCHAR order (UTF-8 bytes, i.e. code points), missing values last.
    /// </summary>
    private static int AggregateOrder(OperationAggregateRow a, OperationAggregateRow b)
    {
        var order = Nullable.Compare(a.Bucket, b.Bucket);
        if (order == 0)
        {
            order = b.Requests.CompareTo(a.Requests);
        }

        if (order == 0)
        {
            order = CodePointOrder(a.Group, b.Group);
        }

        return order != 0 ? order : CodePointOrder(a.Provider, b.Provider);
    }

    private static int CodePointOrder(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : 1) : -1;
        }

        var left = a.EnumerateRunes();
        var right = b.EnumerateRunes();
        while (true)
        {
            var hasLeft = left.MoveNext();
            var hasRight = right.MoveNext();
            if (!hasLeft || !hasRight)
            {
                return hasLeft.CompareTo(hasRight);
            }

            var order = left.Current.Value.CompareTo(right.Current.Value);
            if (order != 0)
            {
                return order;
            }
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

    /// <summary>One (group, provider, bucket) of an aggregate: its totals row and its two sketch-bucket histograms.</summary>
    private sealed class AggregateGroup
    {
        private readonly SketchBucketColumns.Histogram _latency = new();
        private readonly SketchBucketColumns.Histogram _ttft = new();
        private double _latencySum;
        private double _latencyMin = double.NaN;
        private double _latencyMax = double.NaN;
        private double _ttftMin = double.NaN;
        private double _ttftMax = double.NaN;

        public OperationAggregateRow? Totals { get; private set; }

        /// <summary>Takes one result row of <see cref="AggregateSql"/> (columns by position).</summary>
        public void Read(DbDataReader r)
        {
            var requests = r.GetInt64(5);
            switch (r.GetInt32(3))
            {
                case LatencyPart or TtftPart:
                    // A NULL bucket is an operation without a time to first token (the TTFT set's one NULL group).
                    if (!r.IsDBNull(4))
                    {
                        (r.GetInt32(3) == LatencyPart ? _latency : _ttft).Add(r.GetInt16(4), requests);
                    }

                    return;
                case TotalsPart:
                    break;
                default:
                    throw new InvalidOperationException("unexpected grouping set");
            }

            _latencySum = r.IsDBNull(15) ? 0 : r.GetDouble(15);
            _latencyMin = r.IsDBNull(16) ? double.NaN : r.GetDouble(16);
            _latencyMax = r.IsDBNull(17) ? double.NaN : r.GetDouble(17);
            _ttftMin = r.IsDBNull(18) ? double.NaN : r.GetDouble(18);
            _ttftMax = r.IsDBNull(19) ? double.NaN : r.GetDouble(19);
            Totals = new OperationAggregateRow
            {
                Group = String(r, 0),
                Provider = String(r, 1),
                Bucket = r.IsDBNull(2) ? null : DateTimeOffset.UnixEpoch.AddTicks(r.GetInt64(2) * 10),
                Requests = requests,
                Errors = r.GetInt64(6),
                InputTokens = r.GetInt64(7),
                OutputTokens = r.GetInt64(8),
                CachedInputTokens = r.GetInt64(9),
                CacheCreationInputTokens = r.GetInt64(10),
                ReasoningTokens = r.GetInt64(11),
                CostUsd = r.GetDecimal(12),
                UnpricedRequests = r.GetInt64(13),
                StalePricedRequests = r.GetInt64(14),
                LastSeen = r.IsDBNull(20) ? null : Utc(r.GetDateTime(20)),
            };
        }

        /// <summary>The totals with the percentiles read from the histograms (call once every row is read).</summary>
        public OperationAggregateRow Row()
        {
            var totals = Totals!;
            _latency.Complete(_latencyMin, _latencyMax);
            _ttft.Complete(_ttftMin, _ttftMax);
            return totals with
            {
                LatencyP50 = _latency.Quantile(0.50),
                LatencyP95 = _latency.Quantile(0.95),
                LatencyP99 = _latency.Quantile(0.99),
                LatencyAvg = totals.Requests == 0 ? null : _latencySum / totals.Requests,
                TtftP50 = _ttft.Quantile(0.50),
                TtftP95 = _ttft.Quantile(0.95),
            };
        }
    }
}
