using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>
/// The hourly rollup: the hour ring's restore rows (totals and sketch bucket counts per series value and hour), kept by the
/// writer for every complete hour ("slot", by stored end time), so a restart reads ~slots x series rows instead of scanning
/// every stored operation.
/// </summary>
/// <remarks>
/// <para>
/// Exactness: a slot's rollup rows are the restore query's own rows for the operations whose stored end time is in that
/// hour (the same SQL, grouped by slot too), so a read that takes sealed slots from the rollup and every other slot from
/// the raw rows returns the same sums as the raw read alone (the cache adds rows, so a bucket split over two pieces adds up).
/// A slot is sealed (row in <c>rollup_hours</c>) only when its rows are complete; anything that changes the raw rows of a
/// sealed slot unseals it in the same transaction (deletes its rollup rows): an append whose end time falls in one (a late
/// operation), erasure of a subject, a retention or disk-cap purge, a price recompute. The writer re-seals missing slots
/// between batches, a few hours at a time, newest first. A read runs in one transaction (one snapshot) for the slot list
/// and the rows, so a slot unsealed meanwhile is read entirely from one side.
/// </para>
/// <para>
/// A rollup built with another sketch scale or error category list (<c>rollup_meta.version</c>) is dropped and rebuilt.
/// Late live operations the restore leaves out by id: slots from the hour before the earliest of them on are read raw.
/// </para>
/// </remarks>
public sealed partial class DuckDbOperationStore
{
    private const string RollupSchema = """
        CREATE TABLE IF NOT EXISTS rollup_meta (version VARCHAR NOT NULL);
        CREATE TABLE IF NOT EXISTS rollup_hours (slot BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS rollup_totals (
            slot BIGINT NOT NULL, g INTEGER NOT NULL, v1 VARCHAR NOT NULL, v2 VARCHAR, ep BIGINT NOT NULL,
            requests BIGINT NOT NULL, errors BIGINT NOT NULL, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL,
            cached_input_tokens BIGINT NOT NULL, cache_creation_input_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL,
            unpriced BIGINT NOT NULL, cost_usd DECIMAL(38, 12), last_seen BIGINT NOT NULL,
            lat_sum DOUBLE, lat_min DOUBLE, lat_max DOUBLE, tt_count BIGINT NOT NULL, tt_sum DOUBLE, tt_min DOUBLE, tt_max DOUBLE);
        CREATE TABLE IF NOT EXISTS rollup_sketch (
            slot BIGINT NOT NULL, tt BOOLEAN NOT NULL, g INTEGER NOT NULL, v1 VARCHAR NOT NULL, v2 VARCHAR, ep BIGINT NOT NULL,
            idx INTEGER, n BIGINT NOT NULL);
        """;

    // A restore read aggregates up to this many raw pieces one by one; more go through one anti-joined aggregate.
    private const int MaxRawPieces = 6;

    private const string TotalsColumns =
        "g, v1, v2, ep, requests, errors, input_tokens, output_tokens, cached_input_tokens, cache_creation_input_tokens, " +
        "reasoning_tokens, unpriced, cost_usd, last_seen, lat_sum, lat_min, lat_max, tt_count, tt_sum, tt_min, tt_max";

    /// <summary>The hour slot of a stored end time (ticks since 0001-01-01 divided by an hour), as SQL over <c>o</c>.</summary>
    private static readonly string SlotOf = $"((epoch_us(o.end_time) * 10 + {UnixEpochTicks}) // {TimeSpan.TicksPerHour})";

    // The writer's view of rollup_hours (under _writeLock; reloaded whenever SQL outside the writer's own code changed it).
    private readonly HashSet<long> _sealed = [];
    private readonly HashSet<long> _unseal = [];
    private long _rollupPassTicks;
    private volatile bool _rollupBacklog; // the last pass stopped at its cap: more hours wait (read by the idle writer)

    // The seal building on its own connection (SealConcurrentlyAsync): its hours, and whether anything may have changed
    // their raw rows since its snapshot (an append into them, erasure, purge, recompute, compaction). Under _writeLock.
    private (long From, long To)? _sealing;
    private bool _sealingDirty;
    private Task _sealTask = Task.CompletedTask; // set by the writer under _writeLock

    /// <summary>How long a seal waits for the write lock to take its snapshot or commit before it gives the pass up.</summary>
    private static readonly TimeSpan SealLockWait = TimeSpan.FromSeconds(30);

