using System.Globalization;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>
/// Filtered read models (issue 14 "slice anything"). A filter (and group-by) that the in-memory series answer exactly
/// is served from the time-series cache; any other slice is one aggregate query to the operation store. Both give the
/// same counts, tokens and cost; percentiles agree within the sketch's 2%. When a slice needs the store and the store
/// cannot answer, a <see cref="SliceUnavailableException"/> says why (never a silently unfiltered answer).
/// </summary>
public sealed partial class AnalyticsService
{
    /// <summary>Group-by names the read API accepts besides <c>metadata.&lt;key&gt;</c>.</summary>
    public static IReadOnlyList<string> GroupByNames { get; } =
    [
        "model", "provider", "operation", "application", "environment", "function", "user", "session", "experiment", "variant",
        "status", "errorCategory", "day",
    ];

    /// <summary>Tests force the store path to compare it with the memory path on the same operations.</summary>
    internal bool ForceStore { get; set; }

    /// <summary>Whether the operation store can answer a slice now, and why not.</summary>
    public (bool Available, string? Reason) StoreAvailability()
    {
        if (_store is null)
        {
            return (false, "the operation store is not configured");
        }

        var status = _store.Status;
        return status.State switch
        {
            OperationStoreState.Healthy => (true, null),
            OperationStoreState.Disabled => (false, "the operation store is switched off by configuration"),
            OperationStoreState.Starting => (false, "the operation store is still opening"),
            _ => (false, $"the operation store is degraded: {status.Reason ?? "unknown reason"}"),
        };
    }

    /// <summary>Normalises a group-by name ("error_category" and "errorCategory", any case for fixed names); false when it is not one.</summary>
    public static bool TryNormalizeGroupBy(string? name, out string groupBy)
    {
        groupBy = "";
        if (string.IsNullOrWhiteSpace(name))
        {
            return false;
        }

        var trimmed = name.Trim();
        if (string.Equals(trimmed, "error_category", StringComparison.OrdinalIgnoreCase))
        {
            groupBy = FilterFields.ErrorCategory;
            return true;
        }

        if (string.Equals(trimmed, "day", StringComparison.OrdinalIgnoreCase))
        {
            groupBy = "day";
            return true;
        }

        return FilterFields.TryNormalize(trimmed, out groupBy);
    }

    /// <summary>Whether the in-memory series answer this filter (and group-by) exactly; otherwise the store does.</summary>
    public bool IsServedFromMemory(OperationFilter filter, string? groupBy = null)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (ForceStore)
        {
            return false;
        }

        if (groupBy is null)
        {
            return TrySeriesFor(filter, out _);
        }

