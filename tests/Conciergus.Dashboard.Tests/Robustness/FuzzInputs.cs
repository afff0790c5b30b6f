using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Dashboard.Tests.Ingestion;
using Google.Protobuf;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>One fuzzed HTTP request: what to send where, and a name of the generator that made it (for the failure report).</summary>
/// <param name="Method">GET or POST.</param>
/// <param name="Path">Path and query.</param>
/// <param name="ContentType">Content-Type, or null for none.</param>
/// <param name="ContentEncoding">Content-Encoding, or null for none.</param>
/// <param name="Body">Body bytes as sent (already compressed when <paramref name="ContentEncoding"/> says so).</param>
/// <param name="Kind">Which generator made it.</param>
internal sealed record FuzzInput(string Method, string Path, string? ContentType, string? ContentEncoding, byte[] Body, string Kind);

/// <summary>
/// A seeded mutation fuzzer for the ingestion endpoints: everything comes from one <see cref="Random"/>, so a seed and an
/// index reproduce an input exactly. Seeds are valid OTLP requests built with the generated types, the recorded SDK
/// payloads and valid /api/v1/operations batches; the mutators work on bytes (flips, truncation, duplicated ranges),
/// on the protobuf wire (wrong wire types, huge lengths, deep AnyValue nesting) and on JSON trees (wrong types,
/// numbers as strings, nulls, huge strings, invalid UTF-8, deep nesting).
/// </summary>
internal sealed class FuzzInputs
{
    private static readonly string[] ProtobufPaths = ["/v1/traces", "/v1/traces", "/v1/traces", "/v1/metrics", "/v1/logs"];
    private static readonly string[] ReadPaths =
    [
        "/api/v1/summary", "/api/v1/models", "/api/v1/costs", "/api/v1/timeseries", "/api/v1/errors", "/api/v1/traces",
        "/api/v1/traces/{x}", "/api/v1/experiments", "/api/v1/experiments/{x}", "/api/v1/experiments/{x}/results",
        "/api/v1/alerts", "/api/v1/alert-rules", "/api/v1/silences", "/api/v1/circuits", "/api/v1/signals", "/metrics", "/healthz",
    ];

    private static readonly string[] QueryNames = ["window", "groupBy", "metric", "step", "limit", "model", "status", "from", "to", "q", "application"];

    private static readonly string[] ContentTypes =
    [
        "application/x-protobuf", "application/json", "application/json; charset=utf-8", "text/plain", "application/protobuf",
        "multipart/form-data; boundary=x", "application/x-protobuf; charset=nope", "*/*", "application/",
    ];

    private readonly Random _random;
    private readonly DateTimeOffset _now;
    private readonly List<byte[]> _recordedProtobuf;
    private readonly byte[] _recordedJson;
    private readonly Lazy<byte[]> _gzipBomb;

    /// <param name="seed">The seed (print it: it reproduces the whole run).</param>
    /// <param name="now">The app's clock, so valid seeds land in the cache's window.</param>
    public FuzzInputs(int seed, DateTimeOffset now)
    {
        _random = new Random(seed);
        _now = now;
        var payloads = Path.Combine(AppContext.BaseDirectory, "Ingestion", "Payloads");
        _recordedProtobuf = [.. Directory.GetFiles(payloads, "*.pb").Order(StringComparer.Ordinal).Select(File.ReadAllBytes)];
        _recordedJson = File.ReadAllBytes(Path.Combine(payloads, "vercel-ai5-batch-1.json"));

        // 16 MiB of zeros gzip to ~16 KiB: four times the 4 MiB MaxDecompressedBytes the fuzz test configures.
        _gzipBomb = new Lazy<byte[]>(() => Gzip(new byte[16 * 1024 * 1024]));
    }

    /// <summary>The next input.</summary>
    public FuzzInput Next() => _random.Next(100) switch
    {
        < 40 => OtlpProtobuf(),
        < 60 => OtlpJson(),
        < 80 => OperationsJson(),
        < 90 => Compressed(),
        _ => ReadRequest(),
    };

