using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;
namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    /// <inheritdoc />
    public IReadOnlyList<AlertRule> Rules()
    {
        lock (_sync)
        {
            return [.. _rules.Values.OrderByDescending(r => r.BuiltIn).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Id, StringComparer.Ordinal)];
        }
    }

    /// <inheritdoc />
    public AlertRule? GetRule(string id)
    {
        lock (_sync)
        {
            return _rules.GetValueOrDefault(id);
        }
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string[]> Validate(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (!string.IsNullOrEmpty(rule.Id) && (rule.Id.Length > 100 || !rule.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            Add("id", $"Rule id '{rule.Id}' must be 1 to 100 letters, digits, '-', '_' or '.' (or left empty to generate one).");
        }

        if (string.IsNullOrWhiteSpace(rule.Name))
        {
            Add("name", "A rule needs a name (it becomes the alertname label).");
        }
        else if (rule.Name.Length > 200)
        {
            Add("name", "The name is longer than 200 characters.");
        }

        if (!Enum.IsDefined(rule.Metric))
        {
            Add("metric", $"Unknown metric; use one of {string.Join(", ", AlertWire.Metrics)}.");
        }
        else if (AlertMetricReader.SourceOf(rule).Error is { } groupError)
        {
            Add("groupBy", groupError);
        }

        if (rule.Window < TimeSpan.FromSeconds(1) || rule.Window > TimeSpan.FromDays(30))
        {
            Add("window", "The window must be between 1s and 30d.");
        }

        if (!double.IsFinite(rule.Threshold))
        {
            Add("threshold", "The threshold must be a finite number.");
        }

        if (rule.RecoveryThreshold is { } recovery)
        {
            var op = AlertWire.Symbol(rule.Operator);
            if (!double.IsFinite(recovery))
            {
                Add("recoveryThreshold", "The recovery threshold must be a finite number.");
            }
            else if (rule.Operator is AlertOperator.Equal or AlertOperator.NotEqual)
            {
                Add("recoveryThreshold", $"A recovery threshold needs an ordering operator (>, >=, <, <=), not {op}.");
            }
            else if (rule.Operator is AlertOperator.GreaterThan or AlertOperator.GreaterOrEqual && recovery > rule.Threshold)
            {
                Add("recoveryThreshold", Invariant($"With {op} {rule.Threshold} the recovery threshold must not be above the threshold (got {recovery}): the alert recovers once the value drops below it."));
            }
            else if (rule.Operator is AlertOperator.LessThan or AlertOperator.LessOrEqual && recovery < rule.Threshold)
            {
                Add("recoveryThreshold", Invariant($"With {op} {rule.Threshold} the recovery threshold must not be below the threshold (got {recovery}): the alert recovers once the value rises above it."));
            }
        }

        if (!Enum.IsDefined(rule.Operator))
        {
            Add("operator", $"Unknown operator; use one of {string.Join(" ", AlertWire.Operators)}.");
        }

        if (rule.For < TimeSpan.Zero || rule.For > TimeSpan.FromDays(7))
        {
            Add("for", "for must be between 0s and 7d.");
        }

        if (rule.KeepFiringFor < TimeSpan.Zero || rule.KeepFiringFor > TimeSpan.FromDays(7))
        {
            Add("keepFiringFor", "keepFiringFor must be between 0s and 7d.");
        }

        if (rule.Metric == AlertMetric.CostBurn && (rule.BudgetUsd ?? _options.DailyBudgetUsd) is null && !rule.BuiltIn)
        {
            Add("budgetUsd", "cost_burn needs a daily budget: set budgetUsd on the rule or Conciergus:Alerts:DailyBudgetUsd.");
        }

        if (rule.BudgetUsd is <= 0)
        {
            Add("budgetUsd", "budgetUsd must be positive.");
        }

        if (rule.Trend && !AlertMetricReader.CanTrend(rule.Metric))
        {
            Add("trend", $"{AlertWire.Name(rule.Metric)} has no trend (it is a daily, per-user, per-experiment or counter figure); use a trend on request_rate, error_rate, latency, tokens, cost or an otel: metric.");
        }
        else if (rule.Trend && rule.Window < TimeSpan.FromMinutes(1))
        {
            Add("trend", $"A trend needs a window of at least 1m (it fits a slope to {Health.Trend.WindowPoints} steps of the window).");
        }

        foreach (var (name, value) in rule.Labels)
        {
            if (AlertLabels.CheckMatcher(new LabelMatcher(name, MatchOperator.Equal, value)) is not null)
            {
                Add("labels", $"Label name '{name}' is not valid ([a-zA-Z_][a-zA-Z0-9_]*).");
            }
            else if (name is "alertname" or "severity" || rule.GroupBy.Contains(name))
            {
                Add("labels", $"Label '{name}' is set by the rule itself (alertname, severity and group-by labels).");
            }
        }

        foreach (var (name, template) in rule.Annotations)
        {
            if (AlertLabels.CheckTemplate(template) is { } problem)
            {
                Add("annotations", $"{name}: {problem}");
            }
        }

        var receivers = _receivers.Names();
        foreach (var receiver in rule.Receivers.Where(r => !receivers.Contains(r)))
        {
            Add("receivers", receivers.Count == 0
                ? $"Unknown receiver '{receiver}': no receivers exist yet (add one under /api/v1/receivers or Conciergus:Alerts:Receivers)."
                : $"Unknown receiver '{receiver}'; known: {string.Join(", ", receivers.Order(StringComparer.Ordinal))}.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async Task<AlertRule> CreateRuleAsync(AlertRule rule, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(actor);
        var created = rule with { Id = string.IsNullOrWhiteSpace(rule.Id) ? NewId() : rule.Id.Trim(), BuiltIn = false };
        ThrowIfInvalid(created);
        lock (_sync)
        {
            if (_rules.ContainsKey(created.Id))
            {
                throw new RefusalException(RefusalKind.Conflict, $"A rule with id '{created.Id}' exists already.");
            }
        }

        // The rule and its audit entry commit together or not at all; memory follows the commit.
        await AuditedWriteAsync("alert_rule.create", created.Id, actor, RuleDetails(created), () => _store.SaveRule(created), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _rules[created.Id] = created;
        }

        Bump();
        return created;
    }

    /// <inheritdoc />
    public async Task<AlertRule> UpdateRuleAsync(string id, AlertRule rule, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(actor);
        AlertRule updated;
        lock (_sync)
        {
            var current = _rules.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No alert rule '{id}'.");
            updated = rule with { Id = id, BuiltIn = current.BuiltIn };
        }

        ThrowIfInvalid(updated);
        lock (_sync)
        {
            if (!_rules.ContainsKey(id))
            {
                throw new RefusalException(RefusalKind.NotFound, $"No alert rule '{id}'.");
            }
        }

        await AuditedWriteAsync("alert_rule.update", id, actor, RuleDetails(updated), () => _store.SaveRule(updated), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _rules[id] = updated;
        }

        Bump();
        return updated;
    }

    /// <inheritdoc />
    public async Task DeleteRuleAsync(string id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        List<AlertInstance> changed = [];
        lock (_sync)
        {
            var rule = _rules.GetValueOrDefault(id) ?? throw new RefusalException(RefusalKind.NotFound, $"No alert rule '{id}'.");
            if (rule.BuiltIn)
            {
                throw new RefusalException(RefusalKind.Conflict, $"'{rule.Name}' is a built-in rule: disable it instead of deleting it.");
            }

            var now = _time.GetUtcNow();
            foreach (var state in _open.Values.Where(s => s.Instance.RuleId == id).ToList())
            {
                changed.Add(CloseByRule(state, now, "rule deleted"));
            }

            _rules.Remove(id);
            _ruleErrors.Remove(id);
            _store.DeleteRule(id);
        }

        Bump(changed);
        await AuditAsync("alert_rule.delete", id, actor, null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public AlertRulePreview Preview(AlertRule rule, TimeSpan range)
    {
        ArgumentNullException.ThrowIfNull(rule);
        if (range <= TimeSpan.Zero || range > TimeSpan.FromDays(2))
        {
            throw new RefusalException(RefusalKind.Invalid, "The preview range must be between 1s and 2d.", new Dictionary<string, string[]> { ["range"] = ["The preview range must be between 1s and 2d."] });
        }

        var errors = Validate(rule).Where(e => e.Key is not ("receivers" or "name")).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (errors.Count > 0)
        {
            throw new RefusalException(RefusalKind.Invalid, "The rule cannot be previewed: " + string.Join(" ", errors.SelectMany(e => e.Value)), errors);
        }

        var now = _time.GetUtcNow();
        var step = PreviewStep(range);
        var points = new Dictionary<string, (IReadOnlyDictionary<string, string> Labels, List<(DateTimeOffset, double)> Points)>(StringComparer.Ordinal);
        var breaches = new List<string>();
        foreach (var at in PreviewTimes(rule, now, range, step))
        {
            foreach (var sample in _reader.Read(rule, at, rule.Metric == AlertMetric.IngestionDrops ? DropsOver(rule.Window, at) : null))
            {
                var key = AlertLabels.Key(sample.Labels);
                if (!points.TryGetValue(key, out var series))
                {
                    points[key] = series = (sample.Labels, []);
                }

                series.Points.Add((at, sample.Value ?? double.NaN));
                if (at == now && sample.Value is { } v && Compare(v, rule.Operator, rule.Threshold))
                {
                    breaches.Add(key);
                }
            }
        }

        return new AlertRulePreview(
            [.. points.Values.OrderBy(p => AlertLabels.Key(p.Labels), StringComparer.Ordinal).Select(p => new AlertMetricSeries(p.Labels, p.Points))],
            breaches,
            step);
    }

    /// <inheritdoc />
    public AlertMetricSeries MetricHistory(string instanceId, TimeSpan range)
    {
        AlertInstance instance;
        AlertRule rule;
        lock (_sync)
        {
            instance = _instances.GetValueOrDefault(instanceId)?.Instance ?? throw new RefusalException(RefusalKind.NotFound, $"No alert '{instanceId}'.");
            rule = _rules.GetValueOrDefault(instance.RuleId) ?? throw new RefusalException(RefusalKind.NotFound, $"The rule of alert '{instanceId}' no longer exists.");
        }

        if (range <= TimeSpan.Zero || range > TimeSpan.FromDays(2))
        {
            throw new RefusalException(RefusalKind.Invalid, "The range must be between 1s and 2d.");
        }

        var now = _time.GetUtcNow();
        var groupLabels = new Dictionary<string, string>(StringComparer.Ordinal);
        var points = new List<(DateTimeOffset, double)>();
        foreach (var at in PreviewTimes(rule, now, range, PreviewStep(range)))
        {
            foreach (var sample in _reader.Read(rule, at, rule.Metric == AlertMetric.IngestionDrops ? DropsOver(rule.Window, at) : null))
            {
                if (sample.Labels.All(l => instance.Labels.TryGetValue(l.Key, out var v) && v == l.Value) && sample.Value is { } value)
                {
                    foreach (var l in sample.Labels)
                    {
                        groupLabels[l.Key] = l.Value;
                    }

                    points.Add((at, value));
                }
            }
        }

        return new AlertMetricSeries(groupLabels, points);
    }

    private TimeSpan PreviewStep(TimeSpan range)
    {
        var seconds = Math.Max(_options.EvaluationInterval.TotalSeconds, Math.Ceiling(range.TotalSeconds / 60));
        return TimeSpan.FromSeconds(Math.Ceiling(seconds));
    }

    // Metrics without history (per-user ledger by day, live counters, experiment p-values) have one point: now.
    private static IEnumerable<DateTimeOffset> PreviewTimes(AlertRule rule, DateTimeOffset now, TimeSpan range, TimeSpan step)
    {
        if (rule.Metric is AlertMetric.UserCost or AlertMetric.ExperimentSrm or AlertMetric.ComplianceOverdueRequests or AlertMetric.ComplianceChainFailures)
        {
            yield return now;
            yield break;
        }

        var count = (int)Math.Floor(range / step);
        for (var i = count; i >= 0; i--)
        {
            yield return now - (step * i);
        }
    }

    private void ThrowIfInvalid(AlertRule rule)
    {
        var errors = Validate(rule);
        if (errors.Count > 0)
        {
            throw new RefusalException(RefusalKind.Invalid, "The rule is not valid: " + string.Join(" ", errors.SelectMany(e => e.Value)), errors);
        }
    }

    private static Dictionary<string, string> RuleDetails(AlertRule rule) => new()
    {
        ["name"] = rule.Name,
        ["metric"] = AlertWire.Name(rule),
        ["condition"] = Invariant($"{AlertWire.Symbol(rule.Operator)} {rule.Threshold}"),
        ["for"] = AlertWire.FormatDuration(rule.For),
        ["enabled"] = rule.Enabled ? "true" : "false",
    };

    /// <summary>Whether <paramref name="value"/> breaches.</summary>
    internal static bool Compare(double value, AlertOperator op, double threshold) => op switch
    {
        AlertOperator.GreaterThan => value > threshold,
        AlertOperator.GreaterOrEqual => value >= threshold,
        AlertOperator.LessThan => value < threshold,
        AlertOperator.LessOrEqual => value <= threshold,
        AlertOperator.Equal => value == threshold,
        _ => value != threshold,
    };
}
