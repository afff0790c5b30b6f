using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Google.Protobuf;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Wire format of an OTLP/HTTP request (the reply uses the same).</summary>
public enum OtlpFormat
{
    /// <summary>application/x-protobuf.</summary>
    Protobuf,

    /// <summary>application/json (the OTLP/JSON mapping: hex ids, lowerCamelCase or snake_case names).</summary>
    Json,
}

/// <summary>Why a whole OTLP request was refused.</summary>
public enum OtlpFailure
{
    /// <summary>The body cannot be decoded (400).</summary>
    Malformed,

    /// <summary>The body, or its decompressed form, is over the limit (413).</summary>
    TooLarge,

    /// <summary>Content type or content encoding not supported (415).</summary>
    UnsupportedMediaType,
}

/// <summary>A request refused whole, with a message for the sender.</summary>
public sealed class OtlpRequestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OtlpRequestException(OtlpFailure failure, string message, Exception? innerException = null)
        : base(message, innerException) => Failure = failure;

    /// <summary>Creates the exception.</summary>
    public OtlpRequestException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public OtlpRequestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OtlpRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Why the request was refused.</summary>
    public OtlpFailure Failure { get; } = OtlpFailure.Malformed;
}

/// <summary>Decodes OTLP/HTTP bodies: content type, gzip with a cap on the decompressed size, protobuf or JSON.</summary>
public static class OtlpPayload
{
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true).WithRecursionLimit(64));

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>The format named by a Content-Type header, or null when it is neither protobuf nor JSON.</summary>
    public static OtlpFormat? FormatOf(string? contentType)
    {
        if (string.IsNullOrWhiteSpace(contentType))
        {
            return null;
        }

        var mediaType = contentType.Split(';', 2)[0].Trim();
        if (mediaType.Equals("application/x-protobuf", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("application/protobuf", StringComparison.OrdinalIgnoreCase))
        {
            return OtlpFormat.Protobuf;
        }

        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) ? OtlpFormat.Json : null;
    }

    /// <summary>
    /// Undoes the Content-Encoding (none, identity or gzip), never producing more than <paramref name="maxBytes"/>:
    /// the output is read in chunks and the read stops at the cap, so a gzip bomb costs at most that much memory.
    /// </summary>
    public static byte[] Decode(byte[] body, string? contentEncoding, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        var encoding = contentEncoding?.Trim();
        if (string.IsNullOrEmpty(encoding) || encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return body;
        }

        if (!encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase) && !encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
        {
            throw new OtlpRequestException(OtlpFailure.UnsupportedMediaType, $"Content-Encoding '{encoding}' is not supported; send gzip or no encoding.");
        }

        try
        {
            using var gzip = new GZipStream(new MemoryStream(body, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream(capacity: (int)Math.Min(maxBytes, Math.Max(body.Length * 4L, 4096)));
            var chunk = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                int read;
                while ((read = gzip.Read(chunk, 0, chunk.Length)) > 0)
                {
                    if (output.Length + read > maxBytes)
                    {
                        throw new OtlpRequestException(OtlpFailure.TooLarge, $"The decompressed body exceeds {maxBytes} bytes. Send smaller batches.");
                    }

                    output.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new OtlpRequestException(OtlpFailure.Malformed, $"The body is not valid gzip: {e.Message}", e);
        }
    }

    /// <summary>Parses a decoded body as <typeparamref name="T"/> (an Export*ServiceRequest).</summary>
    public static T Parse<T>(byte[] body, OtlpFormat format, MessageParser<T> parser)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(parser);
        // System.Text.Json reads invalid UTF-8 inside strings and only fails (InvalidOperationException) when a string is read.
        if (format == OtlpFormat.Json && !System.Text.Unicode.Utf8.IsValid(body))
        {
            throw new OtlpRequestException(OtlpFailure.Malformed, "The body is not valid OTLP JSON: it is not valid UTF-8.");
        }

        try
        {
            return format == OtlpFormat.Protobuf ? parser.ParseFrom(body) : Parser.Parse<T>(HexIdsToBase64(body));
        }
        catch (InvalidProtocolBufferException e)
        {
            var what = format == OtlpFormat.Protobuf ? "protobuf" : "OTLP JSON";
            throw new OtlpRequestException(OtlpFailure.Malformed, $"The body is not a valid {what} {typeof(T).Name}: {e.Message}", e);
        }
        catch (JsonException e)
        {
            throw new OtlpRequestException(OtlpFailure.Malformed, $"The body is not valid JSON: {e.Message}", e);
        }
        catch (InvalidJsonException e)
        {
            throw new OtlpRequestException(OtlpFailure.Malformed, $"The body is not valid OTLP JSON: {e.Message}", e);
        }
        catch (FormatException e)
        {
            throw new OtlpRequestException(OtlpFailure.Malformed, $"The body is not valid OTLP JSON: {e.Message}", e);
        }
    }

    /// <summary>
    /// OTLP/JSON writes trace and span ids as hex, while the protobuf JSON mapping expects base64 for bytes:
    /// copies the JSON token by token and re-encodes every traceId / spanId / parentSpanId (either spelling).
    /// </summary>
    internal static string HexIdsToBase64(byte[] utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip });
        var buffer = new ArrayBufferWriter<byte>(utf8Json.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            string? property = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        writer.WriteStartObject();
                        break;
                    case JsonTokenType.EndObject:
                        writer.WriteEndObject();
                        break;
                    case JsonTokenType.StartArray:
                        writer.WriteStartArray();
                        break;
                    case JsonTokenType.EndArray:
                        writer.WriteEndArray();
                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        writer.WritePropertyName(property!);
                        continue;
                    case JsonTokenType.String:
                        var text = reader.GetString()!;
                        writer.WriteStringValue(IsIdProperty(property) ? HexToBase64(property!, text) : text);
                        break;
                    case JsonTokenType.Number:
                        writer.WriteRawValue(reader.ValueSpan, skipInputValidation: true);
                        break;
                    case JsonTokenType.True:
                        writer.WriteBooleanValue(true);
                        break;
                    case JsonTokenType.False:
                        writer.WriteBooleanValue(false);
                        break;
                    case JsonTokenType.Null:
                        writer.WriteNullValue();
                        break;
                }

                property = null;
            }
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool IsIdProperty(string? name) => name is "traceId" or "spanId" or "parentSpanId" or "trace_id" or "span_id" or "parent_span_id";

    private static string HexToBase64(string property, string hex)
    {
        if (hex.Length == 0)
        {
            return hex;
        }

        if (hex.Length % 2 != 0 || !hex.AsSpan().ContainsOnlyHex())
        {
            var shown = hex.Length > 64 ? hex[..64] + "..." : hex;
            throw new OtlpRequestException(OtlpFailure.Malformed, $"'{property}' must be hexadecimal (OTLP/JSON encodes trace and span ids as hex, not base64); got '{shown}'.");
        }

        return Convert.ToBase64String(Convert.FromHexString(hex));
    }
}

file static class HexExtensions
{
    public static bool ContainsOnlyHex(this ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