    private FuzzInput OtlpProtobuf()
    {
        var path = Pick(ProtobufPaths);
        var (kind, body) = _random.Next(7) switch
        {
            0 => ("pb-generated", ValidTraceRequest().ToByteArray()),
            1 => ("pb-recorded-mutated", MutateBytes(Pick(_recordedProtobuf))),
            2 => ("pb-generated-mutated", MutateBytes(ValidTraceRequest().ToByteArray())),
            3 => ("pb-wire", RandomWire(depth: 0)),
            4 => ("pb-deep-anyvalue", DeepAnyValueRequest(_random.Next(2) == 0 ? _random.Next(50, 120) : _random.Next(500, 3_000))),
            5 => ("pb-huge-length", HugeLength()),
            _ => ("pb-random", RandomBytes(_random.Next(0, 2048))),
        };
        return new FuzzInput("POST", path, _random.Next(20) == 0 ? Pick(ContentTypes) : "application/x-protobuf", null, body, kind);
    }

    private FuzzInput OtlpJson()
    {
        var valid = Encoding.UTF8.GetBytes(HexIds(JsonFormatter.Default.Format(ValidTraceRequest())));
        var (kind, body) = _random.Next(6) switch
        {
            0 => ("otlp-json-valid", valid),
            1 => ("otlp-json-tree", MutateJson(valid)),
            2 => ("otlp-json-recorded-tree", MutateJson(_recordedJson)),
            3 => ("otlp-json-bytes", MutateBytes(valid)),
            4 => ("otlp-json-deep", DeepJson()),
            _ => ("otlp-json-invalid-utf8", InvalidUtf8(valid)),
        };
        return new FuzzInput("POST", "/v1/traces", _random.Next(20) == 0 ? Pick(ContentTypes) : "application/json", null, body, kind);
    }

    private FuzzInput OperationsJson()
    {
        var valid = Encoding.UTF8.GetBytes(ValidOperations(_random.Next(1, 6)).ToJsonString());
        var (kind, body) = _random.Next(6) switch
        {
            0 => ("ops-valid", valid),
            1 or 2 => ("ops-tree", MutateJson(valid)),
            3 => ("ops-bytes", MutateBytes(valid)),
            4 => ("ops-deep", DeepJson()),
            _ => ("ops-invalid-utf8", InvalidUtf8(valid)),
        };
        return new FuzzInput("POST", "/api/v1/operations", _random.Next(20) == 0 ? Pick(ContentTypes) : "application/json", null, body, kind);
    }

    private FuzzInput Compressed()
    {
        var protobuf = _random.Next(2) == 0;
        var path = protobuf ? "/v1/traces" : _random.Next(2) == 0 ? "/v1/traces" : "/api/v1/operations";
        var plain = protobuf ? ValidTraceRequest().ToByteArray()
            : path == "/v1/traces" ? Encoding.UTF8.GetBytes(HexIds(JsonFormatter.Default.Format(ValidTraceRequest())))
            : Encoding.UTF8.GetBytes(ValidOperations(2).ToJsonString());
        var (kind, body, encoding) = _random.Next(7) switch
        {
            0 => ("gzip-valid", Gzip(plain), "gzip"),
            1 => ("gzip-bomb", _gzipBomb.Value, "gzip"),
            2 => ("gzip-truncated", Truncate(Gzip(plain)), "gzip"),
            3 => ("gzip-mutated", MutateBytes(Gzip(plain)), "gzip"),
            4 => ("gzip-not-gzip", plain, "gzip"),
            5 => ("gzip-of-garbage", Gzip(MutateBytes(plain)), "gzip"),
            _ => ("unknown-encoding", plain, Pick(["br", "deflate", "zstd", "gzip, gzip", "identity", "x-unknown"])),
        };
        return new FuzzInput("POST", path, protobuf ? "application/x-protobuf" : "application/json", encoding, body, kind);
    }

