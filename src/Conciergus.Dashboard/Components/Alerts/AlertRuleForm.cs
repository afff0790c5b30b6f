using System.Globalization;
using Conciergus.Core.Alerts;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>Editable state of the rules editor (mutable, bound to the fields); <see cref="ToRule"/> builds the record.</summary>
internal sealed class AlertRuleForm
{
    public string Name { get; set; } = "";

    public AlertMetric Metric { get; set; } = AlertMetric.ErrorRate;

    public string Window { get; set; } = "5m";

    public HashSet<string> GroupBy { get; } = new(StringComparer.Ordinal);

    public AlertOperator Operator { get; set; } = AlertOperator.GreaterThan;

    public double Threshold { get; set; } = 0.05;

    public double? RecoveryThreshold { get; set; }

    public string For { get; set; } = "0s";

    public string KeepFiringFor { get; set; } = "0s";

    public AlertNoDataPolicy NoData { get; set; } = AlertNoDataPolicy.Ok;

    public AlertSeverity Severity { get; set; } = AlertSeverity.Medium;

    /// <summary>"team=ai", one per line.</summary>
    public string Labels { get; set; } = "";

    public string Summary { get; set; } = "";

    public string Description { get; set; } = "";

    /// <summary>Other annotations as "key=template" lines.</summary>
    public string OtherAnnotations { get; set; } = "";

    public HashSet<string> Receivers { get; } = new(StringComparer.Ordinal);

    public bool Enabled { get; set; } = true;

    public decimal? BudgetUsd { get; set; }

    /// <summary>A trend rule: the value is the slope per minute over the window (0 unless significant).</summary>
    public bool Trend { get; set; }

    /// <summary>Fields of a built-in rule that the editor keeps as they are.</summary>
    public bool BuiltIn { get; private set; }

    /// <summary>A new rule's starting point: error rate above 5% over 5 minutes per model.</summary>
    public static AlertRuleForm New()
    {
        var form = new AlertRuleForm { Summary = "{{ $labels.alertname }}: {{ $value }}" };
        form.GroupBy.Add("model");
        return form;
    }

    /// <summary>The form of an existing rule.</summary>
    public static AlertRuleForm From(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var form = new AlertRuleForm
        {
            Name = rule.Name,
            Metric = rule.Metric,
            Window = AlertFormat.Duration(rule.Window),
            Operator = rule.Operator,
            Threshold = rule.Threshold,
            RecoveryThreshold = rule.RecoveryThreshold,
            For = AlertFormat.Duration(rule.For),
            KeepFiringFor = AlertFormat.Duration(rule.KeepFiringFor),
            NoData = rule.NoData,
            Severity = rule.Severity,
            Labels = string.Join("\n", rule.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")),
            Summary = rule.Annotations.GetValueOrDefault("summary") ?? "",
            Description = rule.Annotations.GetValueOrDefault("description") ?? "",
            OtherAnnotations = string.Join("\n", rule.Annotations.Where(a => a.Key is not ("summary" or "description"))
                .OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}")),
            Enabled = rule.Enabled,
            BudgetUsd = rule.BudgetUsd,
            Trend = rule.Trend,
            BuiltIn = rule.BuiltIn,
        };
        form.GroupBy.UnionWith(rule.GroupBy);
        form.Receivers.UnionWith(rule.Receivers);
        return form;
    }

    /// <summary>The rule, and the fields the form itself could not read (durations, label lines).</summary>
    public (AlertRule Rule, Dictionary<string, string[]> Errors) ToRule(string id)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var window = Duration(Window, "window", allowZero: false, TimeSpan.FromMinutes(1), errors);
        var pending = Duration(For, "for", allowZero: true, TimeSpan.Zero, errors);
        var keep = Duration(KeepFiringFor, "keepFiringFor", allowZero: true, TimeSpan.Zero, errors);
        var labels = Pairs(Labels, "labels", errors);
        var annotations = Pairs(OtherAnnotations, "annotations", errors);
        if (!string.IsNullOrWhiteSpace(Summary))
        {
            annotations["summary"] = Summary.Trim();
        }

        if (!string.IsNullOrWhiteSpace(Description))
        {
            annotations["description"] = Description.Trim();
        }

        var rule = new AlertRule
        {
            Id = id,
            Name = Name.Trim(),
            Metric = Metric,
            Window = window,
            GroupBy = [.. AlertWire.GroupByLabels.Where(GroupBy.Contains)],
            Operator = Operator,
            Threshold = Threshold,
            RecoveryThreshold = RecoveryThreshold,
            For = pending,
            KeepFiringFor = keep,
            NoData = NoData,
            Severity = Severity,
            Labels = labels,
            Annotations = annotations,
            Receivers = [.. Receivers.Order(StringComparer.Ordinal)],
            Enabled = Enabled,
            BuiltIn = BuiltIn,
            BudgetUsd = Metric == AlertMetric.CostBurn ? BudgetUsd : null,
            Trend = Trend,
        };
        return (rule, errors);
    }

    private static TimeSpan Duration(string text, string field, bool allowZero, TimeSpan fallback, Dictionary<string, string[]> errors)
    {
        if (AlertFormat.TryParseDuration(text, allowZero, out var value, out var error))
        {
            return value;
        }

        errors[field] = [error ?? "not a duration"];
        return fallback;
    }

    private static Dictionary<string, string> Pairs(string text, string field, Dictionary<string, string[]> errors)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        var bad = new List<string>();
        foreach (var raw in (text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = raw.IndexOf('=', StringComparison.Ordinal);
            if (at <= 0)
            {
                bad.Add(string.Create(CultureInfo.InvariantCulture, $"'{raw}' is not key=value"));
                continue;
            }

            pairs[raw[..at].Trim()] = raw[(at + 1)..].Trim();
        }

        if (bad.Count > 0)
        {
            errors[field] = [.. bad];
        }

        return pairs;
    }
}
