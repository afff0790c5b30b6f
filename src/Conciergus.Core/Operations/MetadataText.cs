using System.Text;

namespace Conciergus.Core.Operations;

/// <summary>
/// String pairs (an operation's metadata, a span's attributes) as one string, for the store's <c>metadata_text</c> and
/// <c>attributes_text</c> columns: <c>\u0001key\u0002value\u0001key\u0002value\u0001</c>. In keys and values, \u0003 is written
/// \u0003\u0013, \u0001 \u0003\u0011 and \u0002 \u0003\u0012, so \u0001 and \u0002 occur only as separators: the pair (k, v) is
/// present exactly when the text contains <see cref="Pair"/>(k, v) (a key occurs once), and <see cref="Decode"/> gives back
/// the pairs exactly. One VARCHAR is several times cheaper to append and commit than two VARCHAR[] lists (bench/README.md).
/// <see cref="DuckDbOperationStore.MigrateOperations"/> builds the same string in SQL for files of the earlier schema.
/// </summary>
internal static class MetadataText
{
    /// <summary>The encoded pairs (null when there are none), built in <paramref name="scratch"/>.</summary>
    public static string? Encode(IReadOnlyDictionary<string, string>? metadata, StringBuilder scratch)
    {
        if (metadata is not { Count: > 0 })
        {
            return null;
        }

        scratch.Clear().Append('\u0001');
        foreach (var (key, value) in metadata)
        {
            AppendPair(scratch, key, value);
        }

        return scratch.ToString();
    }

    /// <summary>Appends one pair and the separator after it.</summary>
    internal static StringBuilder AppendPair(StringBuilder builder, string key, string value) =>
        Escape(Escape(builder, key).Append('\u0002'), value).Append('\u0001');

    /// <summary>
    /// The pairs of a string written by <see cref="Encode"/>, in their order; a slot <see cref="SpanAttributeText.Marker"/>
    /// + code (never written by <see cref="Encode"/>) is the pair <paramref name="marker"/> gives for the code, if any.
    /// </summary>
    public static Dictionary<string, string> Decode(string text, Func<char, KeyValuePair<string, string>?>? marker = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var rest = text.AsSpan();
        while (rest.Length > 0)
        {
            if (rest[0] == '\u0001')
            {
                rest = rest[1..];
                continue;
            }

            if (rest.StartsWith(SpanAttributeText.Marker) && rest.Length > SpanAttributeText.Marker.Length)
            {
                if (marker?.Invoke(rest[SpanAttributeText.Marker.Length]) is { } pair)
                {
                    result[pair.Key] = pair.Value;
                }

                rest = rest[(SpanAttributeText.Marker.Length + 1)..];
                continue;
            }

            var keyEnd = rest.IndexOf('\u0002');
            if (keyEnd < 0)
            {
                break; // not written by Encode
            }

            var value = rest[(keyEnd + 1)..];
            var valueEnd = value.IndexOf('\u0001');
            if (valueEnd < 0)
            {
                valueEnd = value.Length;
            }

            result[Unescape(rest[..keyEnd])] = Unescape(value[..valueEnd]);
            rest = value[valueEnd..];
        }

        return result;
    }

    /// <summary>What the text contains when the pairs hold <paramref name="key"/> = <paramref name="value"/>.</summary>
    public static string Pair(string key, string value)
    {
        var builder = new StringBuilder(key.Length + value.Length + 3).Append('\u0001');
        Escape(builder, key).Append('\u0002');
        return Escape(builder, value).Append('\u0001').ToString();
    }

    /// <summary>What the text contains when some key's value is exactly <paramref name="value"/>.</summary>
    public static string Value(string value) => Escape(new StringBuilder(value.Length + 2).Append('\u0002'), value).Append('\u0001').ToString();

    /// <summary>What the text contains wherever a key or a value contains <paramref name="text"/> (escaping is per character).</summary>
    public static string Escaped(string text) => Escape(new StringBuilder(text.Length), text).ToString();

    /// <summary>The SQL expression that escapes the string expression <paramref name="value"/> as <see cref="Encode"/> does.</summary>
    public static string EscapeSql(string value) => $"replace(replace(replace({value}, chr(3), chr(3) || chr(19)), chr(1), chr(3) || chr(17)), chr(2), chr(3) || chr(18))";

    /// <summary>The SQL expression that builds the text from parallel key and value lists (migrations of earlier files).</summary>
    public static string FromListsSql(string keys, string values)
    {
        var key = EscapeSql("x[1]");
        var value = EscapeSql("x[2]");
        return $"chr(1) || array_to_string(list_transform(list_zip({keys}, {values}), x -> {key} || chr(2) || {value}), chr(1)) || chr(1)";
    }

    /// <summary>The SQL expression that reads the text back as a MAP(VARCHAR, VARCHAR) (the views; NULL text gives an empty map).</summary>
    public static string ToMapSql(string text)
    {
        const string Unescape = "replace(replace(replace({0}, chr(3) || chr(17), chr(1)), chr(3) || chr(18), chr(2)), chr(3) || chr(19), chr(3))";
        var key = string.Format(System.Globalization.CultureInfo.InvariantCulture, Unescape, "split_part(e, chr(2), 1)");
        var value = string.Format(System.Globalization.CultureInfo.InvariantCulture, Unescape, "split_part(e, chr(2), 2)");
        return $"map_from_entries(list_transform(list_filter(string_split(coalesce({text}, ''), chr(1)), e -> e <> ''), e -> struct_pack(k := {key}, v := {value})))";
    }

    private static string Unescape(ReadOnlySpan<char> text)
    {
        if (text.IndexOf('\u0003') < 0)
        {
            return new string(text);
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u0003' && i + 1 < text.Length)
            {
                i++;
                builder.Append(text[i] switch
                {
                    '\u0011' => '\u0001',
                    '\u0012' => '\u0002',
                    _ => '\u0003',
                });
            }
            else
            {
                builder.Append(text[i]);
            }
        }

        return builder.ToString();
    }

    private static StringBuilder Escape(StringBuilder builder, string text)
    {
        if (text.AsSpan().IndexOfAny('\u0001', '\u0002', '\u0003') < 0)
        {
            return builder.Append(text);
        }

        foreach (var c in text)
        {
            _ = c switch
            {
                '\u0001' => builder.Append("\u0003\u0011"),
                '\u0002' => builder.Append("\u0003\u0012"),
                '\u0003' => builder.Append("\u0003\u0013"),
                _ => builder.Append(c),
            };
        }

        return builder;
    }
}
