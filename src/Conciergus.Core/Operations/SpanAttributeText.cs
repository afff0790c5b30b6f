using System.Globalization;
using System.Text;
using Conciergus.Core.Model;

namespace Conciergus.Core.Operations;

/// <summary>
/// A span's <c>attributes_text</c> without what its operation row already holds (issue 14 (a), bench/README.md "Would the
/// span row pay for less?"): an attribute whose value is exactly what <see cref="Derived"/> rebuilds from the operation
/// written in the same commit is stored as a two-character marker in its place, <c>\u0003\u0014</c> and the attribute's
/// code, which <see cref="MetadataText"/>'s escaping never produces (\u0003 is always followed by \u0011, \u0012 or
/// \u0013), so rows of the earlier shape hold no marker and read exactly as before. Readers join the operation
/// (<c>operation_id</c>, <c>trace_id</c>) and put the attribute back in its place, in C# (<see cref="Decode"/>) or SQL
/// (<see cref="RebuildSql"/>: the <c>spans_v</c> view, Parquet archives, erasure's search).
/// </summary>
internal static class SpanAttributeText
{
    /// <summary>The two characters before an attribute's code.</summary>
    internal const string Marker = "\u0003\u0014";

    /// <summary>
    /// The attributes an operation row rebuilds: code, key, the value as the operation gives it (null: none), and the same
    /// in SQL over the operation's alias <c>o</c>. Only columns no maintenance path rewrites (anonymisation changes user and
    /// session ids, repricing the cost), so a rebuilt value is the ingested one for the row's whole life.
    /// </summary>
    private static readonly (char Code, string Key, Func<AiOperation, string?> Value, string Sql)[] Derived =
    [
        ('0', "gen_ai.operation.name", static o => o.Operation, "o.operation"),
        ('1', "gen_ai.provider.name", static o => o.Provider, "o.provider"),
        ('2', "gen_ai.request.model", static o => o.RequestModel, "o.request_model"),
        ('3', "gen_ai.response.model", static o => o.ResponseModel, "o.response_model"),
        ('4', "gen_ai.usage.input_tokens", static o => o.InputTokens.ToString(CultureInfo.InvariantCulture), "CAST(o.input_tokens AS VARCHAR)"),
        ('5', "gen_ai.usage.output_tokens", static o => o.OutputTokens.ToString(CultureInfo.InvariantCulture), "CAST(o.output_tokens AS VARCHAR)"),
        ('6', "gen_ai.response.finish_reasons", static o => o.FinishReasons is [var only] ? "[\"" + only + "\"]" : null, "CASE WHEN len(o.finish_reasons) = 1 THEN '[\"' || o.finish_reasons[1] || '\"]' END"),
    ];

    /// <summary>
    /// The encoded attributes (null when there are none), built in <paramref name="scratch"/>; with <paramref name="operation"/>
    /// (the operation row written in the same commit, joinable by the span's operation and trace ids) each attribute whose
    /// value equals what the operation rebuilds is a marker instead. Values with NUL are always kept whole.
    /// </summary>
    public static string? Encode(IReadOnlyDictionary<string, string>? attributes, AiOperation? operation, StringBuilder scratch)
    {
        if (operation is null)
        {
            return MetadataText.Encode(attributes, scratch);
        }

        if (attributes is not { Count: > 0 })
        {
            return null;
        }

        scratch.Clear().Append('\u0001');
        foreach (var (key, value) in attributes)
        {
            var code = Code(key);
            if (code >= 0 && value.AsSpan().IndexOf('\0') < 0 && string.Equals(Derived[code].Value(operation), value, StringComparison.Ordinal))
            {
                scratch.Append(Marker).Append(Derived[code].Code).Append('\u0001');
            }
            else
            {
                MetadataText.AppendPair(scratch, key, value);
            }
        }

        return scratch.ToString();
    }

    /// <summary>The attributes of <paramref name="text"/> in their order, markers rebuilt from <paramref name="operation"/> (without it, left out).</summary>
    public static Dictionary<string, string> Decode(string text, AiOperation? operation) =>
        MetadataText.Decode(text, code =>
        {
            var index = code - '0';
            return (uint)index < (uint)Derived.Length && operation is not null && Derived[index].Value(operation) is { } value
                ? new KeyValuePair<string, string>(Derived[index].Key, value)
                : null;
        });

    /// <summary>
    /// The SQL expression of the text with every marker replaced by its attribute (encoded as <see cref="MetadataText"/>
    /// does) from the joined operation <c>o</c>; a marker with no operation to rebuild it from becomes an empty slot, which
    /// readers skip.
    /// </summary>
    public static string RebuildSql(string text)
    {
        var sql = text;
        foreach (var (code, key, _, value) in Derived)
        {
            sql = $"replace({sql}, chr(3) || chr(20) || '{code}', coalesce('{key}' || chr(2) || {MetadataText.EscapeSql(value)}, ''))";
        }

        return $"CASE WHEN contains({text}, chr(3) || chr(20)) THEN {sql} ELSE {text} END";
    }

    private static int Code(string key)
    {
        for (var i = 0; i < Derived.Length; i++)
        {
            if (string.Equals(Derived[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