    /// <summary>Hours re-sealed per pass between two batches (bounds the pause an old or rebuilt file causes).</summary>
    internal int RollupHoursPerPass { get; set; } = 12;

    /// <summary>Tests: awaited by a seal building beside the writer after its rows are written, before it commits.</summary>
    internal Func<Task>? BeforeSealCommit { get; set; }

    /// <summary>Tests: the seal building beside the writer (completed when none is).</summary>
    internal Task SealInFlight => Volatile.Read(ref _sealTask);

    /// <summary>False: restore reads scan raw rows only (the benchmark's and tests' comparison path).</summary>
    internal bool ReadRollup { get; set; } = true;

    private static string RollupVersion => string.Create(
        CultureInfo.InvariantCulture,
        $"1;{LatencySketch.BucketScale:R};{string.Join(',', Enum.GetValues<ErrorCategory>().Select(c => c.ToWireName()))}");

    /// <summary>Sealed hour slots (for tests and the benchmark).</summary>
    internal async Task<IReadOnlyList<long>> SealedSlotsAsync(CancellationToken cancellationToken = default) =>
        await WithWriterAsync(connection => (IReadOnlyList<long>)[.. ReadSealed(connection).Order()], cancellationToken).ConfigureAwait(false);

    /// <summary>Seals every missing complete hour in reach now (the writer does this a few hours at a time on its own).</summary>
    internal async Task<int> BuildRollupAsync(int maxHours = int.MaxValue, CancellationToken cancellationToken = default) =>
        await WithWriterAsync(connection => SealMissing(connection, maxHours), cancellationToken).ConfigureAwait(false);

    /// <summary>Creates the rollup tables, drops a rollup of another version, loads the sealed slots (writer's connection).</summary>
    private void OpenRollup(DuckDBConnection connection)
    {
        Run(connection, RollupSchema);
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT max(version) FROM rollup_meta";
            var version = command.ExecuteScalar() as string;
            if (version != RollupVersion)
            {
                using var transaction = connection.BeginTransaction();
                Run(connection, "DELETE FROM rollup_hours; DELETE FROM rollup_totals; DELETE FROM rollup_sketch; DELETE FROM rollup_meta;");
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO rollup_meta VALUES ($v)";
                insert.Parameters.Add(new DuckDBParameter("v", RollupVersion));
                insert.ExecuteNonQuery();
                transaction.Commit();
            }
        }

