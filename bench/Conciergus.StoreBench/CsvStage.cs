using System.Globalization;
using System.Text;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;

/// <summary>
/// A stage that is its own log and needs no appender: each commit interval's rows are written as CSV (every string quoted,
/// a null an empty unquoted field, times as microseconds since 1970, a list's items joined with U+0001) to the current
/// generation's two files, flushed and fsync'd; a load is DuckDB's own C++ CSV reader inserting a generation's files into
/// the tables (<see cref="LoadSql"/>), after which the next generation starts and the loaded files are deleted.
/// </summary>
internal sealed class CsvStage : StageLog
{
    private const string OperationColumns = """
        {'operation_id': 'VARCHAR', 'trace_id': 'VARCHAR', 'span_id': 'VARCHAR', 'parent_span_id': 'VARCHAR', 'start_time': 'BIGINT',
        'end_time': 'BIGINT', 'duration_ms': 'DOUBLE', 'ttft_ms': 'DOUBLE', 'operation': 'VARCHAR', 'provider': 'VARCHAR',
        'request_model': 'VARCHAR', 'response_model': 'VARCHAR', 'model': 'VARCHAR', 'input_tokens': 'BIGINT', 'output_tokens': 'BIGINT',
        'cached_input_tokens': 'BIGINT', 'cache_creation_input_tokens': 'BIGINT', 'reasoning_tokens': 'BIGINT', 'cost_usd': 'DECIMAL(18,12)',
        'pricing': 'TINYINT', 'price_version': 'VARCHAR', 'status': 'VARCHAR', 'error_category': 'VARCHAR', 'error_type': 'VARCHAR',
        'error_http_status': 'INTEGER', 'error_code': 'VARCHAR', 'error_message': 'VARCHAR', 'application': 'VARCHAR', 'function_id': 'VARCHAR',
        'user_id': 'VARCHAR', 'session_id': 'VARCHAR', 'conversation_id': 'VARCHAR', 'environment': 'VARCHAR', 'experiment_key': 'VARCHAR',
        'experiment_variant': 'VARCHAR', 'retry_count': 'INTEGER', 'fallback_used': 'BOOLEAN', 'original_model': 'VARCHAR',
        'finish_reasons': 'VARCHAR', 'metadata_keys': 'VARCHAR', 'metadata_values': 'VARCHAR', 'metadata_text': 'VARCHAR'}
        """;

    private const string SpanColumns = """
        {'trace_id': 'VARCHAR', 'span_id': 'VARCHAR', 'parent_span_id': 'VARCHAR', 'name': 'VARCHAR', 'kind': 'VARCHAR', 'start_time': 'BIGINT',
        'end_time': 'BIGINT', 'duration_ms': 'DOUBLE', 'status': 'VARCHAR', 'status_message': 'VARCHAR', 'application': 'VARCHAR',
        'operation_id': 'VARCHAR', 'attributes_text': 'VARCHAR'}
        """;

    private const string Options = "header = false, delim = ',', quote = '\"', escape = '\"', nullstr = '', allow_quoted_nulls = false, auto_detect = false";

    private readonly string _prefix;
    private readonly StringBuilder _text = new();
    private Writer _operations = null!;
    private Writer _spans = null!;

    public CsvStage(string prefix)
    {
        _prefix = prefix;
        Open();
    }

    protected override long OpenBytes => _operations.Stream.Length + _spans.Stream.Length;

    /// <summary>The statements that insert the current generation's files into <paramref name="database"/>'s tables.</summary>
    public string LoadSql(string database) => $"""
        INSERT INTO "{database}".main.operations
            SELECT * REPLACE (make_timestamp(start_time) AS start_time, make_timestamp(end_time) AS end_time,
                string_split(finish_reasons, chr(1)) AS finish_reasons, string_split(metadata_keys, chr(1)) AS metadata_keys,
                string_split(metadata_values, chr(1)) AS metadata_values)
            FROM read_csv('{_operations.Stream.Name}', {Options}, columns = {OperationColumns});
        INSERT INTO "{database}".main.spans
            SELECT * REPLACE (make_timestamp(start_time) AS start_time, make_timestamp(end_time) AS end_time)
            FROM read_csv('{_spans.Stream.Name}', {Options}, columns = {SpanColumns});
        """;

    protected override void WriteOperation(AiOperation operation) => WriteOperation(_operations, operation, _text);

    protected override void WriteSpan(SpanRecord span) => WriteSpan(_spans, span, _text);

    protected override void Sync()
    {
        _operations.Sync();
        _spans.Sync();
    }

