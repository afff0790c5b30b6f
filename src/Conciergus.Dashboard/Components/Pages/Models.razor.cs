using Conciergus.Core.Analytics;
using Conciergus.Core.AppMetrics;
using Conciergus.Core.Health;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Panels;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>One row per provider + model: requests, error rate, percentiles, TTFT, tokens/s, cost per 1k requests, sparkline, health; sortable.</summary>
public sealed partial class Models : PanelPage
{
    /// <summary>Points of each sparkline.</summary>
    internal const int SparklinePoints = 30;

    private static readonly IReadOnlyList<Charts.ChartSeries> RecoveryLines = [new("Retry rate", "#f59f00"), new("Fallback rate", "#e03131")];

    private List<ModelRow> _rows = [];
    private (double Calls, double Retried, double Fallbacks, double Openings)? _recovery;
    private IReadOnlyList<(string Model, double RetryRate, double FallbackRate, double Openings)> _recoveryRows = [];
    private Charts.LiveLineChart? _recoveryChart;
    private ChartFeed? _recoveryFeed;

    [Inject]
    public required IServiceProvider Services { get; init; }

    [Inject]
    public required ModelHealthClassifier Health { get; init; }

    /// <inheritdoc />
    protected override bool IsEmpty => Loaded && _rows.Count == 0;

    /// <inheritdoc />
    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        var step = Step;
        var rows = new List<ModelRow>();
        foreach (var m in await Analytics.ModelsAsync(Query.Window, Query.Filter, cancellationToken))
        {
            // Unfiltered: the model's own series; filtered: the filter narrowed to the model (memory or store).
            var line = Query.IsFiltered
                ? (await Analytics.LineAsync(TimeSeriesMetric.Requests, Query.Window, step, ModelFilter(m.Provider, m.Model), cancellationToken)).Points
                : Analytics.Line(TimeSeriesMetric.Requests, SeriesKey.ForModel(m.Provider, m.Model), Query.Window, step).Points;
            rows.Add(ModelRow.Create(m, Downsample(line.Select(p => p[1] ?? 0).ToArray(), SparklinePoints), Health));
        }

        _rows = rows;
        LoadRecovery();
    }

    /// <inheritdoc />
    protected override Task PushChartsAsync(bool reset) =>
        _recoveryFeed is null ? Task.CompletedTask : _recoveryFeed.PushAsync(_recoveryChart, Query.Window, Step, TimeProvider.GetUtcNow(), reset);

    /// <summary>Retry rate, fallback rate and circuit openings per model (issue 18 item 5), from <see cref="RecoverySeries"/>.</summary>
    private void LoadRecovery()
    {
        if (Services.GetService<RecoverySeries>() is not { } recovery || Services.GetService<OtelMetricStore>() is not { } store)
        {
            return;
        }

        _recoveryFeed ??= new ChartFeed((window, step) =>
        {
            var (retry, fallback, _) = recovery.Lines(window, step);
            return [ToPercent(retry), ToPercent(fallback)];
        });
        _recovery = recovery.Totals(Query.Window);
        var to = TimeProvider.GetUtcNow().AddTicks(1);
        var from = to - Query.Window;
        var retryRates = store.Values(RecoverySeries.RetryRate, OtelAggregation.Sum, "attr.model", from, to).ToDictionary(v => v.Group, v => v.Value, StringComparer.Ordinal);
        var fallbackRates = store.Values(RecoverySeries.FallbackRate, OtelAggregation.Sum, "attr.model", from, to).ToDictionary(v => v.Group, v => v.Value, StringComparer.Ordinal);
        var openings = store.Values(RecoverySeries.CircuitOpenings, OtelAggregation.Sum, "attr.model", from, to).ToDictionary(v => v.Group, v => v.Value, StringComparer.Ordinal);
        _recoveryRows = [.. retryRates.Keys.Union(openings.Keys)
            .Select(m => (m, retryRates.GetValueOrDefault(m), fallbackRates.GetValueOrDefault(m), openings.GetValueOrDefault(m)))
            .Where(r => r.Item2 > 0 || r.Item3 > 0 || r.Item4 > 0)
            .OrderByDescending(r => r.Item3).ThenByDescending(r => r.Item2).ThenBy(r => r.m, StringComparer.Ordinal)];

        static IReadOnlyList<Charts.ChartPoint> ToPercent(IReadOnlyList<double?[]> line) =>
            [.. line.Select(p => new Charts.ChartPoint((long)p[0]!.Value, p[1] is { } v ? v * 100 : null))];
    }

    /// <summary>Whether the row's requests increase, decrease or hold over the window (issue 18 item 4).</summary>
    private static TrendResult TrendOf(ModelRow row) => Trend.Of([.. row.Trend.Select(v => (double?)v)]);

    /// <summary>Sums consecutive values into at most <paramref name="points"/> buckets.</summary>
    internal static IReadOnlyList<double> Downsample(IReadOnlyList<double> values, int points)
    {
        if (values.Count <= points)
        {
            return values;
        }

        var result = new double[points];
        for (var i = 0; i < values.Count; i++)
        {
            result[(int)((long)i * points / values.Count)] += values[i];
        }

        return result;
    }
}

/// <summary>A row of the models table.</summary>
/// <param name="Report">The model's figures.</param>
/// <param name="Trend">Requests over the window (sparkline).</param>
/// <param name="Health">Health verdict.</param>
/// <param name="TokensPerSecond">Output tokens per second of call time.</param>
/// <param name="CostPer1k">Cost per 1,000 requests (null when unpriced).</param>
public sealed record ModelRow(ModelReport Report, IReadOnlyList<double> Trend, ModelHealthVerdict Health, double? TokensPerSecond, decimal? CostPer1k)
{
    /// <summary>"provider/model".</summary>
    public string Name => $"{Report.Provider}/{Report.Model}";

    /// <summary>Link to the detail page.</summary>
    public string Href => $"/models/{Uri.EscapeDataString(Report.Provider)}/{Uri.EscapeDataString(Report.Model)}";

    /// <summary>Builds a row.</summary>
    public static ModelRow Create(ModelReport report, IReadOnlyList<double> trend, ModelHealthClassifier classifier)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(classifier);
        var s = report.Stats;
        var callSeconds = s.LatencyMs.Avg is { } avg ? avg * s.Requests / 1000 : 0;
        return new ModelRow(
            report,
            trend,
            classifier.Classify(s.Requests, s.ErrorRate, s.LatencyMs.P95),
            callSeconds > 0 ? s.OutputTokens / callSeconds : null,
            report.Priced && s.Requests > 0 ? s.CostUsd * 1000 / s.Requests : null);
    }
}
