using System.Globalization;
using System.Text;
using Conciergus.Core.Model;
using Conciergus.Core.Traces;

/// <summary>
/// The append-only log a memory stage needs for the SIGKILL bound: each row's fields, length-prefixed (BinaryWriter),
/// flushed and fsync'd once per commit interval; one file per generation.
/// </summary>
internal sealed class RowLog : StageLog
{
    private readonly string _prefix;
    private FileStream _stream = null!;
    private BinaryWriter _writer = null!;

    public RowLog(string prefix)
    {
        _prefix = prefix;
        Open();
    }

    protected override long OpenBytes => _stream.Length;

    protected override void WriteOperation(AiOperation operation) => WriteOperation(_writer, operation);

    protected override void WriteSpan(SpanRecord span) => WriteSpan(_writer, span);

    protected override void Sync()
    {
        _writer.Flush();
        _stream.Flush(flushToDisk: true);
    }

    protected override void Open()
    {
        _stream = new FileStream(string.Create(CultureInfo.InvariantCulture, $"{_prefix}.{Generation:D8}"), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: false);
    }

    protected override string[] Close()
    {
        _writer.Dispose();
        return [_stream.Name];
    }

    private static void WriteOperation(BinaryWriter w, AiOperation op)
    {
        w.Write((byte)1);
        w.Write(op.OperationId);
        Text(w, op.TraceId);
        Text(w, op.SpanId);
        Text(w, op.ParentSpanId);
        w.Write(op.StartTime.UtcTicks);
        w.Write(op.DurationMs);
        w.Write(op.TimeToFirstTokenMs ?? double.NaN);
        w.Write(op.Operation);
        w.Write(op.Provider);
        w.Write(op.RequestModel);
        Text(w, op.ResponseModel);
        w.Write(op.InputTokens);
        w.Write(op.OutputTokens);
        w.Write(op.CachedInputTokens);
        w.Write(op.CacheCreationInputTokens);
        w.Write(op.ReasoningTokens);
        w.Write(op.CostUsd ?? decimal.MinValue);
        w.Write((byte)op.Pricing);
        Text(w, op.PriceVersion);
        w.Write((byte)op.Status);
        w.Write((byte)op.ErrorCategory);
        Text(w, op.Error?.Type);
        w.Write(op.Error?.HttpStatus ?? -1);
        Text(w, op.Error?.Code);
        Text(w, op.Error?.Message);
        w.Write(op.Application);
        Text(w, op.FunctionId);
        Text(w, op.UserId);
        Text(w, op.SessionId);
        Text(w, op.ConversationId);
        Text(w, op.Environment);
        Text(w, op.ExperimentKey);
        Text(w, op.ExperimentVariant);
        w.Write(op.RetryCount);
        w.Write(op.FallbackUsed);
        Text(w, op.OriginalModel);
        w.Write(op.FinishReasons?.Count ?? -1);
        foreach (var reason in op.FinishReasons ?? [])
        {
            w.Write(reason);
        }

        Pairs(w, op.Metadata);
    }

    private static void WriteSpan(BinaryWriter w, SpanRecord span)
    {
        w.Write((byte)2);
        w.Write(span.TraceId);
        w.Write(span.SpanId);
        Text(w, span.ParentSpanId);
        w.Write(span.Name);
        w.Write(span.Kind);
        w.Write(span.StartTime.UtcTicks);
        w.Write(span.DurationMs);
        w.Write(span.Status);
        Text(w, span.StatusMessage);
        w.Write(span.Application);
        Text(w, span.Operation?.OperationId);
        Pairs(w, span.Attributes);
    }

    private static void Text(BinaryWriter w, string? value)
    {
        w.Write(value is not null);
        if (value is not null)
        {
            w.Write(value);
        }
    }

    private static void Pairs(BinaryWriter w, IReadOnlyDictionary<string, string>? pairs)
    {
        w.Write(pairs?.Count ?? -1);
        foreach (var (key, value) in pairs ?? new Dictionary<string, string>())
        {
            w.Write(key);
            w.Write(value);
        }
    }
}
