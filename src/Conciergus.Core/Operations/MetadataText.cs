using System.Text;

namespace Conciergus.Core.Operations;

/// <summary>
/// An operation's metadata as one string, for the store's <c>metadata_text</c> column: <c>\u0001key\u0002value\u0001key\u0002value\u0001</c>.
/// In keys and values, \u0003 is written \u0003\u0013, \u0001 \u0003\u0011 and \u0002 \u0003\u0012, so \u0001 and \u0002 occur only as
/// separators: the pair (k, v) is present exactly when the text contains <see cref="Pair"/>(k, v) (a key occurs once).
/// <see cref="DuckDbOperationStore.MigrateOperations"/> builds the same string in SQL for files of the earlier schema.
/// </summary>
internal static class MetadataText
{
    /// <summary>The encoded metadata (null when there is none), built in <paramref name="scratch"/>.</summary>
    public static string? Encode(IReadOnlyDictionary<string, string>? metadata, StringBuilder scratch)
    {
        if (metadata is not { Count: > 0 })
        {
            return null;
        }

        scratch.Clear().Append('\u0001');
        foreach (var (key, value) in metadata)
        {
            Escape(scratch, key).Append('\u0002');
            Escape(scratch, value).Append('\u0001');
        }

        return scratch.ToString();
    }

    /// <summary>What <c>metadata_text</c> contains when the metadata holds <paramref name="key"/> = <paramref name="value"/>.</summary>
    public static string Pair(string key, string value)
    {
        var builder = new StringBuilder(key.Length + value.Length + 3).Append('\u0001');
        Escape(builder, key).Append('\u0002');
        return Escape(builder, value).Append('\u0001').ToString();
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
