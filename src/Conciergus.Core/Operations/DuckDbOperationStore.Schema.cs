using System.Data.Common;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;

namespace Conciergus.Core.Operations;

/// <summary>Tables, appending rows and reading them back.</summary>
public sealed partial class DuckDbOperationStore
{
    /// <summary>
    /// One row per operation, every <see cref="AiOperation"/> field. Metadata is parallel key/value lists (DuckDB.NET's
    /// appender cannot write MAP columns); a span's attributes are one escaped string, <c>attributes_text</c>
    /// (<see cref="MetadataText"/>: a span row is written for every AI call, read rarely, and one VARCHAR costs the writer a
    /// fraction of two VARCHAR[] lists); the views <c>operations_v</c> and <c>spans_v</c> show both as MAPs for ad-hoc SQL. <c>model</c> holds <see cref="AiOperation.Model"/> (the grouping model), so filters and
    /// groups read one column. Times are UTC TIMESTAMPs (microseconds). <c>metadata_text</c> holds the same metadata once
    /// more as one string (<see cref="MetadataText"/>): a <c>metadata.&lt;key&gt;</c> filter is a substring search on it,
    /// about a tenth of <c>list_position</c>'s cost per row. <c>cost_usd</c> is DECIMAL(18, 12): exact to 1e-12 USD, summed
    /// in 128 bits (DECIMAL(38, 12) sums cost ten times more per row); an operation costing $1,000,000 or more is stored
    /// without cost. Files of the earlier schema are migrated on open (<see cref="MigrateOperations"/>).
    /// </summary>
    internal const string Schema = $"""
        CREATE TABLE IF NOT EXISTS operations (
            operation_id VARCHAR NOT NULL,
            trace_id VARCHAR,
            span_id VARCHAR,
            parent_span_id VARCHAR,
            start_time TIMESTAMP NOT NULL,
            end_time TIMESTAMP NOT NULL,
            duration_ms DOUBLE NOT NULL,
            ttft_ms DOUBLE,
            operation VARCHAR NOT NULL,
            provider VARCHAR NOT NULL,
            request_model VARCHAR NOT NULL,
            response_model VARCHAR,
            model VARCHAR NOT NULL,
            input_tokens BIGINT NOT NULL,
            output_tokens BIGINT NOT NULL,
            cached_input_tokens BIGINT NOT NULL,
            cache_creation_input_tokens BIGINT NOT NULL,
            reasoning_tokens BIGINT NOT NULL,
            cost_usd DECIMAL(18, 12),
            pricing TINYINT NOT NULL,
            price_version VARCHAR,
            status VARCHAR NOT NULL,
            error_category VARCHAR NOT NULL,
            error_type VARCHAR,
            error_http_status INTEGER,
            error_code VARCHAR,
            error_message VARCHAR,
            application VARCHAR NOT NULL,
            function_id VARCHAR,
            user_id VARCHAR,
            session_id VARCHAR,
            conversation_id VARCHAR,
            environment VARCHAR,
            experiment_key VARCHAR,
            experiment_variant VARCHAR,
            retry_count INTEGER NOT NULL,
            fallback_used BOOLEAN NOT NULL,
            original_model VARCHAR,
            finish_reasons VARCHAR[],
            metadata_keys VARCHAR[],
            metadata_values VARCHAR[],
            metadata_text VARCHAR
        );
        CREATE TABLE IF NOT EXISTS spans {SpanTable};
        """;

    /// <summary>The spans table's columns (a migration builds the table afresh with them).</summary>
    private const string SpanTable = """
        (
            trace_id VARCHAR NOT NULL,
            span_id VARCHAR NOT NULL,
            parent_span_id VARCHAR,
            name VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            start_time TIMESTAMP NOT NULL,
            end_time TIMESTAMP NOT NULL,
            duration_ms DOUBLE NOT NULL,
            status VARCHAR NOT NULL,
            status_message VARCHAR,
            application VARCHAR NOT NULL,
            operation_id VARCHAR,
            attributes_text VARCHAR
        )
        """;

