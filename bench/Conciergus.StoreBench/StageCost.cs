using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

/// <summary>
/// Would a staged writer pay (issue 14 (a))? The rows of <see cref="RowCost"/> (per trace one operation and its AI span),
/// paced at the same rate, committed every commit interval, through variants that decompose the store's DuckDB cost, side by
/// side in one process, alternating (the order reversed every other round), after a warm-up round:
/// <list type="bullet">
/// <item>"store" (V0): the store's own TryAppend / TryAppendSpan and writer, as <c>rowcost</c> runs it.</item>
/// <item>"pace": the harness alone (pacing, channel, writer wake-ups; nothing written), the floor of the variants below.</item>
/// <item>"stage" (V1): the store's row code (its AppendOperation / AppendSpan) into the same tables in an attached
/// in-memory database, one transaction per commit interval: the appender's cost with no WAL, checkpoint or compression.</item>
/// <item>"stage+load" (V2): V1, and every 122,880 rows (one row group; the writer splits a batch at that boundary) and at
/// the end, <c>INSERT INTO file.operations SELECT * FROM stage.operations</c> (and spans) in one transaction with the
/// generation number, then <c>DELETE FROM stage.operations</c> (and spans) in a second one (a DuckDB transaction writes
/// to one attached database only), and the final CHECKPOINT: the whole staged design's DuckDB cost.</item>
/// <item>"log": the durability a memory stage needs: every row written to an append-only binary file, flushed and fsync'd
/// each commit interval.</item>
/// <item>"stage+load+log": V2 with the log written before each stage commit and a new log generation after each load:
/// the staged design's whole writer.</item>
/// <item>"stage-ops" and "stage-numeric" (V3): operations only into the memory stage, all 42 columns vs only the 13
/// numeric / timestamp ones: whether the per-value interop of the string columns dominates.</item>
/// <item>"csv" and "csv+load": no appender at all: the rows written as fsync'd CSV each commit interval (<see cref="CsvStage"/>,
/// the stage is its own log), and (csv+load) every 122,880 rows DuckDB's CSV reader inserting them into the file.</item>
/// </list>
/// The figure is the process's CPU from the first append to the last checkpoint (or the closed log), per trace.
/// </summary>
internal static class StageCost
{
    public const int RowGroup = 122_880;

    private static readonly string[] AllVariants = ["store", "pace", "stage", "stage+load", "log", "stage+load+log", "stage-ops", "stage-numeric", "csv", "csv+load"];

