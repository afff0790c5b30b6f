using System.Globalization;
using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Endpoints;

/// <summary>A rule on the wire: metric wire names, operator symbols, durations like "2m30s", lower-case severity and no-data policy.</summary>
public sealed record AlertRuleJson
{
    /// <summary>Id (generated when empty on create).</summary>
    public string? Id { get; init; }

    /// <summary>Name (the alertname label).</summary>
    public string? Name { get; init; }

    /// <summary>request_rate, error_rate, ...</summary>
    public string? Metric { get; init; }

    /// <summary>Aggregation window ("1m").</summary>
    public string? Window { get; init; }

    /// <summary>Group-by labels.</summary>
    public IReadOnlyList<string>? GroupBy { get; init; }

    /// <summary>&gt;, &gt;=, &lt;, &lt;=, ==, !=</summary>
    public string? Operator { get; init; }

    /// <summary>Threshold.</summary>
    public double? Threshold { get; init; }

    /// <summary>Recovery threshold (hysteresis) or null.</summary>
    public double? RecoveryThreshold { get; init; }

    /// <summary>Pending period ("0s").</summary>
    public string? For { get; init; }

    /// <summary>keep_firing_for ("0s").</summary>
    public string? KeepFiringFor { get; init; }

    /// <summary>ok, keep_last_state, alerting, no_data.</summary>
    public string? NoData { get; init; }

    /// <summary>critical, high, medium, low.</summary>
    public string? Severity { get; init; }

    /// <summary>Extra labels.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Annotation templates.</summary>
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Receiver names (empty: every receiver).</summary>
    public IReadOnlyList<string>? Receivers { get; init; }

    /// <summary>Enabled (default true).</summary>
    public bool? Enabled { get; init; }

    /// <summary>Built-in (output only).</summary>
    public bool? BuiltIn { get; init; }

    /// <summary>Daily budget for cost_burn.</summary>
    public decimal? BudgetUsd { get; init; }

    /// <summary>A trend rule (default false): the value is the metric's slope per minute over the window, 0 unless significant.</summary>
    public bool? Trend { get; init; }

    /// <summary>The wire form of a rule.</summary>
    public static AlertRuleJson From(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new()
        {
            Id = rule.Id,
            Name = rule.Name,
            Metric = AlertWire.Name(rule),
            Window = AlertWire.FormatDuration(rule.Window),
            GroupBy = rule.GroupBy,
            Operator = AlertWire.Symbol(rule.Operator),
            Threshold = rule.Threshold,
            RecoveryThreshold = rule.RecoveryThreshold,
            For = AlertWire.FormatDuration(rule.For),
            KeepFiringFor = AlertWire.FormatDuration(rule.KeepFiringFor),
            NoData = AlertWire.Name(rule.NoData),
            Severity = AlertWire.Name(rule.Severity),
            Labels = rule.Labels,
            Annotations = rule.Annotations,
            Receivers = rule.Receivers,
            Enabled = rule.Enabled,
            BuiltIn = rule.BuiltIn,
            BudgetUsd = rule.BudgetUsd,
            Trend = rule.Trend,
        };
    }

    /// <summary>The rule, or field errors in words.</summary>
    public (AlertRule? Rule, Dictionary<string, string[]> Errors) ToRule()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!AlertWire.TryParseMetric(Metric, out var metric))
        {
            errors["metric"] = [Metric is null ? $"metric is required; use one of {string.Join(", ", AlertWire.Metrics)}." : $"Unknown metric '{Metric}'; use one of {string.Join(", ", AlertWire.Metrics)}."];
        }

        var op = AlertOperator.GreaterThan;
        if (Operator is not null && !AlertWire.TryParseOperator(Operator, out op))
        {
            errors["operator"] = [$"Unknown operator '{Operator}'; use one of {string.Join(" ", AlertWire.Operators)}."];
        }

        if (Threshold is null)
        {
            errors["threshold"] = ["threshold is required (a number)."];
        }

        var window = Duration("window", Window, TimeSpan.FromMinutes(1), errors);
        var pending = Duration("for", For, TimeSpan.Zero, errors);
        var keep = Duration("keepFiringFor", KeepFiringFor, TimeSpan.Zero, errors);
        var noData = AlertNoDataPolicy.Ok;
        if (NoData is not null && !AlertWire.TryParseNoData(NoData, out noData))
        {
            errors["noData"] = [$"Unknown noData policy '{NoData}'; use ok, keep_last_state, alerting or no_data."];
        }

        var severity = AlertSeverity.Medium;
        if (Severity is not null && !AlertWire.TryParseSeverity(Severity, out severity))
        {
            errors["severity"] = [$"Unknown severity '{Severity}'; use critical, high, medium or low."];
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new AlertRule
        {
            Id = Id ?? "",
            Name = Name ?? "",
            Metric = metric,
            AppMetric = metric == AlertMetric.AppMetric ? Metric : null,
            Window = window,
            GroupBy = GroupBy ?? [],
            Operator = op,
            Threshold = Threshold!.Value,
            RecoveryThreshold = RecoveryThreshold,
            For = pending,
            KeepFiringFor = keep,
            NoData = noData,
            Severity = severity,
            Labels = Labels ?? new Dictionary<string, string>(),
            Annotations = Annotations ?? new Dictionary<string, string>(),
            Receivers = Receivers ?? [],
            Enabled = Enabled ?? true,
            BudgetUsd = BudgetUsd,
            Trend = Trend ?? false,
        }, errors);
    }

    private static TimeSpan Duration(string field, string? text, TimeSpan fallback, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return fallback;
        }

        if (AlertWire.TryParseDuration(text, out var value))
        {
            return value;
        }

        errors[field] = [$"'{text}' is not a duration; write it like 0s, 30s, 5m, 2m30s, 1h or 1d."];
        return fallback;
    }
}

