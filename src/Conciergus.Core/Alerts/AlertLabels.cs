using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Conciergus.Core.Alerts;

/// <summary>Label sets: Alertmanager fingerprints, matchers, annotation templates, quiet hours.</summary>
public static partial class AlertLabels
{
    /// <summary>Timeout of one matcher regular expression match.</summary>
    public static readonly TimeSpan RegexTimeout = TimeSpan.FromMilliseconds(100);

    private static readonly ConcurrentDictionary<string, Regex> Regexes = new(StringComparer.Ordinal);

    /// <summary>
    /// Alertmanager's fingerprint of a label set (prometheus/common model.LabelSet.Fingerprint): FNV-1a 64 over the
    /// label names in byte order, each name and value followed by the 0xff separator byte; 16 lower-case hex digits.
    /// </summary>
    public static string Fingerprint(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        const ulong offset = 14695981039346656037UL;
        const ulong prime = 1099511628211UL;
        var hash = offset;
        foreach (var name in labels.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            hash = Add(hash, name);
            hash = (hash ^ 0xff) * prime;
            hash = Add(hash, labels[name]);
            hash = (hash ^ 0xff) * prime;
        }

        return hash.ToString("x16", CultureInfo.InvariantCulture);

        static ulong Add(ulong h, string s)
        {
            foreach (var b in Encoding.UTF8.GetBytes(s))
            {
                h = (h ^ b) * prime;
            }

            return h;
        }
    }

