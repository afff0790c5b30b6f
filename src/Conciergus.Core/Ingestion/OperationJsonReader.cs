using System.Globalization;
using System.Text.Json;
using Conciergus.Core.Model;

namespace Conciergus.Core.Ingestion;

/// <summary>
/// Decodes the JSON ingestion body (<c>{"operations":[...]}</c> or a bare array) into operations, item by
/// item: an invalid item is reported with its index and a reason and never drops the valid ones.
/// </summary>
public static class OperationJsonReader
{
    /// <summary>Longest id, model, application or other text field accepted.</summary>
    public const int MaxTextLength = 256;

    /// <summary>Longest metadata value or error message kept (longer ones are truncated).</summary>
    public const int MaxLongTextLength = 2048;

    /// <summary>Parses a whole body; throws <see cref="JsonException"/> or <see cref="FormatException"/> when the body itself is malformed.</summary>
    /// <param name="utf8Json">The request body.</param>
    /// <param name="now">Items without a timestamp completed now (they started duration earlier).</param>
    /// <param name="maxBatchSize">Most items accepted; more throws <see cref="BatchTooLargeException"/>.</param>
    public static OperationBatch Read(ReadOnlyMemory<byte> utf8Json, DateTimeOffset now, int maxBatchSize)
    {
        // System.Text.Json reads invalid UTF-8 inside strings and only fails (InvalidOperationException) when a string is read.
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json.Span))
        {
            throw new JsonException("The body is not valid UTF-8.");
        }

        using var document = JsonDocument.Parse(utf8Json, new JsonDocumentOptions { MaxDepth = 16 });
        var root = document.RootElement;
        JsonElement items;
        if (root.ValueKind == JsonValueKind.Array)
        {
            items = root;
        }
        else if (root.ValueKind == JsonValueKind.Object && TryGet(root, "operations", out var ops) && ops.ValueKind == JsonValueKind.Array)
        {
            items = ops;
        }
        else
        {
            throw new FormatException("body must be {\"operations\": [...]} or a JSON array of operations");
        }

        var count = items.GetArrayLength();
        if (count > maxBatchSize)
        {
            throw new BatchTooLargeException(count, maxBatchSize);
        }

        var operations = new List<AiOperation>(count);
        var errors = new List<ItemError>();
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            try
            {
                operations.Add(ReadItem(item, now));
            }
            catch (ItemInvalidException e)
            {
                errors.Add(new ItemError(index, e.Message));
            }

            index++;
        }

        return new OperationBatch(operations, errors);
    }

    private static AiOperation ReadItem(JsonElement item, DateTimeOffset now)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw new ItemInvalidException("an operation must be a JSON object");
        }

        var model = Text(item, "model") ?? Text(item, "responseModel")
            ?? throw new ItemInvalidException("'model' is required");
        var durationMs = Number(item, "durationMs") ?? throw new ItemInvalidException("'durationMs' is required (milliseconds, >= 0)");
        if (durationMs < 0 || durationMs > TimeSpan.FromDays(1).TotalMilliseconds)
        {
            throw new ItemInvalidException("'durationMs' must be between 0 and 86400000");
        }

        var ttft = Number(item, "timeToFirstTokenMs");
        if (ttft is < 0)
        {
            throw new ItemInvalidException("'timeToFirstTokenMs' must be >= 0");
        }

        var input = Count(item, "inputTokens");
        var output = Count(item, "outputTokens");
        var cached = Count(item, "cachedInputTokens");
        var cacheCreation = Count(item, "cacheCreationInputTokens");
        var reasoning = Count(item, "reasoningTokens");
        if (cached + cacheCreation > input)
        {
            throw new ItemInvalidException("'cachedInputTokens' + 'cacheCreationInputTokens' must not exceed 'inputTokens' (input tokens include cached tokens)");
        }

        if (reasoning > output)
        {
            throw new ItemInvalidException("'reasoningTokens' must not exceed 'outputTokens' (output tokens include reasoning tokens)");
        }

        var error = ReadError(item);
        var statusText = Text(item, "status");
        var status = statusText switch
        {
            null => error is null ? AiOperationStatus.Ok : AiOperationStatus.Error,
            _ when statusText.Equals("ok", StringComparison.OrdinalIgnoreCase) => AiOperationStatus.Ok,
            _ when statusText.Equals("error", StringComparison.OrdinalIgnoreCase) => AiOperationStatus.Error,
            _ => throw new ItemInvalidException("'status' must be \"ok\" or \"error\""),
        };

        var spanId = HexId(item, "spanId", 16);
        return new AiOperation
        {
            OperationId = Text(item, "operationId") ?? spanId ?? Guid.NewGuid().ToString("N"),
            TraceId = HexId(item, "traceId", 32),
            SpanId = spanId,
            ParentSpanId = HexId(item, "parentSpanId", 16),
            StartTime = Timestamp(item, now.AddMilliseconds(-durationMs)),
            DurationMs = durationMs,
            TimeToFirstTokenMs = ttft,
            Operation = Text(item, "operation")?.ToLowerInvariant() ?? AiOperationKinds.Chat,
            Provider = Text(item, "provider")?.ToLowerInvariant() ?? "unknown",
            RequestModel = model,
            ResponseModel = Text(item, "responseModel"),
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cached,
            CacheCreationInputTokens = cacheCreation,
            ReasoningTokens = reasoning,
            Status = status,
            Error = status == AiOperationStatus.Error ? error ?? new ErrorDetails() : null,
            Application = Text(item, "application") ?? "unknown",
            FunctionId = Text(item, "functionId"),
            UserId = Text(item, "userId"),
            SessionId = Text(item, "sessionId"),
            ConversationId = Text(item, "conversationId"),
            Environment = Text(item, "environment"),
            ExperimentKey = Text(item, "experimentKey"),
            ExperimentVariant = Text(item, "experimentVariant"),
            RetryCount = (int)Math.Min(Count(item, "retryCount"), 1000),
            FallbackUsed = TryGet(item, "fallbackUsed", out var fb) && fb.ValueKind == JsonValueKind.True,
            Metadata = Metadata(item),
        };
    }

    private static ErrorDetails? ReadError(JsonElement item)
    {
        if (!TryGet(item, "error", out var e) || e.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (e.ValueKind == JsonValueKind.String)
        {
            return new ErrorDetails { Message = Truncate(e.GetString()) };
        }

        if (e.ValueKind != JsonValueKind.Object)
        {
            throw new ItemInvalidException("'error' must be an object {type, httpStatus, code, message}");
        }

        int? httpStatus = null;
        if (TryGet(e, "httpStatus", out var hs) && hs.ValueKind != JsonValueKind.Null)
        {
            if (hs.ValueKind != JsonValueKind.Number || !hs.TryGetInt32(out var code) || code is < 100 or > 599)
            {
                throw new ItemInvalidException("'error.httpStatus' must be an HTTP status code (100-599)");
            }

            httpStatus = code;
        }

        return new ErrorDetails
        {
            Type = Text(e, "type"),
            HttpStatus = httpStatus,
            Code = Text(e, "code"),
            Message = TryGet(e, "message", out var m) && m.ValueKind == JsonValueKind.String ? Truncate(m.GetString()) : null,
        };
    }

    private static Dictionary<string, string>? Metadata(JsonElement item)
    {
        if (!TryGet(item, "metadata", out var m) || m.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (m.ValueKind != JsonValueKind.Object)
        {
            throw new ItemInvalidException("'metadata' must be an object of string values");
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in m.EnumerateObject())
        {
            if (result.Count >= AiOperation.MaxMetadataEntries)
            {
                throw new ItemInvalidException($"'metadata' has more than {AiOperation.MaxMetadataEntries} entries");
            }

            if (property.Name.Length is 0 or > MaxTextLength)
            {
                throw new ItemInvalidException($"metadata keys must be 1 to {MaxTextLength} characters");
            }

            result[property.Name] = property.Value.ValueKind switch
            {
                JsonValueKind.String => Truncate(property.Value.GetString()) ?? "",
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                _ => throw new ItemInvalidException($"metadata '{property.Name}' must be a string, number or boolean"),
            };
        }

        return result;
    }

    private static DateTimeOffset Timestamp(JsonElement item, DateTimeOffset now)
    {
        if (!TryGet(item, "timestamp", out var t) || t.ValueKind == JsonValueKind.Null)
        {
            return now;
        }

        if (t.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(t.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            return parsed.ToUniversalTime();
        }

        throw new ItemInvalidException("'timestamp' must be an ISO 8601 date and time (for example 2026-11-27T12:00:00Z)");
    }

    private static string? Text(JsonElement item, string name)
    {
        if (!TryGet(item, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ItemInvalidException($"'{name}' must be a string");
        }

        var text = value.GetString()!.Trim();
        if (text.Length > MaxTextLength)
        {
            throw new ItemInvalidException($"'{name}' is longer than {MaxTextLength} characters");
        }

        return text.Length == 0 ? null : text;
    }

    private static string? HexId(JsonElement item, string name, int length)
    {
        var text = Text(item, name);
        if (text is null)
        {
            return null;
        }

        if (text.Length != length || !text.All(char.IsAsciiHexDigit))
        {
            throw new ItemInvalidException($"'{name}' must be {length} hexadecimal characters");
        }

        return text.ToLowerInvariant();
    }

    private static double? Number(JsonElement item, string name)
    {
        if (!TryGet(item, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw new ItemInvalidException($"'{name}' must be a number");
        }

        return number;
    }

    private static long Count(JsonElement item, string name)
    {
        if (!TryGet(item, name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return 0;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var count) || count < 0)
        {
            throw new ItemInvalidException($"'{name}' must be a whole number >= 0");
        }

        return count;
    }

    private static bool TryGet(JsonElement item, string name, out JsonElement value) => item.TryGetProperty(name, out value);

    private static string? Truncate(string? text) =>
        text is { Length: > MaxLongTextLength } ? text[..MaxLongTextLength] : text;

    private sealed class ItemInvalidException(string message) : Exception(message);
}

/// <summary>Decoded operations and the items that were refused.</summary>
/// <param name="Operations">Valid operations, in body order.</param>
/// <param name="Errors">Refused items.</param>
public sealed record OperationBatch(IReadOnlyList<AiOperation> Operations, IReadOnlyList<ItemError> Errors);

/// <summary>Why one item of a batch was refused.</summary>
/// <param name="Index">Zero-based index in the batch.</param>
/// <param name="Message">What is wrong.</param>
public sealed record ItemError(int Index, string Message);

/// <summary>A batch with more items than allowed.</summary>
public sealed class BatchTooLargeException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BatchTooLargeException(int count, int max)
        : base($"batch has {count} operations; at most {max} are accepted per request")
    {
    }

    /// <summary>Creates the exception.</summary>
    public BatchTooLargeException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public BatchTooLargeException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BatchTooLargeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
