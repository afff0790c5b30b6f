using System.Globalization;

using Conciergus.Core.Health;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Turns a rule's metric, window and group-by into one value per label set at an instant. The cache keeps one series
/// per dimension (total, model, provider, operation, application, error category, experiment variant), never
/// cross-dimension series, so a group-by must map to one dimension (model implies provider).
/// </summary>
internal sealed class AlertMetricReader
{
    private readonly AlertDataSources _sources;
    private readonly Func<decimal?> _defaultBudget;

    public AlertMetricReader(AlertDataSources sources, Func<decimal?> defaultBudget)
    {
        _sources = sources;
        _defaultBudget = defaultBudget;
    }

    /// <summary>Which series a group-by reads.</summary>
    internal enum Source
    {
        Total,
        Model,
        Provider,
        Operation,
        Application,
        ErrorCategory,
        Experiment,
        User,
        AppMetric,
    }

    /// <summary>Why a rule's group-by cannot be answered (null when it can), and the source it reads.</summary>
    public static (Source Source, string? Error) SourceOf(AlertRule rule)
    {
        if (rule.Metric == AlertMetric.AppMetric)
        {
            return (Source.AppMetric, AppMetricError(rule));
        }

        var labels = rule.GroupBy.Distinct(StringComparer.Ordinal).OrderBy(l => l, StringComparer.Ordinal).ToArray();
        var unknown = labels.Where(l => !AlertWire.GroupByLabels.Contains(l)).ToArray();
        if (unknown.Length > 0)
        {
            return (Source.Total, $"Unknown group-by label {string.Join(", ", unknown.Select(u => $"'{u}'"))}; use {string.Join(", ", AlertWire.GroupByLabels)}.");
        }

        var metric = AlertWire.Name(rule.Metric);
        switch (rule.Metric)
        {
            case AlertMetric.UserCost:
                return labels is [] or ["user"] ? (Source.User, null) : (Source.User, "user_cost is always per user: group by [\"user\"] (or nothing).");
            case AlertMetric.ExperimentSrm:
                return labels is [] or ["experiment"] ? (Source.Experiment, null) : (Source.Experiment, "experiment_srm is always per experiment: group by [\"experiment\"] (or nothing).");
            case AlertMetric.IngestionDrops:
                return labels is [] ? (Source.Total, null) : (Source.Total, "ingestion_drops is one number for the whole dashboard: leave group-by empty.");
            case var m when IsCompliance(m):
                return labels is [] ? (Source.Total, null) : (Source.Total, $"{metric} is one number for the whole dashboard: leave group-by empty.");
        }

        var source = labels switch
        {
            [] => Source.Total,
            ["model"] or ["model", "provider"] => Source.Model,
            ["provider"] => Source.Provider,
            ["operation"] => Source.Operation,
            ["application"] => Source.Application,
            ["error_category"] => Source.ErrorCategory,
            ["experiment"] => Source.Experiment,
            ["user"] => Source.User,
            _ => (Source?)null,
        };
        if (source is null)
        {
            return (Source.Total, $"The time-series cache keeps one series per dimension, not per combination: group {metric} by one of model (with or without provider), provider, operation, application, error_category or experiment, not by {string.Join(" + ", labels)}.");
        }

        if (source == Source.User)
        {
            return (Source.User, $"Per-user figures exist only for cost: use the user_cost metric to group by user.");
        }

        if (source == Source.ErrorCategory && rule.Metric != AlertMetric.ErrorCount)
        {
            return (Source.ErrorCategory, $"Only error_count can be grouped by error_category (the category series hold failed calls only).");
        }

        return (source.Value, null);
    }

    /// <summary>The metrics a trend can be computed of (one value per step; not the daily burn, per-user or per-experiment figures).</summary>
    public static bool CanTrend(AlertMetric metric) =>
        metric is not (AlertMetric.CostBurn or AlertMetric.UserCost or AlertMetric.ExperimentSrm or AlertMetric.IngestionDrops) && !IsCompliance(metric);

    /// <summary>The compliance violation metrics (read from the compliance feature, not the cache).</summary>
    public static bool IsCompliance(AlertMetric metric) =>
        metric is AlertMetric.ComplianceOverdueRequests or AlertMetric.ComplianceChainFailures or AlertMetric.ComplianceRetentionOverdue
            or AlertMetric.ComplianceConsentMissing or AlertMetric.ComplianceContentCaptured;

