using Conciergus.Core.Analytics;
using Conciergus.Core.Health;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// The landing page: headline KPIs with the change versus the previous window, request rate, latency and
/// time to first token, error rate and cost over time, and the top models. Firing alerts and running
/// experiments join it when those features exist.
/// </summary>
public sealed partial class Overview : PanelPage
{
    /// <summary>Rows of the top-models table.</summary>
    internal const int TopModels = 5;

    private static readonly IReadOnlyList<ChartSeries> RequestSeries = [new("Requests", "#4c6ef5"), new("Errors", "#fa5252")];
    private static readonly IReadOnlyList<ChartSeries> LatencySeries = [new("p50", "#20c997"), new("p95", "#4c6ef5"), new("p99", "#ae3ec9"), new("TTFT p50", "#fd7e14")];
    private static readonly IReadOnlyList<ChartSeries> ErrorRateSeries = [new("Error rate", "#fa5252")];
    private static readonly IReadOnlyList<ChartSeries> CostSeries = [new("Cost", "#2f9e44")];

    private readonly ChartFeed _requestsFeed;
    private readonly ChartFeed _latencyFeed;
    private readonly ChartFeed _errorRateFeed;
    private readonly ChartFeed _costFeed;
    private LiveLineChart? _requestsChart;
    private LiveLineChart? _latencyChart;
    private LiveLineChart? _errorRateChart;
    private LiveLineChart? _costChart;
    private SummaryReport? _summary;
    private SummaryReport? _previous;
    private IReadOnlyList<ModelReport> _models = [];

    /// <summary>Creates the page and its chart feeds.</summary>
    public Overview()
    {
        _requestsFeed = new ChartFeed(async (window, step) =>
        {
            var requests = await FilteredPointsAsync(TimeSeriesMetric.RequestsPerSecond, window, step);
            // Errors per second like requests per second: the bucket in progress over the time elapsed in it.
            var to = TimeProvider!.GetUtcNow(); // read when the feed runs (after injection)
            var errors = (await FilteredPointsAsync(TimeSeriesMetric.Errors, window, step))
                .Select(p => p with { Value = p.Value / ChartStep.Elapsed(DateTimeOffset.FromUnixTimeMilliseconds(p.UnixMs), step, to).TotalSeconds }).ToArray();
            return (IReadOnlyList<IReadOnlyList<ChartPoint>>)[requests, errors];
        });
        _latencyFeed = new ChartFeed(async (window, step) => (IReadOnlyList<IReadOnlyList<ChartPoint>>)
        [
            await FilteredPointsAsync(TimeSeriesMetric.LatencyP50, window, step), await FilteredPointsAsync(TimeSeriesMetric.LatencyP95, window, step),
            await FilteredPointsAsync(TimeSeriesMetric.LatencyP99, window, step), await FilteredPointsAsync(TimeSeriesMetric.TtftP50, window, step),
        ]);
        _errorRateFeed = new ChartFeed(async (window, step) => (IReadOnlyList<IReadOnlyList<ChartPoint>>)
            [(await FilteredPointsAsync(TimeSeriesMetric.ErrorRate, window, step)).Select(p => p with { Value = p.Value * 100 }).ToArray()]);
        _costFeed = new ChartFeed(async (window, step) => (IReadOnlyList<IReadOnlyList<ChartPoint>>)[await FilteredPointsAsync(TimeSeriesMetric.Cost, window, step)]);
    }

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    private string? CostCaption => _summary switch
    {
        null => null,
        { UnpricedRequests: > 0 } s => $"{Formatting.Count(s.UnpricedRequests)} unpriced requests not included",
        _ => "last " + Formatting.Window(Query.Window),
    };

