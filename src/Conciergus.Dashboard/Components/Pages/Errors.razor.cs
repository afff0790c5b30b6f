using Conciergus.Core.Analytics;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Failures: categories over time, categories, top types and messages (redacted), recent samples linking to traces.</summary>
public sealed partial class Errors : PanelPage
{
    /// <summary>Samples listed.</summary>
    internal const int Samples = 20;

    private static readonly string[] Palette = ["#fa5252", "#fd7e14", "#fab005", "#ae3ec9", "#4c6ef5", "#15aabf", "#868e96"];

    private readonly ChartFeed _feed;
    private LiveLineChart? _chart;
    private SummaryReport? _summary;
    private ErrorReport? _report;
    private IReadOnlyList<ErrorTypeRow> _types = [];
    private IReadOnlyList<ErrorSample> _samples = [];
    private IReadOnlyList<ChartSeries> _series = [];
    private List<SeriesKey> _keys = [];
    private string _seriesKey = "";
    private string? _seriesKeyPushed;
    private PanelQuery? _seriesQuery;

    /// <summary>Creates the page.</summary>
    public Errors()
    {
        _feed = new ChartFeed(async (window, step) =>
        {
            var lines = new List<IReadOnlyList<ChartPoint>>();
            foreach (var key in _keys)
            {
                lines.Add(Query.IsFiltered
                    ? await FilteredPointsAsync(TimeSeriesMetric.Requests, window, step, AnalyticsService.Narrow(Query.Filter, FilterFields.ErrorCategory, key.Value))
                    : LinePoints(TimeSeriesMetric.Requests, window, step, key));
            }

            return (IReadOnlyList<IReadOnlyList<ChartPoint>>)lines;
        });
    }

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    /// <inheritdoc />
    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _summary = await Analytics.SummaryAsync(Query.Window, Query.Filter, cancellationToken);
        _report = await Analytics.ErrorsAsync(Query.Window, Query.Filter, cancellationToken);
        _types = Analytics.TopErrorTypes(Query.Window, 10, Query.Filter);
        _samples = Analytics.RecentErrorSamples(Query.Window, Samples, Query.Filter);
        if (_seriesQuery != Query || _keys.Count == 0 || _report.Categories.Any(c => !_keys.Any(k => k.Value == c.Category)))
        {
            _seriesQuery = Query;
            var keys = _report.Categories.Select(c => new SeriesKey(SeriesDimension.ErrorCategory, c.Category)).ToList();
            if (!keys.SequenceEqual(_keys))
            {
                _keys = keys;
                _series = keys.Select((k, i) => new ChartSeries(k.Value, Palette[i % Palette.Length])).ToList();
                _seriesKey = string.Join('|', _series.Select(s => s.Name));
            }
        }
    }

    /// <inheritdoc />
    protected override Task PushChartsAsync(bool reset)
    {
        var seriesReset = reset || _seriesKeyPushed != _seriesKey;
        _seriesKeyPushed = _seriesKey;
        return _feed.PushAsync(_chart, Query.Window, Step, TimeProvider.GetUtcNow(), seriesReset);
    }
}