    private FuzzInput ReadRequest()
    {
        // No NUL in the path: Kestrel refuses it with 400 before the app, the in-memory test server does not.
        var segment = RandomText(_random.Next(0, 40)).Replace("\0", "", StringComparison.Ordinal);
        var path = Pick(ReadPaths).Replace("{x}", Uri.EscapeDataString(segment), StringComparison.Ordinal);
        var query = new StringBuilder();
        for (var i = _random.Next(0, 5); i > 0; i--)
        {
            query.Append(query.Length == 0 ? '?' : '&').Append(Pick(QueryNames)).Append('=').Append(Uri.EscapeDataString(RandomQueryValue()));
        }

        return new FuzzInput("GET", path + query, null, null, [], "read-query");
    }

    private string RandomQueryValue() => _random.Next(8) switch
    {
        0 => Pick(["5m", "1h", "24h", "0s", "-5m", "999999999d", "1e308s", "PT5M", "", "NaN", "00:05:00"]),
        1 => Pick(["application", "model", "provider", "user", "feature", "nope", "requests", "cost", "p95", "tokens"]),
        2 => _random.NextInt64(long.MinValue, long.MaxValue).ToString(System.Globalization.CultureInfo.InvariantCulture),
        3 => new string('9', _random.Next(1, 400)),
        4 => "2026-11-27T12:00:00Z",
        _ => RandomText(_random.Next(0, 60)),
    };

    /// <summary>A valid request of AI spans (sometimes with deep but legal attribute values), timestamped around the app's clock.</summary>
    internal ExportTraceServiceRequest ValidTraceRequest()
    {
        var spans = Enumerable.Range(0, _random.Next(1, 5)).Select(_ =>
        {
            var span = OtlpRequests.ChatSpan(_now.AddSeconds(-_random.Next(0, 600)), _random.Next(0, 5000), _random.Next(0, 500),
                Pick(["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-pro", RandomText(_random.Next(1, 20))]), _random.Next(1, 30_000));
            for (var i = _random.Next(0, 4); i > 0; i--)
            {
                span.Attributes.Add(new KeyValue { Key = RandomText(_random.Next(0, 30)), Value = RandomAnyValue(_random.Next(0, 6)) });
            }

            return span;
        }).ToArray();
        return OtlpRequests.Request(Pick(["billing", "search", "support", RandomText(_random.Next(0, 20))]), spans);
    }

    private AnyValue RandomAnyValue(int depth)
    {
        switch (depth <= 0 ? _random.Next(5) : _random.Next(7))
        {
            case 0: return new AnyValue { StringValue = RandomText(_random.Next(0, _random.Next(10) == 0 ? 20_000 : 50)) };
            case 1: return new AnyValue { IntValue = _random.NextInt64(long.MinValue, long.MaxValue) };
            case 2: return new AnyValue { DoubleValue = Pick([double.NaN, double.PositiveInfinity, -0.0, double.MaxValue, _random.NextDouble()]) };
            case 3: return new AnyValue { BoolValue = _random.Next(2) == 0 };
            case 4: return new AnyValue { BytesValue = ByteString.CopyFrom(RandomBytes(_random.Next(0, 64))) };
            case 5:
                var array = new ArrayValue();
                for (var i = _random.Next(0, 4); i > 0; i--)
                {
                    array.Values.Add(RandomAnyValue(depth - 1));
                }

                return new AnyValue { ArrayValue = array };
            default:
                var list = new KeyValueList();
                for (var i = _random.Next(0, 4); i > 0; i--)
                {
                    list.Values.Add(new KeyValue { Key = RandomText(_random.Next(0, 10)), Value = RandomAnyValue(depth - 1) });
                }

                return new AnyValue { KvlistValue = list };
        }
    }

