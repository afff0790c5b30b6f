using Conciergus.Core.Analytics;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// What every panel page shares: the window and filter from the URL, the live subscription (throttled to
/// <see cref="RenderInterval"/>, disposed with the page), loading / empty / error states, the browser's time
/// zone, and chart pushes (whole window after a change of query, only new points on live updates).
/// Panels read pre-aggregated read models only; <see cref="Load"/> runs on the renderer's dispatcher.
/// </summary>
public abstract class PanelPage : ComponentBase, IDisposable
{
    /// <summary>Minimum time between two live re-renders (about 4 a second at most).</summary>
    public static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(250);

    private IDisposable? _subscription;
    private RenderThrottle? _throttle;
    private bool _chartsNeedReset = true;
    private PanelQuery? _lastQuery;

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

    /// <summary>?window= (5m, 15m, 1h, 6h, 24h, 7d, 30d or any 1m..30d).</summary>
    [SupplyParameterFromQuery(Name = "window")]
    public string? WindowParameter { get; set; }

    /// <summary>?application= filter.</summary>
    [SupplyParameterFromQuery(Name = "application")]
    public string? ApplicationParameter { get; set; }

    /// <summary>?model= filter ("provider/model").</summary>
    [SupplyParameterFromQuery(Name = "model")]
    public string? ModelParameter { get; set; }

    /// <summary>?environment= filter.</summary>
    [SupplyParameterFromQuery(Name = "environment")]
    public string? EnvironmentParameter { get; set; }

    /// <summary>The window used when the URL names none.</summary>
    protected virtual TimeSpan DefaultWindow => TimeSpan.FromHours(1);

    /// <summary>The parsed query.</summary>
    protected PanelQuery Query { get; private set; } = PanelQuery.Parse(null, null, null, null, TimeSpan.FromHours(1));

    /// <summary>Whether the read models have been read at least once (false until the publisher's first tick).</summary>
    protected bool Loaded { get; private set; }

    /// <summary>Why the last load failed, when it did.</summary>
    protected string? LoadError { get; private set; }

    /// <summary>The live publisher's state (its last error shows as "updates paused").</summary>
    protected LivePublisherStatus Status { get; private set; } = new(false, null, 0, 0, 0, 0, null);

    /// <summary>True while there is nothing to show yet.</summary>
    protected bool IsLoading => !Loaded && LoadError is null && Status.LastError is null;

    /// <summary>Whether the window holds no data (the panel shows its empty state).</summary>
    protected abstract bool IsEmpty { get; }

    /// <summary>The chart step for the current window.</summary>
    protected TimeSpan Step => Analytics.StepFor(Query.Window);

    /// <summary>Formats a time in the browser's time zone.</summary>
    protected string Local(DateTimeOffset? time, bool withDate = false) =>
        time is { } t ? Formatting.LocalTime(t, BrowserTime.Zone, withDate) : Formatting.Missing;

    /// <summary>Reads the read models for <see cref="Query"/> (synchronously: they are in memory and pre-aggregated).</summary>
    protected abstract void Load();

    /// <summary>Pushes chart data: everything when <paramref name="reset"/>, else only new points.</summary>
    protected virtual Task PushChartsAsync(bool reset) => Task.CompletedTask;

    /// <summary>A metric line of the filtered series as chart points.</summary>
    protected IReadOnlyList<ChartPoint> LinePoints(TimeSeriesMetric metric, TimeSpan window, TimeSpan step, SeriesKey? key = null) =>
        Analytics.Line(metric, key ?? Query.Filter, window, step).Points.Select(p => new ChartPoint((long)p[0]!.Value, p[1])).ToArray();

    protected override void OnInitialized()
    {
        _throttle = new RenderThrottle(RenderInterval, TimeProvider, () => InvokeAsync(RefreshAsync));
        _subscription = Publisher.Subscribe(_ => _throttle?.Request());
    }

    protected override void OnParametersSet()
    {
        var query = PanelQuery.Parse(WindowParameter, ApplicationParameter, ModelParameter, EnvironmentParameter, DefaultWindow);
        if (query != _lastQuery)
        {
            _lastQuery = query;
            Query = query;
            _chartsNeedReset = true;
        }

        SafeLoad();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && await BrowserTime.EnsureAsync(JS))
        {
            StateHasChanged();
        }

        if (_chartsNeedReset && Loaded)
        {
            _chartsNeedReset = false;
            await PushChartsAsync(reset: true);
        }
    }

    private void SafeLoad()
    {
        Status = Publisher.Status;
        if (Publisher.Latest is null)
        {
            return;
        }

        try
        {
            Load();
            Loaded = true;
            LoadError = null;
        }
#pragma warning disable CA1031 // A failing read model shows the panel's error state; the page stays usable.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LoadError = ex.Message;
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            var wasLoaded = Loaded;
            SafeLoad();
            StateHasChanged();
            if (Loaded && wasLoaded && !_chartsNeedReset)
            {
                await PushChartsAsync(reset: false);
            }
        }
#pragma warning disable CA1031 // Surfaced to the circuit's error handling rather than lost on a fire-and-forget task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await DispatchExceptionAsync(ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The subscription first: once it is gone no snapshot can ask the (then disposed) throttle for a render.
        _subscription?.Dispose();
        _throttle?.Dispose();
        GC.SuppressFinalize(this);
    }
}
