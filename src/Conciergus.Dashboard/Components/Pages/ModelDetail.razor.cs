using Conciergus.Core.Analytics;
using Conciergus.Core.Health;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>One provider + model: KPIs, health, requests and latency over the window.</summary>
public sealed partial class ModelDetail : PanelPage
{
    private static readonly IReadOnlyList<ChartSeries> RequestSeries = [new("Requests", "#4c6ef5"), new("Errors", "#fa5252")];
    private static readonly IReadOnlyList<ChartSeries> LatencySeries = [new("p50", "#20c997"), new("p95", "#4c6ef5"), new("p99", "#ae3ec9"), new("TTFT p50", "#fd7e14")];

    private readonly ChartFeed _requestsFeed;
    private readonly ChartFeed _latencyFeed;
    private LiveLineChart? _requestsChart;
    private LiveLineChart? _latencyChart;
    private SummaryReport? _summary;
    private ModelHealthVerdict? _health;

    /// <summary>Creates the page.</summary>
    public ModelDetail()
    {
        _requestsFeed = new ChartFeed((w, s) => [LinePoints(TimeSeriesMetric.Requests, w, s, Key), LinePoints(TimeSeriesMetric.Errors, w, s, Key)]);
        _latencyFeed = new ChartFeed((w, s) =>
        [
            LinePoints(TimeSeriesMetric.LatencyP50, w, s, Key), LinePoints(TimeSeriesMetric.LatencyP95, w, s, Key),
            LinePoints(TimeSeriesMetric.LatencyP99, w, s, Key), LinePoints(TimeSeriesMetric.TtftP50, w, s, Key),
        ]);
    }

    /// <summary>Provider from the route.</summary>
    [Parameter]
    public required string Provider { get; set; }

    /// <summary>Model id from the route (may contain '/').</summary>
    [Parameter]
    public required string Model { get; set; }

    [Inject]
    public required ModelHealthClassifier Health { get; init; }

    private SeriesKey Key => SeriesKey.ForModel(Provider, Model);

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    /// <inheritdoc />
    protected override void Load()
    {
        _summary = Analytics.Summary(Query.Window, Key);
        _health = Health.Classify(_summary.Requests, _summary.ErrorRate, _summary.LatencyMs.P95);
    }

    /// <inheritdoc />
    protected override async Task PushChartsAsync(bool reset)
    {
        var now = TimeProvider.GetUtcNow();
        await _requestsFeed.PushAsync(_requestsChart, Query.Window, Step, now, reset);
        await _latencyFeed.PushAsync(_latencyChart, Query.Window, Step, now, reset);
    }
}