    /// <summary>The values of the rule at <paramref name="at"/>, one per label set that has data.</summary>
    public IReadOnlyList<AlertSample> Read(AlertRule rule, DateTimeOffset at, long? dropsOverWindow = null)
    {
        var (source, error) = SourceOf(rule);
        if (error is not null)
        {
            throw new InvalidOperationException(error);
        }

        if (rule.Trend)
        {
            return ReadTrend(rule, source, at);
        }

        switch (rule.Metric)
        {
            case AlertMetric.AppMetric:
                return ReadAppMetric(rule, at);
            case AlertMetric.UserCost:
                return [.. _sources.Ledger.Top(at - rule.Window, at, int.MaxValue)
                    .Where(u => u.UserId != UserCostLedger.OverflowUserId || u.CostUsd > 0)
                    .Select(u => new AlertSample(new Dictionary<string, string> { ["user"] = u.UserId }, (double)u.CostUsd))];
            case AlertMetric.ExperimentSrm:
                return [.. _sources.ExperimentSrm().Select(e => new AlertSample(new Dictionary<string, string> { ["experiment"] = e.Key }, e.PValue))];
            case AlertMetric.IngestionDrops:
                return [new AlertSample(new Dictionary<string, string>(), dropsOverWindow ?? 0)];
            case var m when IsCompliance(m):
                return _sources.Compliance(m, rule.Window, at) is { } violation ? [new AlertSample(new Dictionary<string, string>(), violation)] : [];
        }

        decimal budget = 0;
        var from = at - rule.Window;
        if (rule.Metric == AlertMetric.CostBurn)
        {
            // Cost since the start of the UTC day, whatever the window (a daily budget is per day).
            if ((rule.BudgetUsd ?? _defaultBudget()) is not { } b || b <= 0)
            {
                return [];
            }

            budget = b;
            from = new DateTimeOffset(at.UtcDateTime.Date, TimeSpan.Zero);
        }

        var result = new List<AlertSample>();
        foreach (var (labels, aggregate) in Aggregates(source, from, at))
        {
            if (ValueOf(rule.Metric, aggregate, rule.Window, budget, grouped: source != Source.Total) is { } value)
            {
                // Unpriced calls are unknown cost, never $0: the instance's annotations say how many the value leaves out.
                var unpriced = rule.Metric is AlertMetric.Cost or AlertMetric.CostBurn ? aggregate.UnpricedRequests : 0;
                result.Add(new AlertSample(labels, value, unpriced));
            }
        }

        return result;
    }

    /// <summary>
    /// The slope per minute of each label set's value over the window (0 when not significant). The step is the window
    /// over <see cref="Trend.WindowPoints"/>, rounded up to a whole multiple of a ring's step so that no bucket is counted in
    /// two points; the points end at the last whole step before <paramref name="at"/>, because the step in progress is
    /// partial and would read as a fall of every count and rate.
    /// </summary>
    private List<AlertSample> ReadTrend(AlertRule rule, Source source, DateTimeOffset at)
    {
        var step = Trend.StepFor(rule.Window, _sources.Cache.Steps);
        var end = at.UtcTicks / step.Ticks * step.Ticks;
        var series = new Dictionary<string, (IReadOnlyDictionary<string, string> Labels, double?[] Values)>(StringComparer.Ordinal);
        for (var i = 0; i < Trend.WindowPoints; i++)
        {
            var from = new DateTimeOffset(end - ((Trend.WindowPoints - i) * step.Ticks), TimeSpan.Zero);
            foreach (var (labels, value) in PointValues(rule, source, from, from + step))
            {
                var key = AlertLabels.Key(labels);
                if (!series.TryGetValue(key, out var points))
                {
                    series[key] = points = (labels, new double?[Trend.WindowPoints]);
                }

                points.Values[i] = value;
            }
        }

        var minutes = step.TotalMinutes;
        return [.. series.Values.Select(s => Trend.Of(s.Values) is var trend && trend.Direction == TrendDirection.Stable
            ? new AlertSample(s.Labels, 0)
            : new AlertSample(s.Labels, trend.Slope / minutes))];
    }

    /// <summary>The rule's metric over [from, to) per label set (cache metrics and otel: metrics).</summary>
    private IEnumerable<(IReadOnlyDictionary<string, string> Labels, double? Value)> PointValues(AlertRule rule, Source source, DateTimeOffset from, DateTimeOffset to)
    {
        if (rule.Metric == AlertMetric.AppMetric)
        {
            return AppMetricValues(rule, from, to).Select(s => (s.Labels, s.Value));
        }

        return Aggregates(source, from, to).Select(a => (a.Labels, ValueOf(rule.Metric, a.Aggregate, to - from, budget: 0, grouped: source != Source.Total)));
    }

