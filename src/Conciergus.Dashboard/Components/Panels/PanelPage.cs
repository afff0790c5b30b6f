using Conciergus.Core.Analytics;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// What every panel page shares: the window and filter from the URL, the live subscription (the publisher's
/// <see cref="LivePublisher.Changes"/> at most every <see cref="RenderInterval"/>, disposed with the page), loading / empty / error states, the browser's time
/// zone, and chart pushes (whole window after a change of query, only new points on live updates).
/// Panels read pre-aggregated read models only; <see cref="Load"/> runs on the renderer's dispatcher.
/// </summary>
public abstract class PanelPage : LiveComponentBase
{
    /// <summary>Minimum time between two live re-renders (about 4 a second at most).</summary>
    public static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(250);

    private bool _chartsNeedReset = true;
    private PanelQuery? _lastQuery;
    private bool _loading;
    private bool _loadAgain;

    [Inject]
    public required LivePublisher Publisher { get; init; }

    [Inject]
    public required AnalyticsService Analytics { get; init; }

    [Inject]
    public required TimeProvider TimeProvider { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeSeriesCache Cache { get; init; }

    /// <summary>The window used when the URL names none: one for every page (<see cref="RangeLinks.DefaultWindow"/>).</summary>
    protected static TimeSpan DefaultWindow => RangeLinks.DefaultWindow;

    /// <summary><paramref name="href"/> carrying the page's range and filters (<see cref="RangeLinks.Carry"/>).</summary>
    protected string Link(string href) => RangeLinks.Carry(href, Navigation.Uri);

    /// <summary>The parsed query.</summary>
    protected PanelQuery Query { get; private set; } = new(TimeSpan.FromHours(1), "1h", OperationFilter.Empty, null);

    /// <summary>Query parameters of the page itself (not filters), such as groupBy.</summary>
    protected virtual IReadOnlySet<string> PageParameters { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the read models have been read at least once (false until the publisher's first tick).</summary>
    protected bool Loaded { get; private set; }

    /// <summary>Why the last load failed, when it did.</summary>
    protected string? LoadError { get; set; }

    /// <summary>The live publisher's state (its last error shows as "updates paused").</summary>
    protected LivePublisherStatus Status { get; private set; } = new(false, null, 0, 0, 0, 0, null);

    /// <summary>True while there is nothing to show yet.</summary>
    protected bool IsLoading => !Loaded && LoadError is null && Status.LastError is null;

    /// <summary>Whether the window holds no data (the panel shows its empty state).</summary>
    protected abstract bool IsEmpty { get; }

    /// <summary>Width of the page's narrowest chart in pixels, as the browser measured it (0 until then).</summary>
    protected int ChartWidthPx { get; private set; }

    /// <summary>
    /// The chart step for the current window: about 100-300 round buckets for the chart's width, an exact merge of the
    /// ring buckets that hold the window (<see cref="ChartStep.Choose"/>).
    /// </summary>
    protected TimeSpan Step => Analytics.ChartStepFor(Query.Window, ChartWidthPx);

    /// <summary>Formats a time in the browser's time zone.</summary>
    protected string Local(DateTimeOffset? time, bool withDate = false) =>
        time is { } t ? Formatting.LocalTime(t, BrowserTime.Zone, withDate) : Formatting.Missing;

    /// <summary>Reads the read models for <see cref="Query"/> when they are all in memory (pages without filtered slices).</summary>
    protected virtual void Load()
    {
    }

    /// <summary>Reads the read models for <see cref="Query"/>; a filtered slice may be a store query (hence async).</summary>
    protected virtual Task LoadAsync(CancellationToken cancellationToken)
    {
        Load();
        return Task.CompletedTask;
    }

    /// <summary>Pushes chart data: everything when <paramref name="reset"/>, else only new points.</summary>
    protected virtual Task PushChartsAsync(bool reset) => Task.CompletedTask;

    /// <summary>A metric line of one series as chart points.</summary>
    protected IReadOnlyList<ChartPoint> LinePoints(TimeSeriesMetric metric, TimeSpan window, TimeSpan step, SeriesKey key) =>
        Analytics.Line(metric, key, window, step).Points.Select(p => new ChartPoint((long)p[0]!.Value, p[1])).ToArray();

    /// <summary>A metric line of the operations passing <paramref name="filter"/> (the page's filters by default), from memory or the store.</summary>
    protected async Task<IReadOnlyList<ChartPoint>> FilteredPointsAsync(TimeSeriesMetric metric, TimeSpan window, TimeSpan step, OperationFilter? filter = null)
    {
        var line = await Analytics.LineAsync(metric, window, step, filter ?? Query.Filter);
        return line.Points.Select(p => new ChartPoint((long)p[0]!.Value, p[1])).ToArray();
    }

    /// <summary>The page's filter narrowed to one provider + model (a row's own line); the provider is named only when another provider serves the same model id.</summary>
    protected OperationFilter ModelFilter(string provider, string model)
    {
        var narrowed = AnalyticsService.Narrow(Query.Filter, FilterFields.Model, model);
        return Cache.Keys(SeriesDimension.Model).Any(k => k.ModelParts.Model == model && k.ModelParts.Provider != provider)
            ? AnalyticsService.Narrow(narrowed, FilterFields.Provider, provider)
            : narrowed;
    }

    protected override void OnInitialized()
    {
        Listen(Publisher.Changes, RenderInterval, TimeProvider);

        // Filters live in the URL: a chip added or removed navigates, and the open page re-reads its query.
        Navigation.LocationChanged += OnLocationChanged;
    }

    protected override async Task OnParametersSetAsync()
    {
        ApplyUri();
        await SafeLoadAsync();
    }

    private void OnLocationChanged(object? sender, LocationChangedEventArgs e) => _ = InvokeAsync(async () =>
    {
        if (ApplyUri())
        {
            await SafeLoadAsync();
            StateHasChanged();
        }
    });

    /// <summary>Reads window and filters from the URL; true when they changed.</summary>
    private bool ApplyUri()
    {
        var uri = Navigation.ToAbsoluteUri(Navigation.Uri);
        var pairs = QueryHelpers.ParseQuery(uri.Query)
            .Select(p => new KeyValuePair<string, IReadOnlyList<string?>>(p.Key, p.Value.ToArray()));
        var query = PanelQuery.Parse(pairs, DefaultWindow, PageParameters, Cache);
        if (query == _lastQuery)
        {
            return false;
        }

        _lastQuery = query;
        Query = query;
        _chartsNeedReset = true;
        return true;
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && await BrowserTime.EnsureAsync(JS))
        {
            StateHasChanged();
        }

        if (firstRender && await MeasureChartsAsync())
        {
            // A different bucket for the measured width: the captions say so and the charts restart in it.
            _chartsNeedReset = true;
            StateHasChanged();
        }

        if (_chartsNeedReset && Loaded)
        {
            _chartsNeedReset = false;
            await PushChartsAsync(reset: true);
        }
    }

    /// <summary>Reads the width of the page's charts; true when it changes the step.</summary>
    private async Task<bool> MeasureChartsAsync()
    {
        try
        {
            var module = await JS.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
            if (module is null)
            {
                return false;
            }

            var width = await module.InvokeAsync<int>("chartWidth");
            await module.DisposeAsync();
            if (width <= 0 || width == ChartWidthPx)
            {
                return false;
            }

            var before = Step;
            ChartWidthPx = width;
            return Step != before;
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // No browser (prerendering, tests) or it went away: the default width stands.
            return false;
        }
    }

    private async Task SafeLoadAsync()
    {
        Status = Publisher.Status;
        if (Publisher.Latest is null)
        {
            return;
        }

        if (_loading)
        {
            // A (store) load is running: it runs once more when it ends, with the query in force then.
            _loadAgain = true;
            return;
        }

        _loading = true;
        try
        {
            do
            {
                _loadAgain = false;
                await LoadAsync(CancellationToken.None);
                Loaded = true;
                LoadError = null;
            }
            while (_loadAgain);
        }
#pragma warning disable CA1031 // A failing read model shows the panel's error state (a slice the store cannot answer says why); the page stays usable.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LoadError = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }

    /// <inheritdoc />
    protected override async Task OnLiveChangeAsync()
    {
        var wasLoaded = Loaded;
        await SafeLoadAsync();
        StateHasChanged();
        if (Loaded && wasLoaded && !_chartsNeedReset)
        {
            await PushChartsAsync(reset: false);
        }
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed)
        {
            Navigation.LocationChanged -= OnLocationChanged;
        }

        base.Dispose(disposing);
    }
}