    /// <summary>The views (created after <see cref="MigrateOperations"/>: a view binds the columns it names).</summary>
    internal static readonly string Views = $"""
        CREATE OR REPLACE VIEW operations_v AS
            SELECT * EXCLUDE (metadata_keys, metadata_values, metadata_text), map(coalesce(metadata_keys, []), coalesce(metadata_values, [])) AS metadata FROM operations;
        CREATE OR REPLACE VIEW spans_v AS
            SELECT s.* EXCLUDE (attributes_text), {MetadataText.ToMapSql(SpanAttributeText.RebuildSql("s.attributes_text"))} AS attributes
            FROM spans s LEFT JOIN operations o ON {SpanOperationJoin};
        """;

    /// <summary>The operation columns in table order (reads select them in this order).</summary>
    internal const string OperationColumns =
        "operation_id, trace_id, span_id, parent_span_id, start_time, end_time, duration_ms, ttft_ms, operation, provider, " +
        "request_model, response_model, model, input_tokens, output_tokens, cached_input_tokens, cache_creation_input_tokens, " +
        "reasoning_tokens, cost_usd, pricing, price_version, status, error_category, error_type, error_http_status, error_code, " +
        "error_message, application, function_id, user_id, session_id, conversation_id, environment, experiment_key, " +
        "experiment_variant, retry_count, fallback_used, original_model, finish_reasons, metadata_keys, metadata_values";

    /// <summary>The columns <see cref="ReadForRestoreAsync"/> reads, in <see cref="ReadRestoreRow"/>'s order.</summary>
    internal const string RestoreColumns =
        "operation_id, start_time, duration_ms, ttft_ms, operation, provider, request_model, response_model, input_tokens, " +
        "output_tokens, cached_input_tokens, cache_creation_input_tokens, reasoning_tokens, cost_usd, pricing, status, " +
        "error_category, application, function_id, user_id, environment, experiment_key, experiment_variant";

    /// <summary>How a span row <c>s</c> finds its operation row <c>o</c> (whose columns rebuild the attributes <see cref="SpanAttributeText"/> left out).</summary>
    internal const string SpanOperationJoin = "o.operation_id = s.operation_id AND o.trace_id = s.trace_id";

    /// <summary>The span columns in table order (<see cref="ReadSpan"/> reads them in this order).</summary>
    internal const string SpanColumns =
        "trace_id, span_id, parent_span_id, name, kind, start_time, end_time, duration_ms, status, status_message, application, " +
        "operation_id, attributes_text";

    // Costs from this up do not fit DECIMAL(18,12); a hostile sender's absurd figure is kept out rather than failing the batch.
    internal const decimal MaxStoredCost = 1e6m;