    /// <summary>"k=v,k=v" in name order (the preview's breach keys).</summary>
    public static string Key(IReadOnlyDictionary<string, string> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));

    /// <summary>Checks a matcher: empty name or an invalid or too slow regular expression is an error message.</summary>
    public static string? CheckMatcher(LabelMatcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        if (string.IsNullOrWhiteSpace(matcher.Name) || !LabelName().IsMatch(matcher.Name))
        {
            return $"Matcher label name '{matcher.Name}' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*).";
        }

        if (matcher.Operator is MatchOperator.Regex or MatchOperator.NotRegex)
        {
            try
            {
                _ = RegexOf(matcher.Value).IsMatch("");
            }
            catch (ArgumentException e)
            {
                return $"Matcher {matcher.Name}{AlertWire.Symbol(matcher.Operator)}\"{matcher.Value}\" is not a valid regular expression: {e.Message}";
            }
            catch (RegexMatchTimeoutException)
            {
                return $"Matcher {matcher.Name}{AlertWire.Symbol(matcher.Operator)}\"{matcher.Value}\" is too slow to evaluate.";
            }
        }

        return null;
    }

    /// <summary>Whether one matcher matches a label set (a missing label is the empty string, as in Alertmanager).</summary>
    public static bool Matches(LabelMatcher matcher, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        ArgumentNullException.ThrowIfNull(labels);
        var value = labels.TryGetValue(matcher.Name, out var v) ? v : "";
        return matcher.Operator switch
        {
            MatchOperator.Equal => value == matcher.Value,
            MatchOperator.NotEqual => value != matcher.Value,
            MatchOperator.Regex => SafeMatch(matcher.Value, value),
            _ => !SafeMatch(matcher.Value, value),
        };
    }

    /// <summary>Whether every matcher matches.</summary>
    public static bool MatchesAll(IReadOnlyList<LabelMatcher> matchers, IReadOnlyDictionary<string, string> labels) =>
        matchers.All(m => Matches(m, labels));

    /// <summary>Whether the recurring quiet hours cover <paramref name="at"/> (End &lt;= Start wraps past midnight).</summary>
    public static bool InQuietHours(QuietHours quietHours, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(quietHours);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(quietHours.TimeZone);
        var local = TimeZoneInfo.ConvertTime(at, zone);
        var day = local.DayOfWeek;
        var time = TimeOnly.FromDateTime(local.DateTime);
        if (quietHours.StartTime < quietHours.EndTime)
        {
            return quietHours.Days.Contains(day) && time >= quietHours.StartTime && time < quietHours.EndTime;
        }

        var previous = (DayOfWeek)(((int)day + 6) % 7);
        return (quietHours.Days.Contains(day) && time >= quietHours.StartTime)
            || (quietHours.Days.Contains(previous) && time < quietHours.EndTime);
    }

    /// <summary>Renders {{ $labels.name }}, {{ $value }} and {{ $value | printf "%.2f" }}; other text is kept.</summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> labels, double? value) =>
        Render(template, labels, value, rule: null);

    /// <summary>
    /// Renders a template: {{ $labels.name }}; {{ $value }} or {{ $threshold }} (the rule's), raw, with
    /// <c>| printf "%.2f"</c>, with <c>| humanizePercentage</c> (Prometheus: a ratio as "9.6%"), or with <c>| display</c>
    /// (as the dashboard shows the rule's metric: "9.6%", "1.25 s", "$0.12", "p &lt; 0.001"; see <see cref="AlertValueText"/>).
    /// Other text is kept.
    /// </summary>
    public static string Render(string template, IReadOnlyDictionary<string, string> labels, double? value, AlertRule? rule)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(labels);
        return Placeholder().Replace(template, m =>
        {
            if (m.Groups["label"].Success)
            {
                return labels.TryGetValue(m.Groups["label"].Value, out var l) ? l : "<no value>";
            }

            var number = m.Groups["var"].Value == "$threshold" ? rule?.Threshold : value;
            if (number is not { } v)
            {
                return "<no value>";
            }

            if (m.Groups["digits"].Success)
            {
                return v.ToString("F" + m.Groups["digits"].Value, CultureInfo.InvariantCulture);
            }

            return m.Groups["fn"].Value switch
            {
                "humanizePercentage" => AlertValueText.Percent(v),
                "display" when rule is null => v.ToString("R", CultureInfo.InvariantCulture),
                "display" when rule.Trend && m.Groups["var"].Value == "$value" =>
                    v == 0 ? "stable" : (v > 0 ? "+" : "−") + AlertValueText.Format(rule.Metric, Math.Abs(v)) + " / min",
                // A threshold is a round number someone typed: "5%" and "10 s" rather than the tiles' "5.0%" and "10.0 s".
                "display" when m.Groups["var"].Value == "$threshold" => TrailingZeros().Replace(AlertValueText.Format(rule.Metric, v), ""),
                "display" => AlertValueText.Format(rule.Metric, v),
                _ => v.ToString("R", CultureInfo.InvariantCulture),
            };
        });
    }

    /// <summary>Whether the template only uses supported placeholders (null when fine, else the message).</summary>
    public static string? CheckTemplate(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var rest = Placeholder().Replace(template, "");
        var open = rest.IndexOf("{{", StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }

        var close = rest.IndexOf("}}", open, StringComparison.Ordinal);
        var snippet = close < 0 ? rest[open..] : rest[open..(close + 2)];
        return $"Unsupported template '{snippet}': use {{{{ $labels.<name> }}}}, {{{{ $value }}}}, {{{{ $threshold }}}}, optionally with | display, | humanizePercentage or | printf \"%.2f\".";
    }

    private static bool SafeMatch(string pattern, string value)
    {
        try
        {
            return RegexOf(pattern).IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
    }

    // Anchored like Alertmanager (^(?:pattern)$); compiled once per pattern, bounded by the silences that exist.
    private static Regex RegexOf(string pattern)
    {
        if (Regexes.Count > 1_000)
        {
            Regexes.Clear(); // bounded: validation of many distinct patterns must not grow memory forever
        }

        return Regexes.GetOrAdd(pattern, p => new Regex("^(?:" + p + ")$", RegexOptions.CultureInvariant, RegexTimeout));
    }

    [GeneratedRegex(@"\.0+(?=\D*$)")]
    private static partial Regex TrailingZeros();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    [GeneratedRegex("""\{\{\s*(?:\$labels\.(?<label>[a-zA-Z_][a-zA-Z0-9_]*)|(?<var>\$value|\$threshold)(?:\s*\|\s*(?:printf\s+"%\.(?<digits>[0-9])f"|(?<fn>display|humanizePercentage)))?)\s*\}\}""")]
    private static partial Regex Placeholder();
}
