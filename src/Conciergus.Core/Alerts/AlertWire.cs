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
        (AlertMetric.ComplianceOverdueRequests, "compliance_overdue_requests"), (AlertMetric.ComplianceChainFailures, "compliance_chain_failures"),
        (AlertMetric.ComplianceRetentionOverdue, "compliance_retention_overdue"), (AlertMetric.ComplianceConsentMissing, "compliance_consent_missing"),
        (AlertMetric.ComplianceContentCaptured, "compliance_content_captured"),
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

    /// <summary>"error_rate" for ErrorRate ("otel" for an application metric: see <see cref="Name(AlertRule)"/>).</summary>
    public static string Name(AlertMetric metric) => metric == AlertMetric.AppMetric ? "otel" : MetricNames.First(m => m.Metric == metric).Name;

    /// <summary>A rule's metric as written: the wire name, or <c>otel:&lt;instrument&gt;[:&lt;aggregation&gt;]</c>.</summary>
    public static string Name(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return rule.Metric == AlertMetric.AppMetric && rule.AppMetric is { } app ? app : Name(rule.Metric);
    }

    /// <summary>Parses a metric wire name.</summary>
    public static bool TryParseMetric(string? name, out AlertMetric metric)
    {
        if (name is not null && name.StartsWith(AppMetrics.OtelMetricStore.MetricPrefix, StringComparison.Ordinal))
        {
            metric = AlertMetric.AppMetric;
            return true;
        }

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

    /// <summary>Parses "critical", "high", "medium", "low".</summary>
    public static bool TryParseSeverity(string? name, out AlertSeverity severity)
    {
        foreach (var s in Enum.GetValues<AlertSeverity>())
        {
            if (string.Equals(Name(s), name, StringComparison.Ordinal))
            {
                severity = s;
                return true;
            }
        }

        severity = default;
        return false;
    }

    /// <summary>Parses "ok", "keep_last_state", "alerting", "no_data".</summary>
    public static bool TryParseNoData(string? name, out AlertNoDataPolicy policy)
    {
        foreach (var p in Enum.GetValues<AlertNoDataPolicy>())
        {
            if (string.Equals(Name(p), name, StringComparison.Ordinal))
            {
                policy = p;
                return true;
            }
        }

        policy = default;
        return false;
    }

    /// <summary>Parses "pending", "firing", "resolved".</summary>
    public static bool TryParseState(string? name, out AlertState state)
    {
        foreach (var s in Enum.GetValues<AlertState>())
        {
            if (string.Equals(Name(s), name, StringComparison.Ordinal))
            {
                state = s;
                return true;
            }
        }

        state = default;
        return false;
    }

    /// <summary>"pending", "active", "expired".</summary>
    public static string Name(SilenceState state) => state.ToString().ToLowerInvariant();

    /// <summary>Prometheus-style duration: "0s", "90s" -> "1m30s", "2h", "1d" (largest units first, no fractions below a second).</summary>
    public static string FormatDuration(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return "0s";
        }

        var sb = new System.Text.StringBuilder();
        var days = (long)duration.TotalDays;
        if (days > 0)
        {
            sb.Append(days.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('d');
        }

        Part(sb, duration.Hours, 'h');
        Part(sb, duration.Minutes, 'm');
        if (duration.Seconds > 0 || duration.Milliseconds > 0 || sb.Length == 0)
        {
            if (duration.Milliseconds > 0)
            {
                if (duration.Seconds > 0)
                {
                    sb.Append(duration.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('s');
                }

                sb.Append(duration.Milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("ms");
            }
            else
            {
                sb.Append(duration.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('s');
            }
        }

        return sb.ToString();

        static void Part(System.Text.StringBuilder sb, int value, char unit)
        {
            if (value > 0)
            {
                sb.Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(unit);
            }
        }
    }

    /// <summary>Parses a Prometheus duration ("0s", "1m", "2m30s", "1h", "1d", "500ms"; units d h m s ms, largest first).</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        if (text == "0")
        {
            return true;
        }

        var i = 0;
        var lastRank = int.MaxValue;
        long ticks = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == start || i - start > 9)
            {
                return false;
            }

            var number = long.Parse(text.AsSpan(start, i - start), System.Globalization.CultureInfo.InvariantCulture);
            var unitStart = i;
            while (i < text.Length && char.IsAsciiLetterLower(text[i]))
            {
                i++;
            }

            (long unitTicks, int rank) = text[unitStart..i] switch
            {
                "d" => (TimeSpan.TicksPerDay, 5),
                "h" => (TimeSpan.TicksPerHour, 4),
                "m" => (TimeSpan.TicksPerMinute, 3),
                "s" => (TimeSpan.TicksPerSecond, 2),
                "ms" => (TimeSpan.TicksPerMillisecond, 1),
                _ => (0L, 0),
            };
            if (rank == 0 || rank >= lastRank)
            {
                return false;
            }

            lastRank = rank;
            ticks += number * unitTicks;
            if (ticks > TimeSpan.FromDays(3650).Ticks)
            {
                return false;
            }
        }

        duration = TimeSpan.FromTicks(ticks);
        return true;
    }
}