/// <summary>One history step on the wire.</summary>
public sealed record AlertHistoryJson(DateTimeOffset At, string Event, double? Value, string Actor, string? Comment);

/// <summary>An alert instance on the wire (history only on the detail).</summary>
public sealed record AlertInstanceJson
{
    /// <summary>Id.</summary>
    public required string Id { get; init; }

    /// <summary>Rule id.</summary>
    public required string RuleId { get; init; }

    /// <summary>Rule name.</summary>
    public required string RuleName { get; init; }

    /// <summary>pending, firing, resolved.</summary>
    public required string State { get; init; }

    /// <summary>critical, high, medium, low.</summary>
    public required string Severity { get; init; }

    /// <summary>Acknowledged.</summary>
    public bool Acknowledged { get; init; }

    /// <summary>By whom.</summary>
    public string? AcknowledgedBy { get; init; }

    /// <summary>When.</summary>
    public DateTimeOffset? AcknowledgedAt { get; init; }

    /// <summary>Muted by a silence now.</summary>
    public bool Silenced { get; init; }

    /// <summary>Labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Rendered annotations.</summary>
    public required IReadOnlyDictionary<string, string> Annotations { get; init; }

    /// <summary>Last value.</summary>
    public double? Value { get; init; }

    /// <summary>Condition true since.</summary>
    public DateTimeOffset ActiveAt { get; init; }

    /// <summary>Firing since.</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>Resolved at.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Who resolved it by hand.</summary>
    public string? ResolvedBy { get; init; }

    /// <summary>Fingerprint of the labels.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>History (detail only).</summary>
    public IReadOnlyList<AlertHistoryJson>? History { get; init; }

    /// <summary>The wire form.</summary>
    public static AlertInstanceJson From(AlertInstance i, bool withHistory)
    {
        ArgumentNullException.ThrowIfNull(i);
        return new()
        {
            Id = i.Id,
            RuleId = i.RuleId,
            RuleName = i.RuleName,
            State = AlertWire.Name(i.State),
            Severity = AlertWire.Name(i.Severity),
            Acknowledged = i.Acknowledged,
            AcknowledgedBy = i.AcknowledgedBy,
            AcknowledgedAt = i.AcknowledgedAt,
            Silenced = i.Silenced,
            Labels = i.Labels,
            Annotations = i.Annotations,
            Value = i.Value is { } v && double.IsFinite(v) ? v : null,
            ActiveAt = i.ActiveAt,
            StartsAt = i.StartsAt,
            EndsAt = i.EndsAt,
            ResolvedBy = i.ResolvedBy,
            Fingerprint = i.Fingerprint,
            History = withHistory ? [.. i.History.Select(h => new AlertHistoryJson(h.At, h.Event, h.Value, h.Actor, h.Comment))] : null,
        };
    }
}

/// <summary>A matcher on the wire: {"name","operator":"=~","value"} (Alertmanager's isEqual/isRegex are accepted too).</summary>
public sealed record LabelMatcherJson(string? Name, string? Operator, string? Value, bool? IsRegex = null, bool? IsEqual = null);

/// <summary>Quiet hours on the wire: days ("monday"...), "22:00", "06:00", IANA time zone.</summary>
public sealed record QuietHoursJson(IReadOnlyList<string>? Days, string? StartTime, string? EndTime, string? TimeZone);

/// <summary>A silence on the wire.</summary>
public sealed record SilenceJson
{
    /// <summary>Id.</summary>
    public string? Id { get; init; }

    /// <summary>Matchers (all must match).</summary>
    public IReadOnlyList<LabelMatcherJson>? Matchers { get; init; }

    /// <summary>Start (default now).</summary>
    public DateTimeOffset? StartsAt { get; init; }

    /// <summary>End.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Author (default the caller).</summary>
    public string? CreatedBy { get; init; }

    /// <summary>Why.</summary>
    public string? Comment { get; init; }

    /// <summary>Recurring quiet hours.</summary>
    public QuietHoursJson? QuietHours { get; init; }