    public static async Task RunAsync(string directory, int count, int rate, int rounds, TimeSpan commitInterval, string? variants, string? settings, bool keep = false)
    {
        var chosen = variants is null ? AllVariants : variants.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var (operations, spans, _) = RowCost.Traces(count);
        var results = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        for (var round = -1; round < rounds; round++)
        {
            // Round -1 warms up (JIT, DuckDB) and is not counted; odd rounds run the variants in reverse order.
            var order = round % 2 == 0 ? chosen : chosen.Reverse().ToArray();
            foreach (var variant in order)
            {
                var n = round < 0 ? Math.Min(count, 20_000) : count;
                var file = Path.Combine(directory, $"stagecost-{round}-{variant.Replace('+', '-')}.duckdb");
                var (cpu, seconds, bytes, note) = variant == "store"
                    ? await StoreAsync(file, operations, spans, n, rate, commitInterval, settings)
                    : await PipelineAsync(variant, file, operations, spans, n, rate, commitInterval, settings);
                var perTrace = cpu * 1e6 / n;
                if (round >= 0)
                {
                    (results.TryGetValue(variant, out var list) ? list : results[variant] = []).Add(perTrace);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{(round < 0 ? "warm-up" : "RESULT")} stagecost round={round} variant={variant} traces={n} rate={rate}/s commitInterval={commitInterval.TotalMilliseconds:0}ms seconds={seconds:0.00} cpuSeconds={cpu:0.00} cpuUsPerTrace={perTrace:0.0} bytes={bytes} {note}"));
                // --keep leaves the last round's files (e.g. for `sql` over the stored rows).
                foreach (var leftover in Directory.GetFiles(directory, Path.GetFileName(file) + "*").Where(_ => !keep || round < rounds - 1))
                {
                    File.Delete(leftover);
                }
            }
        }

        var floor = results.TryGetValue("pace", out var paced) ? paced.Average() : 0;
        foreach (var (variant, list) in results)
        {
            var mean = list.Average();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT stagecost summary variant={variant} cpuUsPerTrace={mean:0.0} minusPace={mean - floor:0.0} runs=[{string.Join(' ', list.Select(v => v.ToString("0.0", CultureInfo.InvariantCulture)))}]"));
        }
    }

    private static async Task<(double Cpu, double Seconds, long Bytes, string Note)> StoreAsync(string file, AiOperation[] operations, SpanRecord[] spans, int n, int rate, TimeSpan commitInterval, string? settings)
    {
        var (cpu, seconds, status, bytes) = await RowCost.StorePassAsync(file, operations, spans, null, n, rate, commitInterval, settings);
        return (cpu, seconds, bytes, $"appended={status.Appended} spans={status.SpansAppended} dropped={status.Dropped}");
    }

    /// <summary>The producer paced as ingestion, a channel, and one writer that lingers a commit interval and hands each batch to the sink.</summary>
    private static async Task<(double Cpu, double Seconds, long Bytes, string Note)> PipelineAsync(string variant, string file, AiOperation[] operations, SpanRecord[] spans, int n, int rate, TimeSpan commitInterval, string? settings)
    {
        using var sink = new StageSink(variant, file, operations, spans, settings);
        var queue = Channel.CreateBounded<int>(new BoundedChannelOptions(200_000) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var writer = Task.Run(async () =>
        {
            var batch = new List<int>();
            while (await queue.Reader.WaitToReadAsync())
            {
                await Task.Delay(commitInterval);
                while (queue.Reader.TryRead(out var i))
                {
                    batch.Add(i);
                }

                sink.Commit(batch);
                batch.Clear();
            }

            sink.Finish();
        });
        var dropped = 0;
        for (var i = 0; i < n; i++)
        {
            await RowCost.PaceAsync(i, rate, clock);
            if (!queue.Writer.TryWrite(i))
            {
                dropped++;
            }
        }

        queue.Writer.Complete();
        await writer;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        return (cpu, clock.Elapsed.TotalSeconds, sink.Bytes(), $"dropped={dropped} {sink.Note()}");
    }

    /// <summary>One variant's writer: a DuckDB file with an attached memory stage, and/or the append-only log.</summary>
    private sealed class StageSink : IDisposable
    {
        private const string Numeric = """
            CREATE TABLE numeric_ops (start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL, duration_ms DOUBLE NOT NULL,
                ttft_ms DOUBLE, input_tokens BIGINT NOT NULL, output_tokens BIGINT NOT NULL, cached_input_tokens BIGINT NOT NULL,
                cache_creation_input_tokens BIGINT NOT NULL, reasoning_tokens BIGINT NOT NULL, cost_usd DECIMAL(18, 12),
                pricing TINYINT NOT NULL, retry_count INTEGER NOT NULL, fallback_used BOOLEAN NOT NULL);
            """;

        private readonly AiOperation[] _operations;
        private readonly SpanRecord[] _spans;
        private readonly DuckDBConnection? _connection;
        private readonly StageLog? _log;
        private readonly CsvStage? _csv; // also _log when the variant is csv
        private readonly string _file;
        private readonly string _database = "";
        private readonly bool _stage;
        private readonly bool _load;
        private readonly bool _withSpans;
        private readonly bool _numericOnly;
        private readonly AppendScratch _scratch = new();
        private int _staged;
        private long _generation;
        private int _loads;
        private string _loaded = "-";
        private readonly List<long> _walAfterLoad = [];

        public StageSink(string variant, string file, AiOperation[] operations, SpanRecord[] spans, string? settings)
        {
            _operations = operations;
            _spans = spans;
            _file = file;
            _stage = variant.StartsWith("stage", StringComparison.Ordinal);
            _load = variant.Contains("+load", StringComparison.Ordinal);
            _withSpans = !variant.StartsWith("stage-", StringComparison.Ordinal);
            _numericOnly = variant == "stage-numeric";
            if (variant.EndsWith("log", StringComparison.Ordinal))
            {
                _log = new RowLog(file + ".log");
            }

            if (variant.StartsWith("csv", StringComparison.Ordinal))
            {
                _log = _csv = new CsvStage(file + ".csv");
            }

            if (!_stage && !_load)
            {
                return;
            }

            _connection = new DuckDBConnection($"Data Source={file}");
            _connection.Open();
            using var command = _connection.CreateCommand();
            // The store's settings and tables in the file; the same tables again in the memory stage, which appenders then target.
            command.CommandText = $"""
                SET memory_limit = '512MB'; SET threads = 2; SET checkpoint_threshold = '128MB'; SET preserve_insertion_order = false; {settings}
                {DuckDbOperationStore.Schema}
                CREATE TABLE IF NOT EXISTS stage_loads (generation BIGINT NOT NULL);
                SELECT current_database();
                """;
            _database = (string)command.ExecuteScalar()!;
            if (!_stage)
            {
                return;
            }

            command.CommandText = $"ATTACH ':memory:' AS stage; USE stage; {DuckDbOperationStore.Schema} {Numeric}";
            command.ExecuteNonQuery();
        }

        /// <summary>One commit interval's rows: split at the row-group boundary, so each load moves exactly one row group.</summary>
        public void Commit(List<int> batch)
        {
            var from = 0;
            while (from < batch.Count)
            {
                var take = _load ? Math.Min(batch.Count - from, RowGroup - _staged) : batch.Count - from;
                _log?.Write(_operations, _withSpans ? _spans : null, batch, from, take);
                if (_stage)
                {
                    AppendStage(batch, from, take);
                }

                from += take;
                _staged += take;
                if (_load && _staged == RowGroup)
                {
                    Load();
                }
            }
        }

        public void Finish()
        {
            if (_load && _staged > 0)
            {
                Load();
            }

            if (_connection is not null && _load)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = $"SELECT (SELECT count(*) FROM \"{_database}\".main.operations) || '/' || (SELECT count(*) FROM \"{_database}\".main.spans)";
                _loaded = (string)command.ExecuteScalar()!; // a count is catalog metadata: nothing to scan
                command.CommandText = $"CHECKPOINT \"{_database}\"";
                command.ExecuteNonQuery();
            }

            _log?.Dispose();
            _connection?.Dispose();
        }

        public long Bytes() => (File.Exists(_file) ? new FileInfo(_file).Length : 0) + (_log?.Bytes ?? 0);

        public string Note() => string.Create(CultureInfo.InvariantCulture, $"loads={_loads} loadedRows={_loaded} walBytesAfterLoads=[{string.Join(' ', _walAfterLoad)}] logBytes={_log?.Bytes ?? 0} logSyncs={_log?.Syncs ?? 0}");

        public void Dispose()
        {
            _log?.Dispose();
            _connection?.Dispose();
        }

        private void AppendStage(List<int> batch, int from, int take)
        {
            using var transaction = _connection!.BeginTransaction();
            if (_numericOnly)
            {
                using var appender = _connection.CreateAppender("numeric_ops");
                for (var k = from; k < from + take; k++)
                {
                    AppendNumeric(appender, _operations[batch[k]]);
                }
            }
            else
            {
                using (var appender = _connection.CreateAppender("operations"))
                {
                    for (var k = from; k < from + take; k++)
                    {
                        DuckDbOperationStore.AppendOperation(appender, _operations[batch[k]], _scratch);
                    }
                }

                if (_withSpans)
                {
                    using var appender = _connection.CreateAppender("spans");
                    for (var k = from; k < from + take; k++)
                    {
                        DuckDbOperationStore.AppendSpan(appender, _spans[batch[k]], _scratch);
                    }
                }
            }

            transaction.Commit();
        }

        /// <summary>
        /// Moves the stage into the file in one transaction that also records the log generation it covers, then empties
        /// the stage (a second transaction: DuckDB lets one transaction write to one attached database only); then a new log generation.
        /// </summary>
        private void Load()
        {
            using (var transaction = _connection!.BeginTransaction())
            using (var command = _connection.CreateCommand())
            {
                command.CommandText = _csv is not null
                    ? _csv.LoadSql(_database) + string.Create(CultureInfo.InvariantCulture, $"INSERT INTO \"{_database}\".main.stage_loads VALUES ({_generation});")
                    : string.Create(CultureInfo.InvariantCulture, $"""
                    INSERT INTO "{_database}".main.operations SELECT * FROM stage.main.operations;
                    INSERT INTO "{_database}".main.spans SELECT * FROM stage.main.spans;
                    INSERT INTO "{_database}".main.stage_loads VALUES ({_generation});
                    """);
                command.ExecuteNonQuery();
                transaction.Commit();
            }

            using (var command = _connection.CreateCommand())
            {
                command.CommandText = _stage ? "DELETE FROM stage.main.operations; DELETE FROM stage.main.spans;" : "SELECT 1";
                command.ExecuteNonQuery();
            }

            _walAfterLoad.Add(File.Exists(_file + ".wal") ? new FileInfo(_file + ".wal").Length : 0);
            _log?.NextGeneration();
            _generation++;
            _staged = 0;
            _loads++;
        }

        private static void AppendNumeric(DuckDBAppender appender, AiOperation op)
        {
            appender.CreateRow()
                .AppendValue(op.StartTime.UtcDateTime)
                .AppendValue(op.EndTime.UtcDateTime)
                .AppendValue(op.DurationMs)
                .AppendValue(op.TimeToFirstTokenMs)
                .AppendValue(op.InputTokens)
                .AppendValue(op.OutputTokens)
                .AppendValue(op.CachedInputTokens)
                .AppendValue(op.CacheCreationInputTokens)
                .AppendValue(op.ReasoningTokens)
                .AppendValue(op.CostUsd is { } cost ? Math.Round(cost, 12) : null)
                .AppendValue((sbyte)op.Pricing)
                .AppendValue(op.RetryCount)
                .AppendValue(op.FallbackUsed)
                .EndRow();
        }
    }
}