        ReloadSealed(connection);
    }

    private void ReloadSealed(DuckDBConnection connection)
    {
        _rollupBacklog = true;
        _sealed.Clear();
        _sealed.UnionWith(ReadSealed(connection));
    }

    private static List<long> ReadSealed(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT slot FROM rollup_hours";
        using var reader = command.ExecuteReader();
        var slots = new List<long>();
        while (reader.Read())
        {
            slots.Add(reader.GetInt64(0));
        }

        return slots;
    }

    /// <summary>Notes the slots an appended operation's end time touches if they are sealed (writer, under the lock).</summary>
    private void NoteAppended(DateTimeOffset end)
    {
        // The stored TIMESTAMP keeps microseconds: the slot of the time itself and of the next microsecond cover rounding.
        var ticks = end.UtcTicks;
        var slot = ticks / TimeSpan.TicksPerHour;
        if (_sealing is { } building && slot + 1 >= building.From && slot < building.To)
        {
            _sealingDirty = true;
        }

        if (_sealed.Count == 0)
        {
            return;
        }

        if (_sealed.Contains(slot))
        {
            _unseal.Add(slot);
        }

        var next = Math.Min(ticks + 10, DateTimeOffset.MaxValue.UtcTicks) / TimeSpan.TicksPerHour;
        if (next != slot && _sealed.Contains(next))
        {
            _unseal.Add(next);
        }
    }

    /// <summary>Deletes the noted slots' rollup rows inside the batch's transaction.</summary>
    private void UnsealNoted(DuckDBConnection connection)
    {
        if (_unseal.Count == 0)
        {
            return;
        }

        var list = string.Join(", ", _unseal.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        Run(connection, $"DELETE FROM rollup_hours WHERE slot IN ({list}); DELETE FROM rollup_totals WHERE slot IN ({list}); DELETE FROM rollup_sketch WHERE slot IN ({list});");
    }

    /// <summary>After the batch committed: the noted slots are no longer sealed.</summary>
    private void UnsealCommitted()
    {
        _sealed.ExceptWith(_unseal);
        _unseal.Clear();
    }

    /// <summary>
    /// Unseals every slot holding an operation row that <paramref name="where"/> (over <c>o</c>, with the command's
    /// parameters) selects; runs inside the caller's transaction, before the rows change.
    /// </summary>
    private static void UnsealWhere(DuckDBConnection connection, string where, Action<DuckDBCommand>? bind = null)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE OR REPLACE TEMP TABLE conciergus_unseal AS SELECT DISTINCT {SlotOf} AS slot FROM operations o WHERE {where};
            DELETE FROM rollup_hours WHERE slot IN (SELECT slot FROM conciergus_unseal);
            DELETE FROM rollup_totals WHERE slot IN (SELECT slot FROM conciergus_unseal);
            DELETE FROM rollup_sketch WHERE slot IN (SELECT slot FROM conciergus_unseal);
            DROP TABLE conciergus_unseal;
            """;
        bind?.Invoke(command);
        command.ExecuteNonQuery();
    }

    /// <summary>Unseals every slot from <paramref name="cutoff"/>'s hour down (a purge of rows that ended before it).</summary>
    private static void UnsealBefore(DuckDBConnection connection, DateTime cutoff)
    {
        var slot = (cutoff.Ticks / TimeSpan.TicksPerHour).ToString(CultureInfo.InvariantCulture);
        Run(connection, $"DELETE FROM rollup_hours WHERE slot <= {slot}; DELETE FROM rollup_totals WHERE slot <= {slot}; DELETE FROM rollup_sketch WHERE slot <= {slot};");
    }

    /// <summary>
    /// Between batches (the writer): at most once per commit interval, and when no seal is building, starts building a
    /// few missing complete hours on a connection of its own (<see cref="SealConcurrentlyAsync"/>), so that the writer
    /// goes on appending while an hour of millions of operations is aggregated (built on the writer, such an hour held
    /// the writer for longer than the queue's headroom: the soak of 2026-12-03 dropped 273,700 operations at 08:01).
    /// </summary>
    private async Task SealPassAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var now = _time.GetUtcNow().UtcTicks;
            if (_connection is null || !_sealTask.IsCompleted || Volatile.Read(ref _disposed) != 0 || now - _rollupPassTicks < _options.CommitInterval.Ticks)
            {
                return;
            }

            _rollupPassTicks = now;
            var runs = MissingRuns(RollupHoursPerPass);
            if (runs.Count > 0)
            {
                _sealTask = Task.Run(() => SealConcurrentlyAsync(runs));
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Builds each run of hours in a transaction of its own connection: its snapshot is taken under the write lock (no
    /// batch is half committed then), the aggregation runs without the lock, and the commit happens under the lock only
    /// if nothing touched those hours' raw rows meanwhile (<see cref="_sealingDirty"/>); otherwise it rolls back and a
    /// later pass builds them again. Holds a reader slot, so compaction and backup wait for it (or it gives up).
    /// </summary>
    private async Task SealConcurrentlyAsync(IReadOnlyList<(long From, long To)> runs)
    {
        if (!_readers.Wait(0))
        {
            _rollupBacklog = true; // every reader slot taken (compaction, a burst of reads): the next pass
            return;
        }

        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(CancellationToken.None).ConfigureAwait(false);
            foreach (var (from, to) in runs)
            {
                if (!await SealRunAsync(connection, from, to).ConfigureAwait(false))
                {
                    break;
                }
            }
        }
#pragma warning disable CA1031 // The rollup is an index of the raw rows: without it reads scan raw rows; the writer goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _rollupBacklog = true;
            LogRollupFailed(_logger, e.Message, e);
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <summary>One run of <see cref="SealConcurrentlyAsync"/>; false when it was not sealed (the pass stops).</summary>
    private async Task<bool> SealRunAsync(DuckDBConnection connection, long from, long to)
    {
        if (!await _writeLock.WaitAsync(SealLockWait).ConfigureAwait(false))
        {
            _rollupBacklog = true;
            return false;
        }

        try
        {
            if (_connection is null || Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            // The snapshot starts with the transaction's first read, here, while no batch is between append and commit.
            Run(connection, "BEGIN TRANSACTION; SELECT count(*) FROM rollup_hours;");
            _sealing = (from, to);
            _sealingDirty = false;
        }
        finally
        {
            _writeLock.Release();
        }

        var built = false;
        try
        {
            BuildRange(connection, from, to);
            if (BeforeSealCommit is { } pause)
            {
                await pause().ConfigureAwait(false);
            }

            built = true;
        }
        finally
        {
            var locked = await _writeLock.WaitAsync(SealLockWait).ConfigureAwait(false);
            try
            {
                if (built && locked && !_sealingDirty && _connection is not null)
                {
                    Run(connection, "COMMIT");
                    for (var slot = from; slot < to; slot++)
                    {
                        _sealed.Add(slot);
                    }
                }
                else
                {
                    built = false;
                    _rollupBacklog = true;
                    Run(connection, "ROLLBACK");
                }
            }
            finally
            {
                if (locked)
                {
                    _sealing = null;
                    _writeLock.Release();
                }
            }
        }

        return built;
    }

    /// <summary>
    /// Up to <paramref name="maxHours"/> missing slots, newest first, among the complete hours (ended more than a minute
    /// ago) within the longer of the retention and 31 days, as runs [From, To) of consecutive slots (under the write lock).
    /// </summary>
    private List<(long From, long To)> MissingRuns(int maxHours)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var limit = (now - TimeSpan.TicksPerMinute) / TimeSpan.TicksPerHour; // slots below are complete
        var reach = Math.Max(_options.Retention.Ticks, TimeSpan.FromDays(31).Ticks);
        var low = Math.Max(0, (now - reach) / TimeSpan.TicksPerHour);
        var runs = new List<(long From, long To)>();
        var count = 0;
        var slot = limit - 1;
        while (slot >= low && count < maxHours)
        {
            if (_sealed.Contains(slot))
            {
                slot--;
                continue;
            }

            // A run of missing slots [from, to], newest first, capped by what this pass may still seal.
            var to = slot;
            var from = slot;
            while (from - 1 >= low && !_sealed.Contains(from - 1) && to - from + 1 < maxHours - count)
            {
                from--;
            }

            runs.Add((from, to + 1));
            count += (int)(to - from + 1);
            slot = from - 1;
        }

        // More to do when the pass stopped at its cap with missing slots left below.
        _rollupBacklog = count >= maxHours && Enumerable.Range(0, (int)Math.Max(0, slot - low + 1)).Any(i => !_sealed.Contains(low + i));
        return runs;
    }

    /// <summary>Seals up to <paramref name="maxHours"/> missing slots on the writer's connection (under the write lock); returns how many.</summary>
    private int SealMissing(DuckDBConnection connection, int maxHours)
    {
        var sealedCount = 0;
        foreach (var (from, to) in MissingRuns(maxHours))
        {
            SealRange(connection, from, to);
            sealedCount += (int)(to - from);
        }

        return sealedCount;
    }

    /// <summary>Builds and seals slots [from, to) in one transaction.</summary>
    private void SealRange(DuckDBConnection connection, long from, long to)
    {
        using var transaction = connection.BeginTransaction();
        BuildRange(connection, from, to);
        transaction.Commit();
        for (var s = from; s < to; s++)
        {
            _sealed.Add(s);
        }
    }

    /// <summary>Writes slots [from, to)'s rollup rows and seal rows inside the caller's transaction.</summary>
    private static void BuildRange(DuckDBConnection connection, long from, long to)
    {
        var query = new RestoreBucketQuery
        {
            Since = new DateTimeOffset(from * TimeSpan.TicksPerHour, TimeSpan.Zero),
            Until = new DateTimeOffset(to * TimeSpan.TicksPerHour, TimeSpan.Zero),
            Step = TimeSpan.FromHours(1),
            ClampTo = DateTimeOffset.MaxValue,
            SketchScale = LatencySketch.BucketScale,
        };
        var range = string.Create(CultureInfo.InvariantCulture, $"slot >= {from} AND slot < {to}");
        Run(connection, $"DELETE FROM rollup_hours WHERE {range}; DELETE FROM rollup_totals WHERE {range}; DELETE FROM rollup_sketch WHERE {range};");

        var totals = new OperationSql();
        ExecuteSql(connection, $"INSERT INTO rollup_totals (slot, {TotalsColumns}) SELECT slot, {TotalsColumns} FROM ({TotalsSql(query, totals, withSlot: true)})", totals);
        foreach (var timeToFirstToken in new[] { false, true })
        {
            var sketch = new OperationSql();
            var flag = timeToFirstToken ? "true" : "false";
            ExecuteSql(connection, $"INSERT INTO rollup_sketch (slot, tt, g, v1, v2, ep, idx, n) SELECT slot, {flag}, g, v1, v2, ep, idx, n FROM ({SketchSql(query, sketch, timeToFirstToken, withSlot: true)})", sketch);
        }

        Run(connection, string.Create(CultureInfo.InvariantCulture, $"INSERT INTO rollup_hours SELECT range FROM range({from}, {to})"));
    }

    private static void ExecuteSql(DuckDBConnection connection, string text, OperationSql sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = text;
        sql.Bind(command);
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// Streams a restore read: sealed slots fully inside the range (and before the hour of the earliest excluded
    /// operation) from the rollup, every other part of the range raw; one transaction, one snapshot.
    /// </summary>
    private async IAsyncEnumerable<T> StreamWithRollupAsync<T>(
        RestoreBucketQuery query,
        Func<RestoreBucketQuery, OperationSql, string> raw,
        Func<string, string> rollup,
        Func<DbDataReader, T> read,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await _readers.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            EnsureReadable();
            using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
            Run(connection, "BEGIN TRANSACTION");
            var first = CeilDiv(query.Since.UtcTicks, TimeSpan.TicksPerHour);
            var last = query.Until.UtcTicks / TimeSpan.TicksPerHour; // slots < last are complete within the range
            if (query.ExcludedOperationIds.Count > 0)
            {
                var earliest = query.ExcludedEarliestEnd?.UtcTicks ?? query.Since.UtcTicks;
                last = Math.Min(last, (earliest - TimeSpan.TicksPerSecond) / TimeSpan.TicksPerHour);
            }

            var slots = new List<long>();
            if (first < last && RollupReadable(connection))
            {
                using var command = connection.CreateCommand();
                command.CommandText = string.Create(CultureInfo.InvariantCulture, $"SELECT slot FROM rollup_hours WHERE slot >= {first} AND slot < {last} ORDER BY slot");
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    slots.Add(reader.GetInt64(0));
                }
            }

            // Sealed slots as runs [a, b), and the raw pieces between them.
            var runs = Runs(slots);
            var sql = new OperationSql();
            var parts = new List<string>();
            if (runs.Count > 0)
            {
                parts.Add(rollup(string.Join(" OR ", runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"(slot >= {r.From} AND slot < {r.To})")))));
            }

            var pieces = new List<(long From, long To)>();
            var cursor = query.Since.UtcTicks;
            foreach (var (from, to) in runs.Append((query.Until.UtcTicks / TimeSpan.TicksPerHour + 1, 0)))
            {
                var pieceEnd = Math.Min(from * TimeSpan.TicksPerHour, query.Until.UtcTicks);
                if (pieceEnd > cursor)
                {
                    pieces.Add((cursor, pieceEnd));
                }

                cursor = Math.Max(cursor, to * TimeSpan.TicksPerHour);
            }

            // Few raw pieces (the usual: the range's partial first hour, the open hours at its end, a late operation's hour):
            // one aggregate each, pruned by end time. Many (hours unsealed all over): one aggregate over their hull that
            // leaves out the sealed slots by an anti-join on the same snapshot of rollup_hours.
            var inner = new List<string>();
            if (pieces.Count <= MaxRawPieces)
            {
                parts.AddRange(pieces.Select(p => raw(query with { Since = new DateTimeOffset(p.From, TimeSpan.Zero), Until = new DateTimeOffset(p.To, TimeSpan.Zero) }, sql)));
            }
            else
            {
                parts.Add(raw(query with { Since = new DateTimeOffset(pieces[0].From, TimeSpan.Zero), Until = new DateTimeOffset(pieces[^1].To, TimeSpan.Zero) }, sql));
                inner.Add(string.Create(CultureInfo.InvariantCulture, $"((epoch_us(end_time) * 10 + {UnixEpochTicks}) // {TimeSpan.TicksPerHour}) NOT IN (SELECT slot FROM rollup_hours WHERE slot >= {first} AND slot < {last})"));
            }

            if (parts.Count == 0)
            {
                yield break;
            }

            if (query.ExcludedOperationIds.Count > 0)
            {
                FillExcluded(connection, query.ExcludedOperationIds);
                inner.Add($"operation_id NOT IN (SELECT id FROM {ExcludedTable})");
            }

            var text = string.Join("\nUNION ALL\n", parts.Select(p => $"SELECT * FROM ({p})"));
            if (inner.Count > 0)
            {
                text = text.Replace("FROM operations)", $"FROM operations WHERE {string.Join(" AND ", inner)})", StringComparison.Ordinal);
            }

            using var select = connection.CreateCommand();
            select.CommandText = text;
            sql.Bind(select);
            using var rows = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return read(rows);
            }
        }
        finally
        {
            _readers.Release();
        }
    }

    /// <summary>Whether this store reads its rollup and the file's rollup is of this version.</summary>
    private bool RollupReadable(DuckDBConnection connection)
    {
        if (!ReadRollup)
        {
            return false;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(version) FROM rollup_meta";
        try
        {
            return command.ExecuteScalar() as string == RollupVersion;
        }
        catch (DuckDBException)
        {
            return false; // a file from before the rollup, not yet opened by a writer
        }
    }

    private static List<(long From, long To)> Runs(List<long> sortedSlots)
    {
        var runs = new List<(long From, long To)>();
        foreach (var slot in sortedSlots)
        {
            if (runs.Count > 0 && runs[^1].To == slot)
            {
                runs[^1] = (runs[^1].From, slot + 1);
            }
            else
            {
                runs.Add((slot, slot + 1));
            }
        }

        return runs;
    }

    private static long CeilDiv(long value, long divisor) => (value / divisor) + (value % divisor > 0 ? 1 : 0);

    /// <summary>The restore's totals per (bucket, series value) [and hour slot] over the query's range, as one SELECT.</summary>
    private static string TotalsSql(RestoreBucketQuery query, OperationSql sql, bool withSlot) => $"""
        SELECT * FROM (
            SELECT {GroupColumns},
                count(*) AS requests, CAST(sum(CASE WHEN status = 'error' THEN 1 ELSE 0 END) AS BIGINT) AS errors,
                CAST(sum(input_tokens) AS BIGINT) AS input_tokens, CAST(sum(output_tokens) AS BIGINT) AS output_tokens,
                CAST(sum(cached_input_tokens) AS BIGINT) AS cached_input_tokens,
                CAST(sum(cache_creation_input_tokens) AS BIGINT) AS cache_creation_input_tokens, CAST(sum(reasoning_tokens) AS BIGINT) AS reasoning_tokens,
                CAST(sum(CASE WHEN pricing = {(int)PricingStatus.Unpriced} THEN 1 ELSE 0 END) AS BIGINT) AS unpriced,
                sum(cost_usd) FILTER (WHERE pricing IN ({(int)PricingStatus.Priced}, {(int)PricingStatus.Provided}) AND cost_usd IS NOT NULL) AS cost_usd,
                max(e) AS last_seen, sum(lat) AS lat_sum, min(lat) AS lat_min, max(lat) AS lat_max,
                count(tt) AS tt_count, sum(tt) AS tt_sum, min(tt) AS tt_min, max(tt) AS tt_max{(withSlot ? ", slot" : "")}
            FROM ({Base(query, sql, "o.status, o.input_tokens, o.output_tokens, o.cached_input_tokens, o.cache_creation_input_tokens, o.reasoning_tokens, o.pricing, o.cost_usd" + (withSlot ? $", {SlotOf} AS slot" : ""))})
            GROUP BY GROUPING SETS {GroupingSets(withSlot ? "slot" : null)}
        ) WHERE v1 IS NOT NULL
        """;

    /// <summary>The restore's sketch bucket counts per (bucket, series value, log bucket) [and hour slot], as one SELECT.</summary>
    private static string SketchSql(RestoreBucketQuery query, OperationSql sql, bool timeToFirstToken, bool withSlot)
    {
        var scale = sql.Add(query.SketchScale);
        var value = timeToFirstToken ? "tt" : "lat";
        return $"""
            SELECT * FROM (
                SELECT {GroupColumns}, idx, count(*) AS n{(withSlot ? ", slot" : "")}
                FROM (
                    SELECT *, CASE WHEN {value} < {LatencyFloor} THEN NULL ELSE CAST(ceil(ln({value}) * {scale}) AS INTEGER) END AS idx
                    FROM ({Base(query, sql, withSlot ? $"{SlotOf} AS slot" : "")})
                    {(timeToFirstToken ? "WHERE tt IS NOT NULL" : "")})
                GROUP BY GROUPING SETS {GroupingSets(withSlot ? "slot, idx" : "idx")}
            ) WHERE v1 IS NOT NULL
            """;
    }
}
