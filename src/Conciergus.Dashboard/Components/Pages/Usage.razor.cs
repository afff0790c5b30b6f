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
        _tokensFeed = new ChartFeed(async (window, step) => (IReadOnlyList<IReadOnlyList<ChartPoint>>)
        [
            await FilteredPointsAsync(TimeSeriesMetric.InputTokens, window, step), await FilteredPointsAsync(TimeSeriesMetric.CachedInputTokens, window, step),
            await FilteredPointsAsync(TimeSeriesMetric.OutputTokens, window, step), await FilteredPointsAsync(TimeSeriesMetric.ReasoningTokens, window, step),
        ]);
    }

    /// <inheritdoc />
    protected override bool IsEmpty => _summary is { Requests: 0 };

    /// <inheritdoc />
    protected override async Task LoadAsync(CancellationToken cancellationToken)
    {
        _summary = await Analytics.SummaryAsync(Query.Window, Query.Filter, cancellationToken);
        _groups = await Analytics.GroupsAsync(Query.Window, _groupBy, Query.Filter, cancellationToken);
        _users = await Analytics.TopUsersAsync(Query.Window, TopUsers, Query.Filter, cancellationToken);
    }

    /// <inheritdoc />
    protected override Task PushChartsAsync(bool reset) =>
        _tokensFeed.PushAsync(_tokensChart, Query.Window, Step, TimeProvider.GetUtcNow(), reset);

    private async Task SetGroupBy(SeriesDimension dimension)
    {
        _groupBy = dimension;
        try
        {
            _groups = await Analytics.GroupsAsync(Query.Window, _groupBy, Query.Filter);
        }
        catch (SliceUnavailableException ex)
        {
            _groups = [];
            LoadError = ex.Message;
        }
    }

    private static string Label(SeriesDimension d) => d switch
    {
        SeriesDimension.FunctionId => "Function",
        _ => d.ToString(),
    };
}