    private IEnumerable<(IReadOnlyDictionary<string, string> Labels, WindowAggregate Aggregate)> Aggregates(Source source, DateTimeOffset from, DateTimeOffset to)
    {
        var cache = _sources.Cache;
        switch (source)
        {
            case Source.Total:
                yield return (new Dictionary<string, string>(), cache.Aggregate(SeriesKey.Total, from, to));
                break;
            case Source.Experiment:
                var byExperiment = new Dictionary<string, WindowAggregate>(StringComparer.Ordinal);
                foreach (var key in cache.Keys(SeriesDimension.ExperimentVariant))
                {
                    var experiment = key.IsOverflow ? key.Value : key.VariantParts.Experiment;
                    if (!byExperiment.TryGetValue(experiment, out var sum))
                    {
                        byExperiment[experiment] = sum = new WindowAggregate();
                    }

                    sum.Merge(cache.Aggregate(key, from, to));
                }

                foreach (var (experiment, sum) in byExperiment)
                {
                    yield return (new Dictionary<string, string> { ["experiment"] = experiment }, sum);
                }

                break;
            default:
                var (dimension, label) = source switch
                {
                    Source.Model => (SeriesDimension.Model, "model"),
                    Source.Provider => (SeriesDimension.Provider, "provider"),
                    Source.Operation => (SeriesDimension.Operation, "operation"),
                    Source.Application => (SeriesDimension.Application, "application"),
                    _ => (SeriesDimension.ErrorCategory, "error_category"),
                };
                foreach (var key in cache.Keys(dimension))
                {
                    var labels = new Dictionary<string, string>(StringComparer.Ordinal);
                    if (dimension == SeriesDimension.Model)
                    {
                        var (provider, model) = key.IsOverflow ? (SeriesKey.OverflowValue, SeriesKey.OverflowValue) : key.ModelParts;
                        labels["provider"] = provider;
                        labels["model"] = model;
                    }
                    else
                    {
                        labels[label] = key.Value;
                    }

                    yield return (labels, cache.Aggregate(key, from, to));
                }

                break;
        }
    }

    /// <summary>Why an otel: rule cannot be read (null when it can): a parseable metric, and group by nothing, application or one attr.&lt;name&gt;.</summary>
    private static string? AppMetricError(AlertRule rule)
    {
        if (!AppMetrics.OtelMetricStore.TryParseMetric(rule.AppMetric, out _, out _, out var error))
        {
            return $"metric: {error}.";
        }

        var labels = rule.GroupBy.Distinct(StringComparer.Ordinal).ToArray();
        return labels is [] or ["application"] || (labels is [var one] && one.StartsWith("attr.", StringComparison.Ordinal) && one.Length > 5)
            ? null
            : "An otel: metric is grouped by nothing, application (service.name) or one attr.<attribute name>.";
    }

    /// <summary>One sample per group of the application metric over the window (label application, or the attribute name with non-alphanumerics as '_').</summary>
    private IReadOnlyList<AlertSample> ReadAppMetric(AlertRule rule, DateTimeOffset at) => AppMetricValues(rule, at - rule.Window, at);

    private IReadOnlyList<AlertSample> AppMetricValues(AlertRule rule, DateTimeOffset from, DateTimeOffset to)
    {
        if (_sources.AppMetrics is not { } store || !AppMetrics.OtelMetricStore.TryParseMetric(rule.AppMetric, out var name, out var aggregation, out _))
        {
            return [];
        }

        var groupBy = rule.GroupBy.Count == 0 ? null : rule.GroupBy[0];
        var label = groupBy is null ? null : groupBy == "application" ? "application" : LabelName(groupBy[5..]);
        return [.. store.Values(name, aggregation, groupBy, from, to)
            .Select(v => new AlertSample(label is null ? new Dictionary<string, string>() : new Dictionary<string, string> { [label] = v.Group }, v.Value))];

        static string LabelName(string attribute) => string.Concat(attribute.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));
    }

    /// <summary>The metric's value, or null when the series has no data (a grouped series without calls is absent, like a stale Prometheus series).</summary>
    internal static double? ValueOf(AlertMetric metric, WindowAggregate a, TimeSpan window, decimal budget, bool grouped)
    {
        if (grouped && a.Requests == 0)
        {
            return null;
        }

        return metric switch
        {
            AlertMetric.RequestRate => a.Requests / window.TotalSeconds,
            AlertMetric.ErrorRate => a.Requests == 0 ? null : (double)a.Errors / a.Requests,
            AlertMetric.ErrorCount => a.Errors,
            AlertMetric.LatencyP50 => Quantile(a.Latency, 0.50),
            AlertMetric.LatencyP95 => Quantile(a.Latency, 0.95),
            AlertMetric.LatencyP99 => Quantile(a.Latency, 0.99),
            AlertMetric.TtftP95 => Quantile(a.TimeToFirstToken, 0.95),
            AlertMetric.InputTokens => a.InputTokens,
            AlertMetric.OutputTokens => a.OutputTokens,
            AlertMetric.Cost => (double)a.CostUsd,
            AlertMetric.CostBurn => (double)(a.CostUsd / budget),
            _ => throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{metric} is not a cache metric.")),
        };

        static double? Quantile(LatencySketch sketch, double q) => sketch.Count == 0 ? null : sketch.Quantile(q);
    }
}
