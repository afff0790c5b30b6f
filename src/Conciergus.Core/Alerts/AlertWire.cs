namespace Conciergus.Core.Alerts;

/// <summary>Wire names of the alert enums (API and UI): snake_case metrics, symbolic operators, lower-case states.</summary>
public static class AlertWire
{
    private static readonly (AlertMetric Metric, string Name)[] MetricNames =
    [
        (AlertMetric.RequestRate, "request_rate"), (AlertMetric.ErrorRate, "error_rate"), (AlertMetric.ErrorCount, "error_count"),
        (AlertMetric.LatencyP50, "latency_p50"), (AlertMetric.LatencyP95, "latency_p95"), (AlertMetric.LatencyP99, "latency_p99"),
        (AlertMetric.TtftP95, "ttft_p95"), (AlertMetric.InputTokens, "input_tokens"), (AlertMetric.OutputTokens, "output_tokens"),
        (AlertMetric.Cost, "cost"), (AlertMetric.CostBurn, "cost_burn"), (AlertMetric.UserCost, "user_cost"),
        (AlertMetric.IngestionDrops, "ingestion_drops"), (AlertMetric.ExperimentSrm, "experiment_srm"),
    ];

    private static readonly (AlertOperator Operator, string Symbol)[] OperatorSymbols =
    [
        (AlertOperator.GreaterThan, ">"), (AlertOperator.GreaterOrEqual, ">="), (AlertOperator.LessThan, "<"),
        (AlertOperator.LessOrEqual, "<="), (AlertOperator.Equal, "=="), (AlertOperator.NotEqual, "!="),
    ];

    private static readonly (MatchOperator Operator, string Symbol)[] MatchSymbols =
    [
        (MatchOperator.Equal, "="), (MatchOperator.NotEqual, "!="), (MatchOperator.Regex, "=~"), (MatchOperator.NotRegex, "!~"),
    ];

    /// <summary>All metric wire names, in enum order.</summary>
    public static IReadOnlyList<string> Metrics { get; } = MetricNames.Select(m => m.Name).ToArray();

    /// <summary>All operator symbols, in enum order.</summary>
    public static IReadOnlyList<string> Operators { get; } = OperatorSymbols.Select(o => o.Symbol).ToArray();

    /// <summary>Group-by labels a rule may use.</summary>
    public static IReadOnlyList<string> GroupByLabels { get; } = ["model", "provider", "application", "user", "operation", "error_category", "experiment"];

    /// <summary>"error_rate" for ErrorRate.</summary>
    public static string Name(AlertMetric metric) => MetricNames.First(m => m.Metric == metric).Name;

    /// <summary>Parses a metric wire name.</summary>
    public static bool TryParseMetric(string? name, out AlertMetric metric)
    {
        foreach (var (m, n) in MetricNames)
        {
            if (string.Equals(n, name, StringComparison.Ordinal))
            {
                metric = m;
                return true;
            }
        }

        metric = default;
        return false;
    }

    /// <summary>">" for GreaterThan.</summary>
    public static string Symbol(AlertOperator op) => OperatorSymbols.First(o => o.Operator == op).Symbol;

    /// <summary>Parses an operator symbol.</summary>
    public static bool TryParseOperator(string? symbol, out AlertOperator op)
    {
        foreach (var (o, s) in OperatorSymbols)
        {
            if (string.Equals(s, symbol, StringComparison.Ordinal))
            {
                op = o;
                return true;
            }
        }

        op = default;
        return false;
    }

    /// <summary>"=~" for Regex.</summary>
    public static string Symbol(MatchOperator op) => MatchSymbols.First(o => o.Operator == op).Symbol;

    /// <summary>Parses a matcher operator.</summary>
    public static bool TryParseMatch(string? symbol, out MatchOperator op)
    {
        foreach (var (o, s) in MatchSymbols)
        {
            if (string.Equals(s, symbol, StringComparison.Ordinal))
            {
                op = o;
                return true;
            }
        }

        op = default;
        return false;
    }

    /// <summary>"pending", "firing", "resolved".</summary>
    public static string Name(AlertState state) => state.ToString().ToLowerInvariant();

    /// <summary>"critical", "high", ...</summary>
    public static string Name(AlertSeverity severity) => severity.ToString().ToLowerInvariant();

    /// <summary>"ok", "keep_last_state", "alerting", "no_data".</summary>
    public static string Name(AlertNoDataPolicy policy) => policy switch
    {
        AlertNoDataPolicy.KeepLastState => "keep_last_state",
        AlertNoDataPolicy.Alerting => "alerting",
        AlertNoDataPolicy.NoData => "no_data",
        _ => "ok",
    };
}
