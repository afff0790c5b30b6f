using Conciergus.Core.Analytics;
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

    private List<ModelRow> _rows = [];

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
    }

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
