using System.Globalization;
using System.Text;

namespace Conciergus.Dashboard.Metrics;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4: a HELP and a TYPE line per family, then one line per
/// sample, label values escaped (backslash, double quote, line feed), numbers in invariant culture.
/// </summary>
internal sealed class PrometheusTextWriter
{
    /// <summary>Content type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new(16 * 1024);

    /// <summary>Starts a family: HELP and TYPE (counter, gauge or histogram).</summary>
    public PrometheusTextWriter Family(string name, string type, string help)
    {
        _text.Append("# HELP ").Append(name).Append(' ');
        foreach (var c in help)
        {
            // HELP text escapes backslash and line feed (not quotes).
            _ = c switch
            {
                '\\' => _text.Append(@"\\"),
                '\n' => _text.Append(@"\n"),
                _ => _text.Append(c),
            };
        }

        _text.Append('\n').Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        return this;
    }

    /// <summary>One sample with an integer value.</summary>
    public PrometheusTextWriter Sample(string name, long value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        Start(name, labels);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return this;
    }

    /// <summary>One sample with a floating-point value.</summary>
    public PrometheusTextWriter Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        Start(name, labels);
        _text.Append(FormatDouble(value)).Append('\n');
        return this;
    }

    /// <summary>One sample with a decimal value (money).</summary>
    public PrometheusTextWriter Sample(string name, decimal value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        Start(name, labels);
        _text.Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return this;
    }

    /// <summary>The _bucket (cumulative, ending with le="+Inf"), _sum and _count samples of one histogram.</summary>
    public PrometheusTextWriter Histogram(string name, double[] bounds, long[] cumulative, double sum, long count, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        var withLe = new (string Name, string Value)[labels.Length + 1];
        labels.CopyTo(withLe);
        for (var i = 0; i <= bounds.Length; i++)
        {
            withLe[^1] = ("le", i < bounds.Length ? FormatDouble(bounds[i]) : "+Inf");
            Sample(name + "_bucket", cumulative[i], withLe);
        }

        Sample(name + "_sum", sum, labels);
        Sample(name + "_count", count, labels);
        return this;
    }

    /// <inheritdoc />
    public override string ToString() => _text.ToString();

    /// <summary>A float as Prometheus reads it: shortest round-trip form, NaN, +Inf, -Inf.</summary>
    public static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>A label value escaped for the text format.</summary>
    public static string EscapeLabelValue(string value)
    {
        if (value.AsSpan().IndexOfAny("\\\"\n") < 0)
        {
            return value;
        }

        var sb = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => sb.Append(@"\\"),
                '"' => sb.Append("\\\""),
                '\n' => sb.Append(@"\n"),
                _ => sb.Append(c),
            };
        }

        return sb.ToString();
    }

    private void Start(string name, ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                {
                    _text.Append(',');
                }

                _text.Append(labels[i].Name).Append("=\"").Append(EscapeLabelValue(labels[i].Value ?? "")).Append('"');
            }

            _text.Append('}');
        }

        _text.Append(' ');
    }
}