    /// <summary>
    /// Brings a file of an earlier schema to this one, in one transaction: <c>cost_usd</c> DECIMAL(38, 12) becomes
    /// DECIMAL(18, 12) (a cost of $1,000,000 or more becomes NULL, as the writer stores it), and <c>metadata_text</c> is
    /// added and filled from the key/value lists with the same encoding as <see cref="MetadataText"/>. Nothing to do on a
    /// current file (two catalog lookups).
    /// </summary>
    internal static void MigrateOperations(DuckDBConnection connection)
    {
        MigrateSpans(connection);
        var oldCost = ColumnType(connection, "operations", "cost_usd") is { } type && type != "DECIMAL(18,12)";
        var noText = ColumnType(connection, "operations", "metadata_text") is null;
        if (!oldCost && !noText)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            var statements = new List<string>();
            if (oldCost)
            {
                statements.Add($"ALTER TABLE operations ALTER COLUMN cost_usd SET DATA TYPE DECIMAL(18, 12) USING CASE WHEN abs(cost_usd) < {MaxStoredCost.ToString(System.Globalization.CultureInfo.InvariantCulture)} THEN cost_usd END");
            }

            if (noText)
            {
                statements.Add("ALTER TABLE operations ADD COLUMN metadata_text VARCHAR");
                statements.Add($"UPDATE operations SET metadata_text = {MetadataText.FromListsSql("metadata_keys", "metadata_values")} WHERE len(metadata_keys) > 0 AND len(metadata_values) > 0");
            }

            command.CommandText = string.Join(";\n", statements);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    /// <summary>
    /// Spans of the earlier schema kept attributes as two lists (<c>attribute_keys</c>, <c>attribute_values</c>) before
    /// <c>operation_id</c>: the table is rebuilt with <c>attributes_text</c> (the writer's encoding, built in SQL) as the last
    /// column, as a new file has it (the appender writes by position), rows in their order (the newest copy of a span is
    /// the one with the highest rowid), in one transaction. DuckDB refuses to commit ADD COLUMN, UPDATE and DROP COLUMN of
    /// one table in one transaction, hence a new table. Nothing to do on a current file.
    /// </summary>
    private static void MigrateSpans(DuckDBConnection connection)
    {
        if (ColumnType(connection, "spans", "attribute_keys") is null)
        {
            return;
        }

        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = $"""
                DROP VIEW IF EXISTS spans_v;
                CREATE OR REPLACE TABLE spans_migrating {SpanTable};
                INSERT INTO spans_migrating
                    SELECT trace_id, span_id, parent_span_id, name, kind, start_time, end_time, duration_ms, status, status_message, application, operation_id,
                        CASE WHEN len(attribute_keys) > 0 AND len(attribute_values) > 0 THEN {MetadataText.FromListsSql("attribute_keys", "attribute_values")} END
                    FROM spans ORDER BY rowid;
                DROP TABLE spans;
                ALTER TABLE spans_migrating RENAME TO spans;
                """;
            command.ExecuteNonQuery();
        }

        transaction.Commit();
    }