    /// <summary>A valid /api/v1/operations batch.</summary>
    internal JsonNode ValidOperations(int count)
    {
        var operations = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            operations.Add(new JsonObject
            {
                ["model"] = Pick(["gpt-4o", "claude-sonnet-4-5", "gemini-2.5-pro"]),
                ["provider"] = Pick(["openai", "anthropic", "google"]),
                ["durationMs"] = _random.Next(1, 20_000),
                ["inputTokens"] = _random.Next(0, 5000),
                ["outputTokens"] = _random.Next(0, 500),
                ["application"] = Pick(["billing", "search"]),
                ["status"] = Pick(["ok", "error"]),
                ["timestamp"] = _now.AddSeconds(-_random.Next(0, 600)).ToString("O"),
            });
        }

        return _random.Next(3) == 0 ? operations : new JsonObject { ["operations"] = operations };
    }

    /// <summary>ExportTraceServiceRequest whose one span carries an attribute nested <paramref name="depth"/> levels (kvlist / array alternating), written on the wire by hand.</summary>
    private byte[] DeepAnyValueRequest(int depth)
    {
        // Innermost AnyValue { string_value = "x" }.
        var value = Field(1, Encoding.UTF8.GetBytes("x"));
        for (var i = 0; i < depth; i++)
        {
            value = _random.Next(2) == 0
                ? Field(5, Field(1, value)) // AnyValue.array_value = ArrayValue { values = [value] }
                : Field(6, Field(1, Concat(Field(1, "k"u8.ToArray()), Field(2, value)))); // kvlist_value = { values = [KeyValue { key, value }] }
        }

        var keyValue = Concat(Field(1, "deep"u8.ToArray()), Field(2, value));
        var span = Concat(Field(1, new byte[16].Select(_ => (byte)_random.Next(1, 256)).ToArray()), Field(2, RandomBytes(8)), Field(5, "chat deep"u8.ToArray()), Field(9, keyValue));
        return Field(1, Field(2, Field(2, span))); // ResourceSpans.scope_spans.spans
    }

    /// <summary>A length-delimited field whose length says up to 2 GiB but the body is short.</summary>
    private byte[] HugeLength()
    {
        var length = Pick([int.MaxValue, 1 << 30, 0xFFFFFFFFL, long.MaxValue, 1 << 20]);
        var prefix = Concat([(byte)((_random.Next(1, 4) << 3) | 2)], Varint((ulong)length));
        var inner = _random.Next(2) == 0 ? prefix : Field(1, Concat([0x12], Varint((ulong)length), RandomBytes(_random.Next(0, 32))));
        return Concat(inner, RandomBytes(_random.Next(0, 64)));
    }

    /// <summary>Random tags with every wire type (including the deprecated groups and invalid 6/7), sometimes nested.</summary>
    private byte[] RandomWire(int depth)
    {
        using var output = new MemoryStream();
        for (var i = _random.Next(1, 12); i > 0; i--)
        {
            var field = _random.Next(10) == 0 ? (uint)_random.Next(1, 1 << 29) : (uint)_random.Next(1, 16);
            var wireType = _random.Next(8);
            output.Write(Varint(((ulong)field << 3) | (uint)wireType));
            switch (wireType)
            {
                case 0: output.Write(Varint((ulong)_random.NextInt64())); break;
                case 1: output.Write(RandomBytes(8)); break;
                case 2:
                    var body = depth < 6 && _random.Next(2) == 0 ? RandomWire(depth + 1) : RandomBytes(_random.Next(0, 40));
                    output.Write(Varint((ulong)body.Length));
                    output.Write(body);
                    break;
                case 5: output.Write(RandomBytes(4)); break;
                default: output.Write(RandomBytes(_random.Next(0, 4))); break; // groups and invalid wire types: anything after
            }
        }

        return output.ToArray();
    }

    private byte[] MutateBytes(byte[] input)
    {
        var bytes = new List<byte>(input);
        for (var n = _random.Next(1, 6); n > 0; n--)
        {
            switch (_random.Next(8))
            {
                case 0 when bytes.Count > 0: // flip a bit
                    var at = _random.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << _random.Next(8));
                    break;
                case 1 when bytes.Count > 0: // set a byte to an interesting value
                    bytes[_random.Next(bytes.Count)] = Pick<byte>([0x00, 0xFF, 0x7F, 0x80, 0x0A, 0x12, 0x1A, 0x22, 0x08, 0x0F]);
                    break;
                case 2: // truncate
                    var keep = _random.Next(bytes.Count + 1);
                    bytes.RemoveRange(keep, bytes.Count - keep);
                    break;
                case 3 when bytes.Count > 0: // duplicate a range (duplicated fields, repeated messages)
                    var start = _random.Next(bytes.Count);
                    var count = Math.Min(bytes.Count - start, _random.Next(1, 256));
                    var copy = bytes.GetRange(start, count);
                    for (var k = _random.Next(1, 4); k > 0; k--)
                    {
                        bytes.InsertRange(_random.Next(bytes.Count + 1), copy);
                    }

                    break;
                case 4 when bytes.Count > 0: // delete a range
                    var from = _random.Next(bytes.Count);
                    bytes.RemoveRange(from, Math.Min(bytes.Count - from, _random.Next(1, 32)));
                    break;
                case 5: // insert random bytes
                    bytes.InsertRange(_random.Next(bytes.Count + 1), RandomBytes(_random.Next(1, 16)));
                    break;
                case 6: // splice with a recorded payload
                    var other = Pick(_recordedProtobuf);
                    var cut = _random.Next(other.Length);
                    bytes.AddRange(other.AsSpan(cut, Math.Min(other.Length - cut, _random.Next(1, 512))).ToArray());
                    break;
                default: // set a varint-looking byte to a huge continuation run
                    bytes.InsertRange(_random.Next(bytes.Count + 1), Enumerable.Repeat((byte)0xFF, _random.Next(1, 12)));
                    break;
            }
        }

        return [.. bytes];
    }

    private byte[] MutateJson(byte[] json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (System.Text.Json.JsonException)
        {
            return MutateBytes(json);
        }

        for (var n = _random.Next(1, 5); n > 0 && root is not null; n--)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            var target = Pick(nodes);
            var replacement = RandomJson(_random.Next(0, 3), target);
            if (target.Parent is JsonObject parentObject)
            {
                var name = parentObject.First(p => ReferenceEquals(p.Value, target)).Key;
                parentObject[name] = replacement;
                if (_random.Next(4) == 0)
                {
                    parentObject[RandomText(_random.Next(0, 12))] = RandomJson(1, null); // unknown field
                }
            }
            else if (target.Parent is JsonArray parentArray)
            {
                parentArray[parentArray.IndexOf(target)] = replacement;
            }
            else
            {
                root = replacement;
            }
        }

        return root is null ? "null"u8.ToArray() : Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Collect(JsonNode node, List<JsonNode> into)
    {
        into.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, child) in o)
                {
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    if (child is not null)
                    {
                        Collect(child, into);
                    }
                }

                break;
        }
    }

    /// <summary>A value of a (probably) wrong type: the old value as a string, null, huge numbers and strings, nested containers.</summary>
    private JsonNode? RandomJson(int depth, JsonNode? old) => _random.Next(depth > 0 ? 12 : 10) switch
    {
        0 => null,
        1 => JsonValue.Create(old?.ToJsonString() ?? "1"), // numbers as strings, objects as strings
        2 => JsonValue.Create(Pick<double>([-1, 0, 1e308, -1e308, 1.5, 9007199254740993, long.MaxValue, ulong.MaxValue])),
        3 => JsonValue.Create(_random.Next(2) == 0),
        4 => JsonValue.Create(new string(Pick(['a', '\u00e9', '\u2028', '\0', '"', '\\']), _random.Next(0, _random.Next(10) == 0 ? 1_000_000 : 100))),
        5 => JsonValue.Create(Pick(["", "-1", "1e999", "NaN", "0x10", "2026-13-45T99:99:99Z", "SPAN_KIND_NOPE", "12345678901234567890123"])),
        6 => JsonValue.Create(RandomText(_random.Next(0, 64))),
        7 => new JsonArray(),
        8 => new JsonObject(),
        9 => JsonValue.Create(_random.NextInt64(long.MinValue, long.MaxValue)),
        10 => new JsonArray(RandomJson(depth - 1, null), RandomJson(depth - 1, null)),
        _ => new JsonObject { ["stringValue"] = RandomJson(depth - 1, null), [RandomText(4)] = RandomJson(depth - 1, null) },
    };

    /// <summary>Deeply nested JSON: bare arrays, OTLP kvlistValue / arrayValue chains, or objects, past System.Text.Json's depth limit or just under it.</summary>
    private byte[] DeepJson()
    {
        var depth = _random.Next(2) == 0 ? _random.Next(20, 70) : _random.Next(1_000, 100_000);
        var builder = new StringBuilder();
        switch (_random.Next(3))
        {
            case 0:
                builder.Append('[', depth).Append(']', _random.Next(3) == 0 ? depth / 2 : depth);
                break;
            case 1:
                builder.Append("""{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"chat","attributes":[{"key":"deep","value":""");
                for (var i = 0; i < depth; i++)
                {
                    builder.Append(i % 2 == 0 ? """{"kvlistValue":{"values":[{"key":"k","value":""" : """{"arrayValue":{"values":[""");
                }

                builder.Append("""{"stringValue":"x"}""");
                for (var i = depth - 1; i >= 0; i--)
                {
                    builder.Append(i % 2 == 0 ? "}]}}" : "]}}");
                }

                builder.Append("}]}]}]}]}");
                break;
            default:
                for (var i = 0; i < depth; i++)
                {
                    builder.Append("{\"operations\":");
                }

                builder.Append("null").Append('}', depth);
                break;
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private byte[] InvalidUtf8(byte[] valid)
    {
        var bytes = new List<byte>(valid);
        byte[][] bad = [[0xC3, 0x28], [0xFF], [0xFE, 0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82], [0x80]];
        for (var n = _random.Next(1, 4); n > 0; n--)
        {
            // Prefer inside a string value: right after an opening quote.
            var quotes = Enumerable.Range(0, bytes.Count).Where(i => bytes[i] == (byte)'"').ToList();
            var at = quotes.Count > 0 && _random.Next(4) != 0 ? quotes[_random.Next(quotes.Count)] + 1 : _random.Next(bytes.Count + 1);
            bytes.InsertRange(Math.Min(at, bytes.Count), Pick(bad));
        }

        return [.. bytes];
    }

    private byte[] Truncate(byte[] bytes) => bytes.AsSpan(0, _random.Next(bytes.Length)).ToArray();

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    private string RandomText(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = _random.Next(10) switch
            {
                0 => (char)_random.Next(0, 32),
                1 => (char)_random.Next(0xE000, 0xFFFE), // private use and specials (invalid UTF-8 is made at the byte level)
                2 => (char)_random.Next(0x80, 0xD800),
                _ => (char)_random.Next(32, 127),
            };
        }

        return new string(chars);
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>Google.Protobuf writes bytes as base64; OTLP/JSON wants hex ids.</summary>
    internal static string HexIds(string protobufJson)
    {
        var node = JsonNode.Parse(protobufJson)!;
        foreach (var span in node["resourceSpans"]![0]!["scopeSpans"]![0]!["spans"]!.AsArray())
        {
            foreach (var key in new[] { "traceId", "spanId" })
            {
                span![key] = Convert.ToHexStringLower(Convert.FromBase64String(span[key]!.GetValue<string>()));
            }
        }

        return node.ToJsonString();
    }

    internal static byte[] Gzip(byte[] plain)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return output.ToArray();
    }

    private static byte[] Field(int number, byte[] body) => Concat(Varint(((ulong)number << 3) | 2), Varint((ulong)body.Length), body);

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
