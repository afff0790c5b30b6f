using System.Globalization;
using System.Text;
using Conciergus.Core.Analytics;
using Conciergus.Core.Pricing;
using Conciergus.Core.Export;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Total cost and burn rate, cost by model over time (stacked), a breakdown (donut + table, CSV), optimisation hints.</summary>
public sealed partial class Cost : PanelPage
{
    /// <summary>Models stacked in the chart (the most expensive ones when the window is chosen).</summary>
    internal const int StackedModels = 6;

    private static readonly string[] Palette = ["#4c6ef5", "#2f9e44", "#fd7e14", "#ae3ec9", "#15aabf", "#fa5252"];

    private readonly ChartFeed _stackFeed;
    private LiveLineChart? _stackChart;
    private DonutChart? _donut;
    private SummaryReport? _summary;
    private CostBreakdown? _breakdown;
    private IReadOnlyList<CostHint> _hints = [];
    private CostGroupBy _groupBy = CostGroupBy.Model;
    private IReadOnlyList<ChartSeries> _stackSeries = [];
    private List<SeriesKey> _stackKeys = [];
    private string _stackKey = "";
    private PanelQuery? _stackQuery;
    private string? _stackKeyPushed;

    /// <summary>The price catalog the hints compare models with.</summary>
    [Inject]
    public required PriceCatalog Catalog { get; init; }

    /// <summary>Creates the page.</summary>
    public Cost()
    {
        _stackFeed = new ChartFeed(async (window, step) =>
        {
            var lines = new List<IReadOnlyList<ChartPoint>>();
            foreach (var key in _stackKeys)
            {
                // Unfiltered: the model's own series; filtered: the filter narrowed to the model (memory or store).
                lines.Add(Query.IsFiltered
                    ? await FilteredPointsAsync(TimeSeriesMetric.Cost, window, step, ModelFilter(key.ModelParts.Provider, key.ModelParts.Model))
                    : LinePoints(TimeSeriesMetric.Cost, window, step, key));
            }

            return (IReadOnlyList<IReadOnlyList<ChartPoint>>)lines;
        });
    }

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    private decimal BurnPerHour => _summary is null ? 0 : _summary.CostUsd / (decimal)Query.Window.TotalHours;

    /// <inheritdoc />
    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _summary = await Analytics.SummaryAsync(Query.Window, Query.Filter, cancellationToken);
        _breakdown = await Analytics.CostsAsync(Query.Window, AnalyticsService.ToWireName(_groupBy), Query.Filter, cancellationToken);
        _hints = Analytics.CostHints(Query.Window, Catalog);

        // The stacked lines are chosen when the query changes (or when the first data arrives), then kept:
        // the chart is created for them once and only receives new points afterwards.
        if (_stackQuery != Query || _stackKeys.Count == 0)
        {
            var keys = (await Analytics.ModelsAsync(Query.Window, Query.Filter, cancellationToken))
                .OrderByDescending(m => m.Stats.CostUsd).ThenByDescending(m => m.Stats.Requests)
                .Take(StackedModels)
                .Select(m => SeriesKey.ForModel(m.Provider, m.Model))
                .ToList();
            _stackQuery = Query;
            if (!keys.SequenceEqual(_stackKeys))
            {
                _stackKeys = keys;
                _stackSeries = keys.Select((k, i) => new ChartSeries(AnalyticsService.DisplayKey(k), Palette[i % Palette.Length])).ToList();
                _stackKey = string.Join('|', _stackSeries.Select(s => s.Name));
            }
        }
    }

    /// <inheritdoc />
    protected override async Task PushChartsAsync(bool reset)
    {
        if (_donut is not null && _breakdown is not null)
        {
            var top = _breakdown.Groups.Take(8).ToList();
            await _donut.SetAsync(top.Select(g => g.Key).ToList(), top.Select(g => (double)g.CostUsd).ToList());
        }

        // A new set of stacked models means a new chart instance (@key): it gets the whole window.
        var stackReset = reset || _stackKeyPushed != _stackKey;
        _stackKeyPushed = _stackKey;
        await _stackFeed.PushAsync(_stackChart, Query.Window, Step, TimeProvider.GetUtcNow(), stackReset);
    }

    private async Task SetGroupByAsync(CostGroupBy groupBy)
    {
        _groupBy = groupBy;
        _breakdown = await Analytics.CostsAsync(Query.Window, AnalyticsService.ToWireName(_groupBy), Query.Filter);
        await PushChartsAsync(reset: false);
    }

    /// <summary>The breakdown as CSV (invariant culture, RFC 4180 quoting).</summary>
    internal static string ToCsv(CostBreakdown breakdown)
    {
        // Model, application and user names come from telemetry: every cell goes through the one CSV writer.
        var csv = new StringBuilder();
        csv.Append(CsvWriter.Line(breakdown.GroupBy, "cost_usd", "share", "requests", "input_tokens", "output_tokens", "unpriced_requests")).Append('\n');
        foreach (var g in breakdown.Groups)
        {
            csv.Append(CsvWriter.Line(
                g.Key,
                g.CostUsd.ToString(CultureInfo.InvariantCulture),
                g.Share.ToString("0.######", CultureInfo.InvariantCulture),
                g.Requests.ToString(CultureInfo.InvariantCulture),
                g.InputTokens.ToString(CultureInfo.InvariantCulture),
                g.OutputTokens.ToString(CultureInfo.InvariantCulture),
                g.UnpricedRequests?.ToString(CultureInfo.InvariantCulture) ?? "")).Append('\n');
        }

        return csv.ToString();
    }

    private async Task ExportCsvAsync()
    {
        if (_breakdown is null)
        {
            return;
        }

        try
        {
            var module = await JS.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            await module.InvokeVoidAsync("downloadText", $"conciergus-cost-{_breakdown.GroupBy}-{Query.WindowText}.csv", "text/csv", ToCsv(_breakdown));
        }
        catch (JSException)
        {
            // The download could not start in this browser; the table shows the same figures.
        }
    }
}
