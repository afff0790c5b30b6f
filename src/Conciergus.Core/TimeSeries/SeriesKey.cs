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

    /// <summary>Per experiment variant (value: "experimentKey/variantKey").</summary>
    ExperimentVariant,
}

/// <summary>Identifies one series: a dimension and a value ("" for <see cref="SeriesDimension.Total"/>).</summary>
public readonly record struct SeriesKey(SeriesDimension Dimension, string Value)
{
    /// <summary>Separator between provider and model in a model series value (never in a model id).</summary>
    public const char ModelSeparator = '\u001f';

    /// <summary>Value of the overflow series that takes values beyond the per-dimension cap.</summary>
    public const string OverflowValue = "__overflow__";

    /// <summary>The series of all operations.</summary>
    public static SeriesKey Total { get; } = new(SeriesDimension.Total, "");

    /// <summary>The series of one provider + model.</summary>
    public static SeriesKey ForModel(string provider, string model) =>
        new(SeriesDimension.Model, string.Concat(provider, ModelSeparator.ToString(), model));

    /// <summary>Splits a model series value into provider and model.</summary>
    public (string Provider, string Model) ModelParts
    {
        get
        {
            var i = Value.IndexOf(ModelSeparator, StringComparison.Ordinal);
            return i < 0 ? ("", Value) : (Value[..i], Value[(i + 1)..]);
        }
    }

    /// <summary>Whether this is the overflow series of its dimension.</summary>
    public bool IsOverflow => Value == OverflowValue;
}