    protected override void Open()
    {
        _operations = new Writer(string.Create(CultureInfo.InvariantCulture, $"{_prefix}.{Generation:D8}.operations.csv"));
        _spans = new Writer(string.Create(CultureInfo.InvariantCulture, $"{_prefix}.{Generation:D8}.spans.csv"));
    }

    protected override string[] Close()
    {
        _operations.Dispose();
        _spans.Dispose();
        return [_operations.Stream.Name, _spans.Stream.Name];
    }

    private static void WriteOperation(Writer w, AiOperation op, StringBuilder text)
    {
        w.Text(op.OperationId).Text(op.TraceId).Text(op.SpanId).Text(op.ParentSpanId)
            .Number(Micros(op.StartTime)).Number(Micros(op.EndTime)).Number(op.DurationMs).Number(op.TimeToFirstTokenMs)
            .Text(op.Operation).Text(op.Provider).Text(op.RequestModel).Text(op.ResponseModel).Text(op.Model)
            .Number(op.InputTokens).Number(op.OutputTokens).Number(op.CachedInputTokens).Number(op.CacheCreationInputTokens).Number(op.ReasoningTokens)
            .Number(op.CostUsd is { } cost && Math.Abs(cost) < 1e6m ? Math.Round(cost, 12) : (decimal?)null)
            .Number((int)op.Pricing).Text(op.PriceVersion).Text(op.Status == AiOperationStatus.Error ? "error" : "ok")
            .Text(op.ErrorCategory.ToWireName()).Text(op.Error?.Type).Number(op.Error?.HttpStatus).Text(op.Error?.Code).Text(op.Error?.Message)
            .Text(op.Application).Text(op.FunctionId).Text(op.UserId).Text(op.SessionId).Text(op.ConversationId).Text(op.Environment)
            .Text(op.ExperimentKey).Text(op.ExperimentVariant).Number(op.RetryCount).Text(op.FallbackUsed ? "true" : "false")
            .Text(op.OriginalModel).Text(op.FinishReasons is null ? null : string.Join('\u0001', op.FinishReasons));
        if (op.Metadata is { Count: > 0 } metadata)
        {
            w.Text(string.Join('\u0001', metadata.Keys)).Text(string.Join('\u0001', metadata.Values)).Text(MetadataText.Encode(metadata, text)).End();
        }
        else
        {
            w.Text(null).Text(null).Text(null).End();
        }
    }

    private static void WriteSpan(Writer w, SpanRecord span, StringBuilder text) =>
        w.Text(span.TraceId).Text(span.SpanId).Text(span.ParentSpanId).Text(span.Name).Text(span.Kind)
            .Number(Micros(span.StartTime)).Number(Micros(span.StartTime.AddMilliseconds(span.DurationMs))).Number(span.DurationMs)
            .Text(span.Status).Text(span.StatusMessage).Text(span.Application).Text(span.Operation?.OperationId)
            .Text(MetadataText.Encode(span.Attributes, text)).End();

    private static long Micros(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>One CSV file: fields separated by commas, a row ended by a newline.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly StreamWriter _writer;
        private bool _first = true;

        public Writer(string path)
        {
            Stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            _writer = new StreamWriter(Stream, new UTF8Encoding(false), 1 << 16);
        }

        public FileStream Stream { get; }

        public Writer Text(string? value)
        {
            Separate();
            if (value is null)
            {
                return this;
            }

            _writer.Write('"');
            var rest = value.AsSpan();
            for (var quote = rest.IndexOf('"'); quote >= 0; quote = rest.IndexOf('"'))
            {
                _writer.Write(rest[..(quote + 1)]);
                _writer.Write('"');
                rest = rest[(quote + 1)..];
            }

            _writer.Write(rest);
            _writer.Write('"');
            return this;
        }

        public Writer Number<T>(T? value)
            where T : struct, ISpanFormattable
        {
            Separate();
            if (value is { } v)
            {
                Span<char> buffer = stackalloc char[64];
                v.TryFormat(buffer, out var written, default, CultureInfo.InvariantCulture);
                _writer.Write(buffer[..written]);
            }

            return this;
        }

        public Writer Number<T>(T value)
            where T : struct, ISpanFormattable => Number((T?)value);

        public void End()
        {
            _writer.Write('\n');
            _first = true;
        }

        public void Sync()
        {
            _writer.Flush();
            Stream.Flush(flushToDisk: true);
        }

        public void Dispose() => _writer.Dispose();

        private void Separate()
        {
            if (!_first)
            {
                _writer.Write(',');
            }

            _first = false;
        }
    }
}
