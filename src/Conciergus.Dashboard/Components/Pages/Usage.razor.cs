using Conciergus.Core.Analytics;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>Requests and tokens (input, cached, output, reasoning) by model, operation, application, function and user; cache hit ratio.</summary>
public sealed partial class Usage : PanelPage
{
    /// <summary>Top spenders listed.</summary>
    internal const int TopUsers = 10;

    private static readonly SeriesDimension[] GroupDimensions =
        [SeriesDimension.Model, SeriesDimension.Operation, SeriesDimension.Application, SeriesDimension.FunctionId, SeriesDimension.Environment];

    private static readonly IReadOnlyList<ChartSeries> TokenSeries =
        [new("Input", "#4c6ef5"), new("Cached input", "#15aabf"), new("Output", "#2f9e44"), new("Reasoning", "#ae3ec9")];

    private readonly ChartFeed _tokensFeed;
    private LiveLineChart? _tokensChart;
    private SummaryReport? _summary;
    private IReadOnlyList<GroupReport> _groups = [];
    private IReadOnlyList<UserCostRow> _users = [];
    private SeriesDimension _groupBy = SeriesDimension.Model;

    /// <summary>Creates the page.</summary>
    public Usage()
    {
        _tokensFeed = new ChartFeed((window, step) =>
        [
            LinePoints(TimeSeriesMetric.InputTokens, window, step), LinePoints(TimeSeriesMetric.CachedInputTokens, window, step),
            LinePoints(TimeSeriesMetric.OutputTokens, window, step), LinePoints(TimeSeriesMetric.ReasoningTokens, window, step),
        ]);
    }

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    /// <inheritdoc />
    protected override void Load()
    {
        _summary = Analytics.Summary(Query.Window, Query.Filter);
        _groups = Analytics.Groups(Query.Window, _groupBy);
        _users = Analytics.TopUsers(Query.Window, TopUsers);
    }

    /// <inheritdoc />
    protected override Task PushChartsAsync(bool reset) =>
        _tokensFeed.PushAsync(_tokensChart, Query.Window, Step, TimeProvider.GetUtcNow(), reset);

    private void SetGroupBy(SeriesDimension dimension)
    {
        _groupBy = dimension;
        _groups = Analytics.Groups(Query.Window, _groupBy);
    }

    private static string Label(SeriesDimension d) => d switch
    {
        SeriesDimension.FunctionId => "Function",
        _ => d.ToString(),
    };
}
