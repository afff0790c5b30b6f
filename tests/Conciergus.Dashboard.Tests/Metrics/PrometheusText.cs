using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Conciergus.Dashboard.Tests.Metrics;

/// <summary>A strict parser of the Prometheus text format 0.0.4, for tests: every line must parse, or it throws.</summary>
internal sealed partial class PrometheusText
{
    public Dictionary<string, string> Types { get; } = [];

    public Dictionary<string, string> Help { get; } = [];

    public List<Sample> Samples { get; } = [];

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
    {
        public string? this[string label] => Labels.GetValueOrDefault(label);
    }

    public static PrometheusText Parse(string text)
    {
        var result = new PrometheusText();
        if (!text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var lineNumber = 0;
        foreach (var line in text[..^1].Split('\n'))
        {
            lineNumber++;
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var rest = line[7..];
                var space = rest.IndexOf(' ', StringComparison.Ordinal);
                var name = space < 0 ? rest : rest[..space];
                RequireName(name, lineNumber);
                if (!result.Help.TryAdd(name, space < 0 ? "" : rest[(space + 1)..]))
                {
                    throw new FormatException($"line {lineNumber}: second HELP for {name}");
                }
            }
            else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                if (parts.Length != 2 || parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                {
                    throw new FormatException($"line {lineNumber}: bad TYPE line '{line}'");
                }

                RequireName(parts[0], lineNumber);
                if (!result.Types.TryAdd(parts[0], parts[1]))
                {
                    throw new FormatException($"line {lineNumber}: second TYPE for {parts[0]}");
                }
            }
            else if (line.StartsWith('#') || line.Length == 0)
            {
                throw new FormatException($"line {lineNumber}: unexpected '{line}'");
            }
            else
            {
                result.Samples.Add(ParseSample(line, lineNumber, result.Types));
            }
        }

        return result;
    }

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    public double Sum(string name, Func<Sample, bool>? where = null) => Named(name).Where(where ?? (_ => true)).Sum(s => s.Value);

    private static Sample ParseSample(string line, int lineNumber, Dictionary<string, string> types)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            throw new FormatException($"line {lineNumber}: not a sample: '{line}'");
        }

        var name = match.Groups["name"].Value;
        var family = FamilyOf(name, types);
        if (family is null)
        {
            throw new FormatException($"line {lineNumber}: sample {name} comes before its TYPE line");
        }

        var labels = match.Groups["labels"].Success ? ParseLabels(match.Groups["labels"].Value, lineNumber) : new Dictionary<string, string>();
        var valueText = match.Groups["value"].Value;
        var value = valueText switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, value);
    }

    private static string? FamilyOf(string name, Dictionary<string, string> types)
    {
        if (types.ContainsKey(name))
        {
            return name;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(name[..^suffix.Length], out var type) && type == "histogram")
            {
                return name[..^suffix.Length];
            }
        }

        return null;
    }

    private static Dictionary<string, string> ParseLabels(string text, int lineNumber)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            var eq = text.IndexOf('=', i);
            if (eq < 0 || eq + 1 >= text.Length || text[eq + 1] != '"')
            {
                throw new FormatException($"line {lineNumber}: bad labels '{text}'");
            }

            var name = text[i..eq];
            if (!LabelName().IsMatch(name))
            {
                throw new FormatException($"line {lineNumber}: bad label name '{name}'");
            }

            var value = new StringBuilder();
            var j = eq + 2;
            for (; j < text.Length && text[j] != '"'; j++)
            {
                if (text[j] == '\\')
                {
                    j++;
                    value.Append(text[j] switch
                    {
                        '\\' => '\\',
                        '"' => '"',
                        'n' => '\n',
                        var c => throw new FormatException($"line {lineNumber}: bad escape \\{c}"),
                    });
                }
                else
                {
                    value.Append(text[j]);
                }
            }

            if (j >= text.Length)
            {
                throw new FormatException($"line {lineNumber}: unterminated label value");
            }

            if (!labels.TryAdd(name, value.ToString()))
            {
                throw new FormatException($"line {lineNumber}: label {name} twice");
            }

            i = j + 1;
            if (i < text.Length)
            {
                if (text[i] != ',')
                {
                    throw new FormatException($"line {lineNumber}: expected ',' in '{text}'");
                }

                i++;
            }
        }

        return labels;
    }

    private static void RequireName(string name, int lineNumber)
    {
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException($"line {lineNumber}: bad metric name '{name}'");
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)$")]
    private static partial Regex SampleLine();

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();
}