        return groupBy switch
        {
            "day" => TrySeriesFor(filter, out _),
            FilterFields.User => filter.IsEmpty && !StoreAvailability().Available,
            _ => DimensionOf(groupBy) is { } dimension && TryGroupKeys(filter, dimension, out _),
        };
    }

    /// <summary>Totals over the last <paramref name="window"/> for the operations that pass <paramref name="filter"/>.</summary>
    public Task<SummaryReport> SummaryAsync(TimeSpan window, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        var (from, to) = Range(window);
        return SummaryBetweenAsync(from, to, filter, cancellationToken);
    }

    /// <summary>As <see cref="SummaryAsync"/> for the window just before: [now - 2 window, now - window).</summary>
    public Task<SummaryReport> PreviousSummaryAsync(TimeSpan window, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        var (from, _) = Range(window);
        return SummaryBetweenAsync(from - window, from, filter, cancellationToken);
    }

    /// <summary>One row per provider + model among the filtered operations, most requests first.</summary>
    public async Task<IReadOnlyList<ModelReport>> ModelsAsync(TimeSpan window, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (from, to) = Range(window);
        var rows = new List<ModelReport>();
        if (IsServedFromMemory(filter, FilterFields.Model) && TryGroupKeys(filter, SeriesDimension.Model, out var keys))
        {
            foreach (var key in keys)
            {
                var aggregate = _cache.Aggregate(key, from, to);
                if (aggregate.Requests > 0)
                {
                    var (provider, model) = key.ModelParts;
                    rows.Add(new ModelReport { Provider = provider, Model = model, Priced = aggregate.UnpricedRequests == 0, Stats = ToSummary(aggregate, from, to) });
                }
            }
        }
        else
        {
            var (alignedFrom, _) = Aligned(from);
            foreach (var row in await StoreAsync(new OperationQuery { From = alignedFrom, To = to, Filter = filter, GroupBy = FilterFields.Model }, cancellationToken).ConfigureAwait(false))
            {
                if (row.Requests > 0)
                {
                    rows.Add(new ModelReport { Provider = row.Provider ?? "unknown", Model = row.Group ?? "unknown", Priced = row.UnpricedRequests == 0, Stats = ToSummary(row, from, to) });
                }
            }
        }

        return rows.OrderByDescending(r => r.Stats.Requests).ThenBy(r => r.Provider, StringComparer.Ordinal).ThenBy(r => r.Model, StringComparer.Ordinal).ToList();
    }

    /// <summary>Cost of the filtered operations grouped by <paramref name="groupBy"/> (a normalised group-by name).</summary>
    public async Task<CostBreakdown> CostsAsync(TimeSpan window, string groupBy, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(groupBy);
        if (filter.IsEmpty && !ForceStore && LegacyCostGroup(groupBy) is { } legacy && (legacy != CostGroupBy.User || !StoreAvailability().Available))
        {
            return Costs(window, legacy);
        }

        var (from, to) = Range(window);
        var groups = new List<(string Key, Acc Sum)>();
        WindowAggregate total;
        if (groupBy == "day")
        {
            if (IsServedFromMemory(filter, groupBy) && TrySeriesFor(filter, out var keys))
            {
                total = Sum(keys, from, to);
                for (var day = new DateTimeOffset(from.UtcDateTime.Date, TimeSpan.Zero); day < to; day = day.AddDays(1))
                {
                    var a = Sum(keys, Max(from, day), Min(to, day.AddDays(1)));
                    if (a.Requests > 0)
                    {
                        groups.Add((DayKey(day), Acc.Of(a)));
                    }
                }
            }
            else
            {
                var (alignedFrom, _) = Aligned(from);
                var rows = await StoreAsync(new OperationQuery { From = alignedFrom, To = to, Filter = filter, Step = TimeSpan.FromDays(1) }, cancellationToken).ConfigureAwait(false);
                total = new WindowAggregate();
                foreach (var row in rows.Where(r => r.Requests > 0 && r.Bucket is not null))
                {
                    groups.Add((DayKey(row.Bucket!.Value), Acc.Of(row)));
                    AddTo(total, row);
                }
            }
        }
        else if (IsServedFromMemory(filter, groupBy) && DimensionOf(groupBy) is { } dimension && TryGroupKeys(filter, dimension, out var keys))
        {
            // The total is the filter's, also when some operations have no value for the group (no environment, ...).
            total = Sum(TrySeriesFor(filter, out var filterKeys) ? filterKeys : keys, from, to);
            foreach (var key in keys)
            {
                var a = _cache.Aggregate(key, from, to);
                if (a.Requests > 0)
                {
                    groups.Add((DisplayKey(key), Acc.Of(a)));
                }
            }
        }
        else
        {
            var (alignedFrom, _) = Aligned(from);
            total = ToAggregate(await StoreTotalAsync(alignedFrom, to, filter, cancellationToken).ConfigureAwait(false));
            foreach (var (key, row) in await StoreGroupsAsync(alignedFrom, to, filter, groupBy, null, cancellationToken).ConfigureAwait(false))
            {
                groups.Add((key, Acc.Of(row)));
            }
        }

        var totalUsd = total.CostUsd;
        var result = groups
            .OrderByDescending(g => g.Sum.Cost).ThenByDescending(g => g.Sum.Requests).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new CostGroup(g.Key, g.Sum.Cost, g.Sum.Requests, g.Sum.Input, g.Sum.Output, totalUsd == 0 ? 0 : (double)(g.Sum.Cost / totalUsd), g.Sum.Unpriced))
            .ToList();
        return new CostBreakdown(groupBy, totalUsd, total.UnpricedRequests, result);
    }

    /// <summary>A metric of the filtered operations over the window in steps, one line per group (or one "total" line).</summary>
    /// <exception cref="ArgumentException">The step does not fit the cache's resolutions, or would produce too many points.</exception>
    public async Task<TimeSeriesReport> TimeSeriesAsync(
        TimeSeriesMetric metric, TimeSpan window, TimeSpan? step, string? groupBy, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (StepError(window, step) is { } error)
        {
            throw new ArgumentException(error, nameof(step));
        }

        var (from, to) = Range(window);
        var effectiveStep = step ?? DefaultStep(window, ResolutionFor(window));
        var lines = new List<TimeSeriesLine>();
        if (groupBy is null)
        {
            lines.Add(await LineCoreAsync(metric, from, to, effectiveStep, filter, "total", cancellationToken).ConfigureAwait(false));
        }
        else if (groupBy != "day" && IsServedFromMemory(filter, groupBy) && DimensionOf(groupBy) is { } dimension && TryGroupKeys(filter, dimension, out var keys))
        {
            var top = keys
                .Select(k => (Key: k, Requests: _cache.Aggregate(k, from, to).Requests))
                .Where(k => k.Requests > 0)
                .OrderByDescending(k => k.Requests).ThenBy(k => k.Key.Value, StringComparer.Ordinal)
                .Take(MaxLines);
            foreach (var (key, _) in top)
            {
                lines.Add(new TimeSeriesLine(DisplayKey(key), ToPoints(_cache.Range(key, from, to, effectiveStep), metric, effectiveStep, to)));
            }
        }
        else
        {
            var firstStart = new DateTimeOffset(from.UtcTicks / effectiveStep.Ticks * effectiveStep.Ticks, TimeSpan.Zero);
            var grouped = await StoreGroupsAsync(firstStart, to, filter, groupBy == "day" ? null : groupBy, effectiveStep, cancellationToken).ConfigureAwait(false);
            foreach (var line in grouped
                .GroupBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (Key: g.Key, Rows: g.Select(x => x.Row).ToList()))
                .OrderByDescending(g => g.Rows.Sum(r => r.Requests)).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(MaxLines))
            {
                lines.Add(new TimeSeriesLine(line.Key, StorePoints(line.Rows, firstStart, to, effectiveStep, metric)));
            }
        }

        return new TimeSeriesReport(ToWireName(metric), (long)effectiveStep.TotalMilliseconds, lines);
    }

    /// <summary>One metric of the filtered operations over the last <paramref name="window"/> in steps (panels' charts).</summary>
    public async Task<TimeSeriesLine> LineAsync(TimeSeriesMetric metric, TimeSpan window, TimeSpan step, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (from, to) = Range(window);
        return await LineCoreAsync(metric, from, to, step, filter, "total", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Failures of the filtered operations over the window by category.</summary>
    public async Task<ErrorReport> ErrorsAsync(TimeSpan window, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty && !ForceStore)
        {
            return Errors(window);
        }

        var (from, to) = Range(window);
        var recent = _recentErrors.Between(from, to).Where(filter.Matches).ToList();
        var rows = new List<(string Category, long Count, DateTimeOffset? LastSeen)>();
        if (IsServedFromMemory(filter, FilterFields.ErrorCategory) && TryGroupKeys(filter, SeriesDimension.ErrorCategory, out var keys))
        {
            foreach (var key in keys)
            {
                var a = _cache.Aggregate(key, from, to);
                if (a.Requests > 0)
                {
                    rows.Add((key.Value, a.Requests, a.LastSeen));
                }
            }
        }
        else
        {
            // Failed operations only: the status clause, if any, is narrowed to "error" (a filter of only "ok" has none).
            var status = filter.Clause(FilterFields.Status);
            if (status is null || status.Values.Contains("error"))
            {
                var clauses = filter.Clauses.Where(c => c.Field != FilterFields.Status).Append(new FilterClause(FilterFields.Status, ["error"])).ToList();
                var (alignedFrom, _) = Aligned(from);
                var stored = await StoreAsync(new OperationQuery { From = alignedFrom, To = to, Filter = new OperationFilter(clauses), GroupBy = FilterFields.ErrorCategory }, cancellationToken).ConfigureAwait(false);

                // As in the cache: a failure the categoriser did not reach counts as "unknown", never "none".
                foreach (var g in stored.Where(r => r.Requests > 0).GroupBy(r => r.Group is null or "none" ? "unknown" : r.Group, StringComparer.Ordinal))
                {
                    rows.Add((g.Key, g.Sum(r => r.Requests), g.Max(r => r.LastSeen)));
                }
            }
        }

        var total = rows.Sum(r => r.Count);
        var categories = rows
            .OrderByDescending(r => r.Count).ThenBy(r => r.Category, StringComparer.Ordinal)
            .Select(r => new ErrorCategoryRow(
                r.Category,
                r.Count,
                total == 0 ? 0 : (double)r.Count / total,
                r.LastSeen,
                recent.FirstOrDefault(op => CategoryOf(op) == r.Category) is { } op ? ToSample(op) : null))
            .ToList();
        return new ErrorReport(total, categories);
    }

    /// <summary>The kept failures of the window that pass the filter, newest first.</summary>
    public IReadOnlyList<ErrorSample> RecentErrorSamples(TimeSpan window, int limit, OperationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (from, to) = Range(window);
        return _recentErrors.Between(from, to).Where(filter.Matches).Take(limit).Select(ToSample).ToList();
    }

    /// <summary>Values seen for a filter field in the window, most frequent first when the store answers (autocomplete).</summary>
    public async Task<IReadOnlyList<string>> FilterValuesAsync(string field, TimeSpan window, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(field);
        switch (field)
        {
            case FilterFields.Status:
                return ["ok", "error"];
            case FilterFields.ErrorCategory:
                return Enum.GetValues<ErrorCategory>().Select(c => c.ToWireName()).ToList();
        }

        if (StoreAvailability().Available)
        {
            var (from, to) = Range(window);
            try
            {
                return await _store!.DistinctValuesAsync(field, from, to, limit, cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Autocomplete falls back to what the cache knows; the store's failure shows on the health page.
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
            {
            }
        }

        var dimension = DimensionOf(field);
        if (dimension is null)
        {
            return [];
        }

        var keys = _cache.Keys(dimension.Value).Where(k => !k.IsOverflow);
        IEnumerable<string> values = dimension == SeriesDimension.Model
            ? keys.Select(k => k.ModelParts.Model)
            : keys.Select(k => k.Value);
        return values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Take(limit).ToList();
    }

    /// <summary>One row per series of <paramref name="dimension"/> among the filtered operations, most requests first.</summary>
    public async Task<IReadOnlyList<GroupReport>> GroupsAsync(TimeSpan window, SeriesDimension dimension, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty && !ForceStore)
        {
            return Groups(window, dimension);
        }

        var (from, to) = Range(window);
        var field = FieldOf(dimension);
        var rows = new List<GroupReport>();
        if (field is not null && IsServedFromMemory(filter, field) && TryGroupKeys(filter, dimension, out var keys))
        {
            foreach (var key in keys)
            {
                var a = _cache.Aggregate(key, from, to);
                if (a.Requests > 0)
                {
                    rows.Add(new GroupReport(key, DisplayKey(key), ToSummary(a, from, to)));
                }
            }
        }
        else if (field is not null)
        {
            var (alignedFrom, _) = Aligned(from);
            foreach (var (display, row) in await StoreGroupsAsync(alignedFrom, to, filter, field, null, cancellationToken).ConfigureAwait(false))
            {
                var key = dimension == SeriesDimension.Model ? SeriesKey.ForModel(row.Provider ?? "unknown", row.Group ?? "unknown") : new SeriesKey(dimension, display);
                rows.Add(new GroupReport(key, display, ToSummary(row, from, to)));
            }
        }

        return rows.OrderByDescending(r => r.Stats.Requests).ThenBy(r => r.Display, StringComparer.Ordinal).ToList();
    }

    /// <summary>Top spenders among the filtered operations (the per-day ledger without a filter).</summary>
    public async Task<IReadOnlyList<UserCostRow>> TopUsersAsync(TimeSpan window, int limit, OperationFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty && !ForceStore)
        {
            return TopUsers(window, limit);
        }

        var costs = await CostsAsync(window, FilterFields.User, filter, cancellationToken).ConfigureAwait(false);
        return costs.Groups.Take(limit).Select(g => new UserCostRow(g.Key, g.CostUsd, g.Requests, g.InputTokens, g.OutputTokens)).ToList();
    }

    /// <summary>As <see cref="TopErrorTypes(TimeSpan, int)"/> over the kept failures that pass the filter.</summary>
    public IReadOnlyList<ErrorTypeRow> TopErrorTypes(TimeSpan window, int limit, OperationFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var (from, to) = Range(window);
        return _recentErrors.Between(from, to)
            .Where(filter.Matches)
            .GroupBy(op => (Type: op.Error?.Type ?? op.ErrorCategory.ToString(), Message: Redact(op.Error?.Message)))
            .Select(g => new ErrorTypeRow(g.Key.Type, g.Key.Message, g.Count(), g.Max(op => op.EndTime), g.First().TraceId))
            .OrderByDescending(r => r.Count).ThenByDescending(r => r.LastSeen)
            .Take(limit)
            .ToList();
    }

    /// <summary>The filter with <paramref name="field"/> narrowed to one value (a row of a filtered table, its own line).</summary>
    public static OperationFilter Narrow(OperationFilter filter, string field, string value)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var clauses = filter.Clauses.Where(c => c.Field != field).Append(new FilterClause(field, [value])).ToList();
        return new OperationFilter(clauses);
    }

    /// <summary>The filter field of a cache dimension (null for the total and experiment variants, which have none).</summary>
    public static string? FieldOf(SeriesDimension dimension) => dimension switch
    {
        SeriesDimension.Model => FilterFields.Model,
        SeriesDimension.Provider => FilterFields.Provider,
        SeriesDimension.Operation => FilterFields.Operation,
        SeriesDimension.Application => FilterFields.Application,
        SeriesDimension.Environment => FilterFields.Environment,
        SeriesDimension.FunctionId => FilterFields.Function,
        SeriesDimension.ErrorCategory => FilterFields.ErrorCategory,
        SeriesDimension.ExperimentVariant => FilterFields.Experiment,
        _ => null,
    };

    private async Task<SummaryReport> SummaryBetweenAsync(DateTimeOffset from, DateTimeOffset to, OperationFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (IsServedFromMemory(filter) && TrySeriesFor(filter, out var keys))
        {
            return ToSummary(Sum(keys, from, to), from, to);
        }

        var (alignedFrom, _) = Aligned(from);
        var row = await StoreTotalAsync(alignedFrom, to, filter, cancellationToken).ConfigureAwait(false);
        return ToSummary(row, from, to);
    }

    private async Task<TimeSeriesLine> LineCoreAsync(
        TimeSeriesMetric metric, DateTimeOffset from, DateTimeOffset to, TimeSpan step, OperationFilter filter, string name, CancellationToken cancellationToken)
    {
        if (IsServedFromMemory(filter) && TrySeriesFor(filter, out var keys))
        {
            if (keys.Count == 1)
            {
                return new TimeSeriesLine(name, ToPoints(_cache.Range(keys[0], from, to, step), metric, step, to));
            }

            // Several series (model=a,b): merge them step by step (sketches merge, so percentiles stay within 2%).
            var ranges = keys.Select(k => _cache.Range(k, from, to, step)).ToList();
            var merged = new List<BucketPoint>();
            var empty = _cache.Range(SeriesKey.Total, from, to, step);
            for (var i = 0; i < empty.Count; i++)
            {
                var sum = new WindowAggregate();
                foreach (var range in ranges)
                {
                    sum.Merge(range[i].Aggregate);
                }

                merged.Add(new BucketPoint(empty[i].Start, sum));
            }

            return new TimeSeriesLine(name, ToPoints(merged, metric, step, to));
        }

        var firstStart = new DateTimeOffset(from.UtcTicks / step.Ticks * step.Ticks, TimeSpan.Zero);
        var rows = await StoreAsync(new OperationQuery { From = firstStart, To = to, Filter = filter, Step = step }, cancellationToken).ConfigureAwait(false);
        return new TimeSeriesLine(name, StorePoints(rows, firstStart, to, step, metric));
    }

    /// <summary>The series whose sum is exactly the operations passing the filter (empty list: none can pass).</summary>
    private bool TrySeriesFor(OperationFilter filter, out IReadOnlyList<SeriesKey> keys)
    {
        if (filter.IsEmpty)
        {
            keys = [SeriesKey.Total];
            return true;
        }

        keys = [];
        if (filter.Clauses.Count != 1)
        {
            return false;
        }

        var clause = filter.Clauses[0];
        if (DimensionOf(clause.Field) is not { } dimension || !MemoryExact(clause))
        {
            return false;
        }

        return TryGroupKeys(filter, dimension, out keys);
    }

    /// <summary>
    /// The series of <paramref name="dimension"/> that make up the filtered operations, grouped by that dimension: all of
    /// them without a filter; the matching ones when the one clause is on that dimension (or on provider, for models).
    /// False when an operation passing the filter could sit in the overflow series.
    /// </summary>
    private bool TryGroupKeys(OperationFilter filter, SeriesDimension dimension, out IReadOnlyList<SeriesKey> keys)
    {
        keys = [];
        var all = _cache.Keys(dimension);
        if (filter.IsEmpty)
        {
            keys = all;
            return true;
        }

        if (filter.Clauses.Count != 1 || !MemoryExact(filter.Clauses[0]))
        {
            return false;
        }

        var clause = filter.Clauses[0];
        Func<SeriesKey, string> valueOf;
        if (DimensionOf(clause.Field) == dimension)
        {
            valueOf = dimension == SeriesDimension.Model ? k => k.ModelParts.Model : k => k.Value;
        }
        else if (dimension == SeriesDimension.Model && clause.Field == FilterFields.Provider)
        {
            valueOf = k => k.ModelParts.Provider;
        }
        else
        {
            return false;
        }

        var matching = all.Where(k => !k.IsOverflow && clause.Values.Contains(valueOf(k), StringComparer.Ordinal)).ToList();
        var hasOverflow = all.Any(k => k.IsOverflow);
        if (hasOverflow && clause.Values.Any(v => !matching.Any(k => valueOf(k) == v)))
        {
            // A value without its own series may have gone to the overflow series: only the store knows.
            return false;
        }

        keys = matching;
        return true;
    }

    /// <summary>Whether the cache's series of the clause's dimension hold exactly the operations with those values.</summary>
    private static bool MemoryExact(FilterClause clause) => clause.Field switch
    {
        // A failed operation without a category is in the "unknown" series, and "none" is every successful call.
        FilterFields.ErrorCategory => !clause.Values.Any(v => v is "none" or "unknown"),

        // The cache's experiment series are per "key/variant"; an experiment filter reads the store.
        FilterFields.Experiment => false,
        _ => !clause.Values.Contains(SeriesKey.OverflowValue, StringComparer.Ordinal),
    };

    /// <summary>The cache dimension of a filter or group-by field, when the cache keeps one.</summary>
    private static SeriesDimension? DimensionOf(string field) => field switch
    {
        FilterFields.Model => SeriesDimension.Model,
        FilterFields.Provider => SeriesDimension.Provider,
        FilterFields.Operation => SeriesDimension.Operation,
        FilterFields.Application => SeriesDimension.Application,
        FilterFields.Environment => SeriesDimension.Environment,
        FilterFields.Function => SeriesDimension.FunctionId,
        FilterFields.ErrorCategory => SeriesDimension.ErrorCategory,
        FilterFields.Experiment => SeriesDimension.ExperimentVariant,
        _ => null,
    };

    private static CostGroupBy? LegacyCostGroup(string groupBy) => groupBy switch
    {
        FilterFields.Model => CostGroupBy.Model,
        FilterFields.Provider => CostGroupBy.Provider,
        FilterFields.Operation => CostGroupBy.Operation,
        FilterFields.Application => CostGroupBy.Application,
        FilterFields.User => CostGroupBy.User,
        FilterFields.Experiment => CostGroupBy.Experiment,
        "day" => CostGroupBy.Day,
        _ => null,
    };

    private WindowAggregate Sum(IReadOnlyList<SeriesKey> keys, DateTimeOffset from, DateTimeOffset to)
    {
        var sum = new WindowAggregate();
        foreach (var key in keys)
        {
            sum.Merge(_cache.Aggregate(key, from, to));
        }

        return sum;
    }

    /// <summary>The window start widened to the grid the cache reads it on, so store and memory count the same operations.</summary>
    private (DateTimeOffset From, TimeSpan Step) Aligned(DateTimeOffset from)
    {
        var step = _cache.StepFor(from);
        return (new DateTimeOffset(from.UtcTicks / step.Ticks * step.Ticks, TimeSpan.Zero), step);
    }

    private async Task<IReadOnlyList<OperationAggregateRow>> StoreAsync(OperationQuery query, CancellationToken cancellationToken)
    {
        var (available, reason) = StoreAvailability();
        if (!available)
        {
            throw new SliceUnavailableException($"This slice needs the operation store, and {reason}. Filters on one of model, provider, operation, application, environment, function or errorCategory (alone) are answered from memory.");
        }

        try
        {
            return await _store!.AggregateAsync(query, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not SliceUnavailableException)
        {
            throw new SliceUnavailableException($"The operation store could not answer this slice: {ex.Message}", ex);
        }
    }

    private async Task<OperationAggregateRow> StoreTotalAsync(DateTimeOffset from, DateTimeOffset to, OperationFilter filter, CancellationToken cancellationToken)
    {
        var rows = await StoreAsync(new OperationQuery { From = from, To = to, Filter = filter }, cancellationToken).ConfigureAwait(false);
        return rows.Count switch
        {
            0 => new OperationAggregateRow(),
            1 => rows[0],
            _ => throw new SliceUnavailableException("The operation store answered a total with several rows."),
        };
    }

    /// <summary>Store rows keyed as the memory path names groups ("provider/model", "experiment/variant"); groups without a value are left out, as in the series.</summary>
    private async Task<IReadOnlyList<(string Key, OperationAggregateRow Row)>> StoreGroupsAsync(
        DateTimeOffset from, DateTimeOffset to, OperationFilter filter, string? groupBy, TimeSpan? step, CancellationToken cancellationToken)
    {
        var result = new List<(string, OperationAggregateRow)>();
        if (groupBy is null)
        {
            foreach (var row in await StoreAsync(new OperationQuery { From = from, To = to, Filter = filter, Step = step }, cancellationToken).ConfigureAwait(false))
            {
                result.Add(("total", row));
            }

            return result;
        }

        if (groupBy == FilterFields.Experiment)
        {
            // The cache keeps one series per experiment variant ("key/variant"): one query per experiment gives the same groups.
            var experiments = await StoreAsync(new OperationQuery { From = from, To = to, Filter = filter, GroupBy = FilterFields.Experiment }, cancellationToken).ConfigureAwait(false);
            foreach (var experiment in experiments.Where(e => e.Group is { Length: > 0 } && e.Requests > 0).Select(e => e.Group!).Distinct(StringComparer.Ordinal))
            {
                var clauses = filter.Clauses.Where(c => c.Field != FilterFields.Experiment).Append(new FilterClause(FilterFields.Experiment, [experiment])).ToList();
                if (filter.Clause(FilterFields.Experiment) is { } existing && !existing.Values.Contains(experiment, StringComparer.Ordinal))
                {
                    continue;
                }

                foreach (var row in await StoreAsync(new OperationQuery { From = from, To = to, Filter = new OperationFilter(clauses), GroupBy = FilterFields.Variant, Step = step }, cancellationToken).ConfigureAwait(false))
                {
                    result.Add((SeriesKey.VariantValue(experiment, row.Group ?? ""), row));
                }
            }

            return result;
        }

        if (groupBy == FilterFields.ErrorCategory)
        {
            // As the cache's category series: failed operations only, and an uncategorised failure is "unknown".
            if (filter.Clause(FilterFields.Status) is { } status && !status.Values.Contains("error"))
            {
                return result;
            }

            filter = new OperationFilter(filter.Clauses.Where(c => c.Field != FilterFields.Status).Append(new FilterClause(FilterFields.Status, ["error"])).ToList());
        }

        foreach (var row in await StoreAsync(new OperationQuery { From = from, To = to, Filter = filter, GroupBy = groupBy, Step = step }, cancellationToken).ConfigureAwait(false))
        {
            if (row.Group is null)
            {
                continue;
            }

            var key = groupBy switch
            {
                FilterFields.Model => $"{row.Provider ?? "unknown"}/{row.Group}",
                FilterFields.ErrorCategory when row.Group == "none" => "unknown",
                _ => row.Group,
            };
            result.Add((key, row));
        }

        return result;
    }

    private static List<double?[]> StorePoints(IReadOnlyList<OperationAggregateRow> rows, DateTimeOffset firstStart, DateTimeOffset to, TimeSpan step, TimeSeriesMetric metric)
    {
        var count = to <= firstStart ? 0 : (int)(((to.UtcTicks - firstStart.UtcTicks - 1) / step.Ticks) + 1);
        var byIndex = new OperationAggregateRow?[count];
        foreach (var row in rows)
        {
            if (row.Bucket is not { } bucket)
            {
                continue;
            }

            var index = (bucket.UtcTicks - firstStart.UtcTicks) / step.Ticks;
            if (index >= 0 && index < count)
            {
                byIndex[index] = row;
            }
        }

        var points = new List<double?[]>(count);
        for (var i = 0; i < count; i++)
        {
            var start = firstStart.UtcTicks + (i * step.Ticks);
            var row = byIndex[i] ?? new OperationAggregateRow();
            var startTime = new DateTimeOffset(start, TimeSpan.Zero);
            points.Add([startTime.ToUnixTimeMilliseconds(), Value(row, metric, ChartStep.Elapsed(startTime, step, to))]);
        }

        return points;
    }

    private static double? Value(OperationAggregateRow r, TimeSeriesMetric metric, TimeSpan elapsed) => metric switch
    {
        TimeSeriesMetric.Requests => r.Requests,
        TimeSeriesMetric.RequestsPerSecond => r.Requests / elapsed.TotalSeconds,
        TimeSeriesMetric.Errors => r.Errors,
        TimeSeriesMetric.ErrorRate => r.Requests == 0 ? null : (double)r.Errors / r.Requests,
        TimeSeriesMetric.LatencyP50 => r.Requests == 0 ? null : r.LatencyP50,
        TimeSeriesMetric.LatencyP95 => r.Requests == 0 ? null : r.LatencyP95,
        TimeSeriesMetric.LatencyP99 => r.Requests == 0 ? null : r.LatencyP99,
        TimeSeriesMetric.LatencyAvg => r.Requests == 0 ? null : r.LatencyAvg,
        TimeSeriesMetric.TtftP50 => r.TtftP50,
        TimeSeriesMetric.TtftP95 => r.TtftP95,
        TimeSeriesMetric.InputTokens => r.InputTokens,
        TimeSeriesMetric.OutputTokens => r.OutputTokens,
        TimeSeriesMetric.CachedInputTokens => r.CachedInputTokens,
        TimeSeriesMetric.ReasoningTokens => r.ReasoningTokens,
        TimeSeriesMetric.Tokens => r.InputTokens + r.OutputTokens,
        TimeSeriesMetric.Cost => (double)r.CostUsd,
        _ => null,
    };

    private static SummaryReport ToSummary(OperationAggregateRow r, DateTimeOffset from, DateTimeOffset to)
    {
        var seconds = (to - from).TotalSeconds;
        return new SummaryReport
        {
            From = from,
            To = to,
            Requests = r.Requests,
            Errors = r.Errors,
            ErrorRate = r.Requests == 0 ? 0 : (double)r.Errors / r.Requests,
            InputTokens = r.InputTokens,
            OutputTokens = r.OutputTokens,
            CachedInputTokens = r.CachedInputTokens,
            CacheCreationInputTokens = r.CacheCreationInputTokens,
            ReasoningTokens = r.ReasoningTokens,
            CostUsd = r.CostUsd,
            UnpricedRequests = r.UnpricedRequests,
            LatencyMs = r.Requests == 0 ? new LatencyPercentiles(null, null, null, null) : new LatencyPercentiles(r.LatencyP50, r.LatencyP95, r.LatencyP99, r.LatencyAvg),
            TtftMs = new TtftPercentiles(r.TtftP50, r.TtftP95),
            RequestsPerSecond = seconds <= 0 ? 0 : r.Requests / seconds,
        };
    }

    /// <summary>Sums of a store row as an aggregate (no sketches: totals only).</summary>
    private static WindowAggregate ToAggregate(OperationAggregateRow r)
    {
        var a = new WindowAggregate();
        AddTo(a, r);
        return a;
    }

    private static void AddTo(WindowAggregate a, OperationAggregateRow r)
    {
        a.Requests += r.Requests;
        a.Errors += r.Errors;
        a.InputTokens += r.InputTokens;
        a.OutputTokens += r.OutputTokens;
        a.CachedInputTokens += r.CachedInputTokens;
        a.CacheCreationInputTokens += r.CacheCreationInputTokens;
        a.ReasoningTokens += r.ReasoningTokens;
        a.CostUsd += r.CostUsd;
        a.UnpricedRequests += r.UnpricedRequests;
    }

    private static string CategoryOf(Model.AiOperation op) =>
        (op.ErrorCategory == ErrorCategory.None ? ErrorCategory.Unknown : op.ErrorCategory).ToWireName();

    private static string DayKey(DateTimeOffset day) => day.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>Cost figures of one group.</summary>
    private readonly record struct Acc(decimal Cost, long Requests, long Input, long Output, long? Unpriced)
    {
        public static Acc Of(WindowAggregate a) => new(a.CostUsd, a.Requests, a.InputTokens, a.OutputTokens, a.UnpricedRequests);

        public static Acc Of(OperationAggregateRow r) => new(r.CostUsd, r.Requests, r.InputTokens, r.OutputTokens, r.UnpricedRequests);
    }
}

/// <summary>A slice needs the operation store and the store cannot answer now (not configured, off, opening, degraded, failing).</summary>
public sealed class SliceUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SliceUnavailableException()
    {
    }

    /// <summary>Creates the exception with the reason in words.</summary>
    public SliceUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the store's failure.</summary>
    public SliceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
