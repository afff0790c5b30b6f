namespace Conciergus.Core.TimeSeries;

/// <summary>The dimensions the cache keeps a series for.</summary>
public enum SeriesDimension
{
    /// <summary>All operations.</summary>
    Total = 0,

    /// <summary>Per provider + model (value: <see cref="SeriesKey.ForModel"/>).</summary>
    Model,

    /// <summary>Per provider.</summary>
    Provider,

    /// <summary>Per operation kind.</summary>
    Operation,

    /// <summary>Per application (service.name).</summary>
    Application,

    /// <summary>Per error category (failed operations only).</summary>
    ErrorCategory,

    /// <summary>Per deployment environment.</summary>
    Environment,

    /// <summary>Per function id.</summary>
    FunctionId,

    /// <summary>Per experiment variant (value: "experimentKey/variantKey", see <see cref="SeriesKey.ForVariant"/>).</summary>
    ExperimentVariant,
}

/// <summary>Identifies one series: a dimension and a value ("" for <see cref="SeriesDimension.Total"/>).</summary>
/// <remarks>
/// Two-part values (provider + model, experiment + variant) are one string: the first part escaped (<c>\</c> before
/// every backslash and separator in it), then the separator, then the second part as it is. Telemetry strings may hold
/// any character, so this keeps distinct pairs distinct (("a/b", "c") and ("a", "b/c") would otherwise both be
/// "a/b/c"); a first part without a backslash or separator, the usual case, is written unchanged.
/// </remarks>
public readonly record struct SeriesKey(SeriesDimension Dimension, string Value)
{
    /// <summary>Separator between provider and model in a model series value.</summary>
    public const char ModelSeparator = '\u001f';

    /// <summary>Separator between experiment key and variant in an experiment-variant series value.</summary>
    public const char VariantSeparator = '/';

    /// <summary>Value of the overflow series that takes values beyond the per-dimension cap.</summary>
    public const string OverflowValue = "__overflow__";

    private const char Escape = '\\';

    /// <summary>The series of all operations.</summary>
    public static SeriesKey Total { get; } = new(SeriesDimension.Total, "");

    /// <summary>The series of one provider + model.</summary>
    public static SeriesKey ForModel(string provider, string model) => new(SeriesDimension.Model, ModelValue(provider, model));

    /// <summary>The series of one experiment variant.</summary>
    public static SeriesKey ForVariant(string experimentKey, string variant) =>
        new(SeriesDimension.ExperimentVariant, VariantValue(experimentKey, variant));

    /// <summary>The value of a model series.</summary>
    public static string ModelValue(string provider, string model) => Join(provider, ModelSeparator, model);

    /// <summary>The value of an experiment-variant series (shown as is: "key/variant").</summary>
    public static string VariantValue(string experimentKey, string variant) => Join(experimentKey, VariantSeparator, variant);

    /// <summary>Splits a model series value into provider and model.</summary>
    public (string Provider, string Model) ModelParts => Split(Value, ModelSeparator);

    /// <summary>Splits an experiment-variant series value into experiment key and variant.</summary>
    public (string Experiment, string Variant) VariantParts => Split(Value, VariantSeparator);

    /// <summary>Whether this is the overflow series of its dimension.</summary>
    public bool IsOverflow => Value == OverflowValue;

    private static string Join(string first, char separator, string second)
    {
        if (first.AsSpan().IndexOfAny(Escape, separator) < 0)
        {
            return string.Concat(first, separator.ToString(), second);
        }

        var text = new System.Text.StringBuilder(first.Length + second.Length + 8);
        foreach (var c in first)
        {
            if (c == Escape || c == separator)
            {
                text.Append(Escape);
            }

            text.Append(c);
        }

        return text.Append(separator).Append(second).ToString();
    }

    // A value without an unescaped separator (the overflow series) is all second part, as before.
    private static (string First, string Second) Split(string value, char separator)
    {
        var escaped = false;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == Escape)
            {
                escaped = true;
                i++;
            }
            else if (value[i] == separator)
            {
                var first = value[..i];
                return (escaped ? Unescape(first) : first, value[(i + 1)..]);
            }
        }

        return ("", value);
    }

    private static string Unescape(string first)
    {
        var text = new System.Text.StringBuilder(first.Length);
        for (var i = 0; i < first.Length; i++)
        {
            if (first[i] == Escape && i + 1 < first.Length)
            {
                i++;
            }

            text.Append(first[i]);
        }

        return text.ToString();
    }
}
