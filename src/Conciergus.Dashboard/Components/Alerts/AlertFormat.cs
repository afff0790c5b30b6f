using System.Globalization;
using Conciergus.Core.Alerts;
using Conciergus.Core.Model;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>How the alert pages show metrics, values, durations, labels and states.</summary>
public static class AlertFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>One line per metric for the rule editor's select.</summary>
    public static string Describe(AlertMetric metric) => metric switch
    {
        AlertMetric.RequestRate => "requests per second",
        AlertMetric.ErrorRate => "failed / all requests (0..1)",
        AlertMetric.ErrorCount => "failed requests in the window",
        AlertMetric.LatencyP50 => "latency p50 (ms)",
        AlertMetric.LatencyP95 => "latency p95 (ms)",
        AlertMetric.LatencyP99 => "latency p99 (ms)",
        AlertMetric.TtftP95 => "time to first token p95 (ms)",
        AlertMetric.InputTokens => "input tokens in the window",
        AlertMetric.OutputTokens => "output tokens in the window",
        AlertMetric.Cost => "cost in USD in the window",
        AlertMetric.CostBurn => "today's cost / daily budget (1 = spent)",
        AlertMetric.UserCost => "cost per user in the window (USD)",
        AlertMetric.IngestionDrops => "operations dropped in the window",
        AlertMetric.ExperimentSrm => "sample ratio mismatch p-value per experiment",
        AlertMetric.ComplianceOverdueRequests => "compliance: data-subject requests open past due",
        AlertMetric.ComplianceChainFailures => "compliance: hash chains failing verification",
        AlertMetric.ComplianceRetentionOverdue => "compliance: hours retention is late",
        AlertMetric.ComplianceConsentMissing => "compliance: operations processed without consent in the window",
        AlertMetric.ComplianceContentCaptured => "compliance: content received while capture is off, in the window",
        _ => metric.ToString(),
    };

    /// <summary>A metric value as an operator reads it ("4.2%", "1.3 s", "$0.12").</summary>
    public static string Value(AlertMetric metric, double? value)
    {
        if (value is not { } v || double.IsNaN(v))
        {
            return "–";
        }

        return metric switch
        {
            AlertMetric.RequestRate => Formatting.Rate(v),
            AlertMetric.ErrorRate or AlertMetric.CostBurn => Formatting.Percent(v),
            AlertMetric.LatencyP50 or AlertMetric.LatencyP95 or AlertMetric.LatencyP99 or AlertMetric.TtftP95 => Formatting.Duration(v),
            AlertMetric.Cost or AlertMetric.UserCost => Formatting.Usd((decimal)Math.Clamp(v, -1e12, 1e12)),
            AlertMetric.ExperimentSrm => AlertValueText.PValue(v),
            AlertMetric.AppMetric => v.ToString("0.####", Invariant),
            AlertMetric.ComplianceRetentionOverdue => v.ToString("0.#", Invariant) + " h",
            _ => Formatting.Count((long)Math.Round(v)),
        };
    }

    /// <summary>A rule's value: the metric's value, or for a trend rule its change per minute ("+12 ms / min").</summary>
    public static string Value(AlertRule rule, double? value)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (!rule.Trend || value is not { } v || double.IsNaN(v))
        {
            return Value(rule.Metric, value);
        }

        return v == 0 ? "stable" : $"{(v > 0 ? "+" : "−")}{Value(rule.Metric, Math.Abs(v))} / min";
    }

    /// <summary>A raw value for places without a metric (threshold inputs, unknown rules).</summary>
    public static string Number(double? value) => value is { } v ? v.ToString("0.####", Invariant) : "–";

    /// <summary>Factor from the metric's value to the chart's axis (ratios are charted in percent).</summary>
    public static double ChartScale(AlertMetric metric) => metric is AlertMetric.ErrorRate or AlertMetric.CostBurn ? 100 : 1;

    /// <summary>Unit of the chart axis and tooltips.</summary>
    public static string? ChartUnit(AlertMetric metric) => metric switch
    {
        AlertMetric.RequestRate => "req/s",
        AlertMetric.ErrorRate or AlertMetric.CostBurn => "%",
        AlertMetric.LatencyP50 or AlertMetric.LatencyP95 or AlertMetric.LatencyP99 or AlertMetric.TtftP95 => "ms",
        AlertMetric.Cost or AlertMetric.UserCost => "USD",
        _ => null,
    };

    /// <summary>Fraction digits on the chart.</summary>
    public static int ChartDecimals(AlertMetric metric) => metric switch
    {
        AlertMetric.Cost or AlertMetric.UserCost or AlertMetric.ExperimentSrm => 4,
        AlertMetric.LatencyP50 or AlertMetric.LatencyP95 or AlertMetric.LatencyP99 or AlertMetric.TtftP95 => 0,
        AlertMetric.ErrorCount or AlertMetric.InputTokens or AlertMetric.OutputTokens or AlertMetric.IngestionDrops => 0,
        _ => 2,
    };

    /// <summary>"0s", "30s", "5m", "1h".</summary>
    public static string Duration(TimeSpan span) => span <= TimeSpan.Zero ? "0s" : TimeWindow.Format(span);

    /// <summary>Parses "0", "0s", "30s", "5m", "1h", "1d"; zero only when <paramref name="allowZero"/>.</summary>
    public static bool TryParseDuration(string? text, bool allowZero, out TimeSpan value, out string? error)
    {
        var s = text?.Trim();
        if (allowZero && (string.IsNullOrEmpty(s) || s is "0" or "0s" or "0m" or "0h" or "0d"))
        {
            value = TimeSpan.Zero;
            error = null;
            return true;
        }

        if (!TimeWindow.TryParse(s, out value, out error))
        {
            error = allowZero ? $"{error}; 0s for none" : error;
            return false;
        }

        return true;
    }

    /// <summary>"error_rate > 0.05 over 1m by model for 2m" (recovery and keep-firing when set).</summary>
    public static string Expression(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var metric = rule.Trend ? $"trend({AlertWire.Name(rule)}) per minute" : AlertWire.Name(rule);
        var text = $"{metric} {AlertWire.Symbol(rule.Operator)} {Number(rule.Threshold)} over {Duration(rule.Window)}";
        if (rule.GroupBy.Count > 0)
        {
            text += " by " + string.Join(", ", rule.GroupBy);
        }

        if (rule.For > TimeSpan.Zero)
        {
            text += " for " + Duration(rule.For);
        }

        if (rule.RecoveryThreshold is { } recovery)
        {
            text += " · recovers past " + Number(recovery);
        }

        if (rule.KeepFiringFor > TimeSpan.Zero)
        {
            text += " · keeps firing " + Duration(rule.KeepFiringFor);
        }

        return text;
    }

    /// <summary>Chip colour of a severity.</summary>
    public static Color SeverityColor(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Critical => Color.Error,
        AlertSeverity.High => Color.Warning,
        AlertSeverity.Medium => Color.Info,
        _ => Color.Default,
    };

    /// <summary>Chip colour of a state.</summary>
    public static Color StateColor(AlertState state) => state switch
    {
        AlertState.Firing => Color.Error,
        AlertState.Pending => Color.Warning,
        _ => Color.Success,
    };

    /// <summary>Chip colour of a silence state.</summary>
    public static Color SilenceColor(SilenceState state) => state switch
    {
        SilenceState.Active => Color.Primary,
        SilenceState.Pending => Color.Info,
        _ => Color.Default,
    };

    /// <summary>Firing first, then pending, then resolved; by severity (critical first); newest first within that.</summary>
    public static IReadOnlyList<AlertInstance> Sort(IEnumerable<AlertInstance> instances) =>
        [.. instances
            .OrderBy(i => i.State switch { AlertState.Firing => 0, AlertState.Pending => 1, _ => 2 })
            .ThenBy(i => i.State == AlertState.Resolved ? 0 : (int)i.Severity)
            .ThenByDescending(i => i.State == AlertState.Resolved ? i.EndsAt ?? i.ActiveAt : i.StartsAt ?? i.ActiveAt)
            .ThenBy(i => i.Id, StringComparer.Ordinal)];

    /// <summary>Labels worth showing next to an alert: all but alertname and severity (which have their own columns).</summary>
    public static IEnumerable<KeyValuePair<string, string>> ShownLabels(IReadOnlyDictionary<string, string> labels) =>
        labels.Where(l => l.Key is not ("alertname" or "severity")).OrderBy(l => l.Key, StringComparer.Ordinal);

    /// <summary>"model=gpt-4o, application=chat".</summary>
    public static string LabelSet(IReadOnlyDictionary<string, string> labels) =>
        string.Join(", ", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>"model=~gpt-.*".</summary>
    public static string Matcher(LabelMatcher matcher)
    {
        ArgumentNullException.ThrowIfNull(matcher);
        return $"{matcher.Name}{AlertWire.Symbol(matcher.Operator)}{matcher.Value}";
    }

    /// <summary>"Mon–Fri 22:00–06:00 Europe/Berlin".</summary>
    public static string QuietHours(QuietHours quiet)
    {
        ArgumentNullException.ThrowIfNull(quiet);
        var days = quiet.Days.Count == 7 ? "every day" : string.Join(" ", quiet.Days.OrderBy(d => ((int)d + 6) % 7).Select(d => d.ToString()[..3]));
        return $"{days} {quiet.StartTime:HH\\:mm}–{quiet.EndTime:HH\\:mm} {quiet.TimeZone}";
    }

    /// <summary>A time in the given zone (daylight saving included), with the date.</summary>
    public static string Time(DateTimeOffset? time, TimeZoneInfo zone) =>
        time is { } t ? Formatting.LocalTime(t, zone, withDate: true) : "–";

    /// <summary>"12 s ago", "5 min ago", "3 h ago", "2 d ago" (or "in ..." for the future).</summary>
    public static string Relative(DateTimeOffset? time, DateTimeOffset now)
    {
        if (time is not { } t)
        {
            return "";
        }

        var span = now - t;
        var future = span < TimeSpan.Zero;
        var abs = span.Duration();
        var text = abs.TotalSeconds < 60 ? $"{Math.Max(0, (int)abs.TotalSeconds)} s"
            : abs.TotalMinutes < 60 ? $"{(int)abs.TotalMinutes} min"
            : abs.TotalHours < 48 ? $"{(int)abs.TotalHours} h"
            : $"{(int)abs.TotalDays} d";
        return future ? "in " + text : text + " ago";
    }

    /// <summary>
    /// The traces page filtered by the alert's model, application and user labels (the filters the page
    /// supports), errors only for error metrics.
    /// </summary>
    public static string TracesHref(IReadOnlyDictionary<string, string> labels, AlertMetric? metric)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var query = new List<string>();
        foreach (var (label, parameter) in new[] { ("model", "model"), ("application", "application"), ("user", "user") })
        {
            if (labels.TryGetValue(label, out var value) && !string.IsNullOrEmpty(value))
            {
                query.Add($"{parameter}={Uri.EscapeDataString(value)}");
            }
        }

        if (metric is AlertMetric.ErrorRate or AlertMetric.ErrorCount)
        {
            query.Add("status=error");
        }

        return query.Count == 0 ? "/traces" : "/traces?" + string.Join("&", query);
    }
}