    /// <summary>pending, active, expired (output only).</summary>
    public string? State { get; init; }

    /// <summary>The wire form.</summary>
    public static SilenceJson From(Silence s, SilenceState state)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new()
        {
            Id = s.Id,
            Matchers = [.. s.Matchers.Select(m => new LabelMatcherJson(m.Name, AlertWire.Symbol(m.Operator), m.Value))],
            StartsAt = s.StartsAt,
            EndsAt = s.EndsAt,
            CreatedBy = s.CreatedBy,
            Comment = s.Comment,
            QuietHours = s.QuietHours is { } q
                ? new QuietHoursJson([.. q.Days.Select(d => d.ToString().ToLowerInvariant())], q.StartTime.ToString("HH:mm", CultureInfo.InvariantCulture), q.EndTime.ToString("HH:mm", CultureInfo.InvariantCulture), q.TimeZone)
                : null,
            State = AlertWire.Name(state),
        };
    }

    /// <summary>The silence, or field errors.</summary>
    public (Silence? Silence, Dictionary<string, string[]> Errors) ToSilence(DateTimeOffset now, string author)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var matchers = new List<LabelMatcher>();
        var matcherErrors = new List<string>();
        foreach (var m in Matchers ?? [])
        {
            MatchOperator op;
            if (m.Operator is null)
            {
                op = (m.IsRegex ?? false, m.IsEqual ?? true) switch
                {
                    (true, true) => MatchOperator.Regex,
                    (true, false) => MatchOperator.NotRegex,
                    (false, false) => MatchOperator.NotEqual,
                    _ => MatchOperator.Equal,
                };
            }
            else if (!AlertWire.TryParseMatch(m.Operator, out op))
            {
                matcherErrors.Add($"Unknown matcher operator '{m.Operator}'; use =, !=, =~ or !~.");
                continue;
            }

            matchers.Add(new LabelMatcher(m.Name ?? "", op, m.Value ?? ""));
        }

        if (matcherErrors.Count > 0)
        {
            errors["matchers"] = [.. matcherErrors];
        }

        if (EndsAt is null)
        {
            errors["endsAt"] = ["endsAt is required."];
        }

        QuietHours? quiet = null;
        if (QuietHours is { } q)
        {
            var days = new List<DayOfWeek>();
            foreach (var d in q.Days ?? [])
            {
                if (Enum.TryParse<DayOfWeek>(d, ignoreCase: true, out var day) && !int.TryParse(d, out _))
                {
                    days.Add(day);
                }
                else
                {
                    errors["quietHours.days"] = [$"Unknown day '{d}'; use monday ... sunday."];
                }
            }

            if (!TimeOnly.TryParseExact(q.StartTime, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var start))
            {
                errors["quietHours.startTime"] = [$"'{q.StartTime}' is not a time of day like 22:00."];
            }

            if (!TimeOnly.TryParseExact(q.EndTime, ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var end))
            {
                errors["quietHours.endTime"] = [$"'{q.EndTime}' is not a time of day like 06:00."];
            }

            quiet = new QuietHours(days, start, end, string.IsNullOrWhiteSpace(q.TimeZone) ? "UTC" : q.TimeZone);
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        return (new Silence
        {
            Id = Id ?? "",
            Matchers = matchers,
            StartsAt = StartsAt ?? now,
            EndsAt = EndsAt!.Value,
            CreatedBy = string.IsNullOrWhiteSpace(CreatedBy) ? author : CreatedBy,
            Comment = Comment ?? "",
            QuietHours = quiet,
        }, errors);
    }
}

/// <summary>A receiver on the wire.</summary>
public sealed record AlertReceiverJson(string? Name, string? Url, string? Kind = null, IReadOnlyDictionary<string, string>? Settings = null, bool FromConfiguration = false)
{
    /// <summary>The wire form; <paramref name="showUrl"/> false (everyone but Admins) cuts the URL to scheme and host, as it carries the credential.</summary>
    public static AlertReceiverJson From(AlertReceiver r, bool showUrl)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new(r.Name, showUrl ? r.Url : ReceiverUrls.SchemeAndHost(r.Url), r.Kind, r.Settings, r.FromConfiguration);
    }
}

/// <summary>Evaluator status on the wire.</summary>
public sealed record AlertStatusJson(DateTimeOffset? LastEvaluation, double LastDurationMs, string Interval, long Evaluations, IReadOnlyDictionary<string, string> RuleErrors, long FailedDeliveries, int Firing)
{
    /// <summary>The wire form.</summary>
    public static AlertStatusJson From(AlertEvaluatorStatus s, int firing)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.LastEvaluation, s.LastDuration.TotalMilliseconds, AlertWire.FormatDuration(s.Interval), s.Evaluations, s.RuleErrors, s.FailedDeliveries, firing);
    }
}

/// <summary>An operator comment ({"comment": "..."}).</summary>
public sealed record AlertCommentJson(string? Comment);