    /// <summary>Services, for features the Overview shows when they are registered (experiments).</summary>
    [Microsoft.AspNetCore.Components.Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>Running experiments (empty when the experiments feature is not registered).</summary>
    private IReadOnlyList<Core.Experiments.Experiment> RunningExperiments =>
        Services.GetService(typeof(Core.Experiments.ExperimentService)) is Core.Experiments.ExperimentService experiments
            ? experiments.Running
            : [];

    /// <inheritdoc />
    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        var filter = Query.Filter;
        _summary = await Analytics.SummaryAsync(Query.Window, filter, cancellationToken);
        _previous = await Analytics.PreviousSummaryAsync(Query.Window, filter, cancellationToken);
        _models = (await Analytics.ModelsAsync(Query.Window, filter, cancellationToken)).Take(TopModels).ToList();
        await LoadTrendsAsync(cancellationToken);
    }

    /// <summary>The key figures whose direction within the window the cards show (issue 18 item 4).</summary>
    private static readonly TimeSeriesMetric[] TrendedFigures =
        [TimeSeriesMetric.Requests, TimeSeriesMetric.ErrorRate, TimeSeriesMetric.LatencyP95, TimeSeriesMetric.TtftP50, TimeSeriesMetric.Tokens, TimeSeriesMetric.Cost];

    private Dictionary<TimeSeriesMetric, TrendResult> _trends = [];
    private (PanelQuery Query, long Step)? _trendsFor;

    private TrendResult? TrendOf(TimeSeriesMetric metric) => _trends.GetValueOrDefault(metric);

    /// <summary>
    /// Each figure read at <see cref="Trend.WindowPoints"/> whole steps of the window and tested for a slope (the same
    /// test as the Models rows and trend alert rules). Only whole steps: the step in progress would read as a fall of
    /// every count. Recomputed once per step (it cannot change within one), not on every live refresh.
    /// </summary>
    private async Task LoadTrendsAsync(CancellationToken cancellationToken)
    {
        var step = Analytics.TrendStepFor(Query.Window);
        var now = TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        var key = (Query, now / (long)step.TotalMilliseconds);
        if (_trendsFor == key)
        {
            return;
        }

        var trends = new Dictionary<TimeSeriesMetric, TrendResult>();
        foreach (var metric in TrendedFigures)
        {
            var line = Query.IsFiltered
                ? await Analytics.LineAsync(metric, Query.Window, step, Query.Filter, cancellationToken)
                : Analytics.Line(metric, SeriesKey.Total, Query.Window, step);
            trends[metric] = Trend.Of([.. line.Points.Where(p => p[0] + step.TotalMilliseconds <= now).Select(p => p[1])]);
        }

        _trends = trends;
        _trendsFor = key;
    }

    /// <inheritdoc />
    protected override async Task PushChartsAsync(bool reset)
    {
        var now = TimeProvider.GetUtcNow();
        var step = Step;
        await _requestsFeed.PushAsync(_requestsChart, Query.Window, step, now, reset);
        await _latencyFeed.PushAsync(_latencyChart, Query.Window, step, now, reset);
        await _errorRateFeed.PushAsync(_errorRateChart, Query.Window, step, now, reset);
        await _costFeed.PushAsync(_costChart, Query.Window, step, now, reset);
    }

    /// <summary>The previous window had under this share of the current one's requests: its figures compare nothing (just after start).</summary>
    internal const double NearlyEmptyShare = 0.05;

    private string? ChangeText(Func<SummaryReport, double> figure)
    {
        if (_summary is null || _previous is null)
        {
            return null;
        }

        var window = Formatting.Window(Query.Window);
        if (_summary.Requests > 0 && _previous.Requests < _summary.Requests * NearlyEmptyShare)
        {
            // "2091% vs previous" right after start says nothing: the previous window was (nearly) empty.
            return _previous.Requests == 0 ? $"new (previous {window} empty)" : $"new (previous {window} nearly empty)";
        }

        return $"{Formatting.Change(figure(_summary), figure(_previous))} vs previous {window}";
    }

    // Captions wrap between figures, never between a number and its unit.
    private static string NoBreak(string text) => text.Replace(' ', '\u00A0');

    private static string ModelHref(ModelReport m) => $"/models/{Uri.EscapeDataString(m.Provider)}/{Uri.EscapeDataString(m.Model)}";
}