    private static string? ColumnType(DuckDBConnection connection, string table, string column)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = current_schema() AND table_name = $t AND column_name = $c";
        command.Parameters.Add(new DuckDBParameter("t", table));
        command.Parameters.Add(new DuckDBParameter("c", column));
        return command.ExecuteScalar() as string;
    }

    /// <summary>Appends one operation row (the table's column order); strings through <paramref name="scratch"/>.</summary>
    internal static void AppendOperation(DuckDBAppender appender, AiOperation op, AppendScratch scratch)
    {
        var row = appender.CreateRow();
        scratch.Append(row, op.OperationId, op.TraceId, op.SpanId, op.ParentSpanId);
        row.AppendValue(op.StartTime.UtcDateTime)
            .AppendValue(op.EndTime.UtcDateTime)
            .AppendValue(op.DurationMs)
            .AppendValue(op.TimeToFirstTokenMs);
        scratch.Append(row, op.Operation, op.Provider, op.RequestModel, op.ResponseModel, op.Model);
        row.AppendValue(op.InputTokens)
            .AppendValue(op.OutputTokens)
            .AppendValue(op.CachedInputTokens)
            .AppendValue(op.CacheCreationInputTokens)
            .AppendValue(op.ReasoningTokens)
            .AppendValue(op.CostUsd is { } cost && Math.Abs(cost) < MaxStoredCost ? Math.Round(cost, 12) : null)
            .AppendValue((sbyte)op.Pricing);
        scratch.Append(row, op.PriceVersion, op.Status == AiOperationStatus.Error ? "error" : "ok", op.ErrorCategory.ToWireName(), op.Error?.Type);
        row.AppendValue(op.Error?.HttpStatus);
        scratch.Append(row, op.Error?.Code, op.Error?.Message, op.Application, op.FunctionId, op.UserId, op.SessionId, op.ConversationId, op.Environment, op.ExperimentKey, op.ExperimentVariant);
        row.AppendValue(op.RetryCount)
            .AppendValue(op.FallbackUsed);
        scratch.Append(row, op.OriginalModel);
        AppendList(row, op.FinishReasons);
        if (op.Metadata is { Count: > 0 } metadata)
        {
            // The scratch lists: the appender copies a list's items into its vector at once.
            scratch.Keys.Clear();
            scratch.Values.Clear();
            foreach (var (key, value) in metadata)
            {
                scratch.Keys.Add(key);
                scratch.Values.Add(value);
            }

            row.AppendValue(scratch.Keys).AppendValue(scratch.Values);
            scratch.Append(row, MetadataText.Encode(metadata, scratch.Text));
        }
        else
        {
            row.AppendNullValue().AppendNullValue().AppendNullValue();
        }

        row.EndRow();
    }

    /// <summary>
    /// Appends one span row (the table's column order); strings through <paramref name="scratch"/>. <paramref name="written"/>:
    /// the operation row of <see cref="SpanRecord.Operation"/>'s id written in the same commit, if exactly one was; its
    /// attributes are then left to it (<see cref="SpanAttributeText"/>) when the span cannot outlive it (it ends no later,
    /// so retention deletes it no later; erasure deletes the whole trace of an erased operation).
    /// </summary>
    internal static void AppendSpan(DuckDBAppender appender, SpanRecord span, AppendScratch scratch, AiOperation? written = null)
    {
        var end = span.StartTime.AddMilliseconds(span.DurationMs);
        if (written is not null && (!string.Equals(written.TraceId, span.TraceId, StringComparison.Ordinal) || end.UtcDateTime > written.EndTime.UtcDateTime))
        {
            written = null;
        }

        var row = appender.CreateRow();
        scratch.Append(row, span.TraceId, span.SpanId, span.ParentSpanId, span.Name, span.Kind);
        row.AppendValue(span.StartTime.UtcDateTime)
            .AppendValue(end.UtcDateTime)
            .AppendValue(span.DurationMs);
        scratch.Append(row, span.Status, span.StatusMessage, span.Application, span.Operation?.OperationId, SpanAttributeText.Encode(span.Attributes, written, scratch.Text));
        row.EndRow();
    }

    private static void AppendList(IDuckDBAppenderRow row, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            row.AppendNullValue();
        }
        else
        {
            row.AppendValue(values as List<string> ?? [.. values]);
        }
    }

    /// <summary>Reads an operation from a row selected with <see cref="OperationColumns"/> starting at <paramref name="o"/>.</summary>
    internal static AiOperation ReadOperation(DbDataReader r, int o = 0)
    {
        var errorType = String(r, o + 23);
        var httpStatus = r.IsDBNull(o + 24) ? (int?)null : r.GetInt32(o + 24);
        var errorCode = String(r, o + 25);
        var errorMessage = String(r, o + 26);
        return new AiOperation
        {
            OperationId = r.GetString(o),
            TraceId = String(r, o + 1),
            SpanId = String(r, o + 2),
            ParentSpanId = String(r, o + 3),
            StartTime = Utc(r.GetDateTime(o + 4)),
            DurationMs = r.GetDouble(o + 6),
            TimeToFirstTokenMs = r.IsDBNull(o + 7) ? null : r.GetDouble(o + 7),
            Operation = r.GetString(o + 8),
            Provider = r.GetString(o + 9),
            RequestModel = r.GetString(o + 10),
            ResponseModel = String(r, o + 11),
            InputTokens = r.GetInt64(o + 13),
            OutputTokens = r.GetInt64(o + 14),
            CachedInputTokens = r.GetInt64(o + 15),
            CacheCreationInputTokens = r.GetInt64(o + 16),
            ReasoningTokens = r.GetInt64(o + 17),
            CostUsd = r.IsDBNull(o + 18) ? null : r.GetDecimal(o + 18),
            Pricing = (PricingStatus)Convert.ToInt32(r.GetValue(o + 19), System.Globalization.CultureInfo.InvariantCulture),
            PriceVersion = String(r, o + 20),
            Status = r.GetString(o + 21) == "error" ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = ErrorCategoryNames.TryParse(r.GetString(o + 22), out var category) ? category : ErrorCategory.Unknown,
            Error = errorType is null && httpStatus is null && errorCode is null && errorMessage is null
                ? null
                : new ErrorDetails { Type = errorType, HttpStatus = httpStatus, Code = errorCode, Message = errorMessage },
            Application = r.GetString(o + 27),
            FunctionId = String(r, o + 28),
            UserId = String(r, o + 29),
            SessionId = String(r, o + 30),
            ConversationId = String(r, o + 31),
            Environment = String(r, o + 32),
            ExperimentKey = String(r, o + 33),
            ExperimentVariant = String(r, o + 34),
            RetryCount = r.GetInt32(o + 35),
            FallbackUsed = r.GetBoolean(o + 36),
            OriginalModel = String(r, o + 37),
            FinishReasons = r.IsDBNull(o + 38) ? null : r.GetFieldValue<List<string>>(o + 38),
            Metadata = Pairs(r, o + 39),
        };
    }

    /// <summary>Reads the restore's projection (<see cref="RestoreColumns"/>).</summary>
    internal static AiOperation ReadRestoreRow(DbDataReader r) => new()
    {
        OperationId = r.GetString(0),
        StartTime = Utc(r.GetDateTime(1)),
        DurationMs = r.GetDouble(2),
        TimeToFirstTokenMs = r.IsDBNull(3) ? null : r.GetDouble(3),
        Operation = r.GetString(4),
        Provider = r.GetString(5),
        RequestModel = r.GetString(6),
        ResponseModel = String(r, 7),
        InputTokens = r.GetInt64(8),
        OutputTokens = r.GetInt64(9),
        CachedInputTokens = r.GetInt64(10),
        CacheCreationInputTokens = r.GetInt64(11),
        ReasoningTokens = r.GetInt64(12),
        CostUsd = r.IsDBNull(13) ? null : r.GetDecimal(13),
        Pricing = (PricingStatus)r.GetFieldValue<sbyte>(14),
        Status = r.GetString(15) == "error" ? AiOperationStatus.Error : AiOperationStatus.Ok,
        ErrorCategory = ErrorCategoryNames.TryParse(r.GetString(16), out var category) ? category : ErrorCategory.Unknown,
        Application = r.GetString(17),
        FunctionId = String(r, 18),
        UserId = String(r, 19),
        Environment = String(r, 20),
        ExperimentKey = String(r, 21),
        ExperimentVariant = String(r, 22),
    };

    /// <summary>Reads a span from a row selected with <see cref="SpanColumns"/>, then (optionally) the joined operation.</summary>
    internal static SpanRecord ReadSpan(DbDataReader r, bool withOperation)
    {
        var operation = withOperation && !r.IsDBNull(13) ? ReadOperation(r, 13) : null;
        var attributes = r.IsDBNull(12) ? new Dictionary<string, string>() : SpanAttributeText.Decode(r.GetString(12), operation);
        return new SpanRecord
        {
            TraceId = r.GetString(0),
            SpanId = r.GetString(1),
            ParentSpanId = String(r, 2),
            Name = r.GetString(3),
            Kind = r.GetString(4),
            StartTime = Utc(r.GetDateTime(5)),
            DurationMs = r.GetDouble(7),
            Status = r.GetString(8),
            StatusMessage = String(r, 9),
            Application = r.GetString(10),
            Attributes = attributes,
            Operation = operation,
        };
    }

    private static Dictionary<string, string>? Pairs(DbDataReader r, int keysOrdinal)
    {
        if (r.IsDBNull(keysOrdinal) || r.IsDBNull(keysOrdinal + 1))
        {
            return null;
        }

        var keys = r.GetFieldValue<List<string>>(keysOrdinal);
        var values = r.GetFieldValue<List<string>>(keysOrdinal + 1);
        var result = new Dictionary<string, string>(keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < keys.Count && i < values.Count; i++)
        {
            result[keys[i]] = values[i];
        }

        return result;
    }

    private static string? String(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
