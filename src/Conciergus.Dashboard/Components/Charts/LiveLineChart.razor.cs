using System.Globalization;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Charts;

/// <summary>
/// A live time chart over ApexCharts (wwwroot-assets/src/charts.js) through one <see cref="ChartHandle"/>. The chart is
/// created once after the first render (a chart without lines waits for <see cref="ReplaceAsync"/>); afterwards
/// <see cref="AppendAsync"/> sends only new points, which the JS module keeps in a bounded window, and
/// <see cref="ReplaceAsync"/> swaps points and thresholds (re-creating the chart only when its lines or unit changed).
/// Points sent before the chart exists are buffered (bounded) and sent on creation. The chart follows the cascaded
/// "IsDarkMode" value.
/// </summary>
public sealed partial class LiveLineChart : IAsyncDisposable
{
    /// <summary>Path of the chart module, relative to the base href.</summary>
    public const string ModulePath = ChartHandle.ModulePath;

    private ElementReference _element;
    private ChartHandle? _handle;
    private List<ChartPoint>[] _pending = [];
    private bool _resetPending;
    private bool _thresholdsPending;
    private bool _rendered;
    private bool _creating;
    private string? _createdSignature;
    private string? _error;
    private TimeSpan? _windowOverride;
    private bool _hasWindowOverride;
    private IReadOnlyList<ChartSeries>? _seriesOverride;
    private IReadOnlyList<ChartThreshold> _thresholds = [];

    [Inject]
    public required IJSRuntime JS { get; init; }

    /// <summary>The lines, in the order their points are passed to <see cref="AppendAsync"/> (until <see cref="ReplaceAsync"/> names others).</summary>
    [Parameter, EditorRequired]
    public required IReadOnlyList<ChartSeries> Series { get; set; }

    /// <summary>ApexCharts type: "area" (default), "line" or "bar".</summary>
    [Parameter]
    public string Type { get; set; } = "area";

    /// <summary>Height in pixels.</summary>
    [Parameter]
    public int Height { get; set; } = 240;

    /// <summary>Unit appended to values in tooltips (for example "req/s").</summary>
    [Parameter]
    public string? Unit { get; set; }

    /// <summary>Maximum fraction digits of values in tooltips and on the axis.</summary>
    [Parameter]
    public int Decimals { get; set; } = 2;

    /// <summary>Points kept per line, here while buffering and in the browser.</summary>
    [Parameter]
    public int MaxPoints { get; set; } = 300;

    /// <summary>Visible time range of the x axis (null: fit all kept points).</summary>
    [Parameter]
    public TimeSpan? Window { get; set; }

    /// <summary>Stacks the lines (stacked area for breakdowns over time).</summary>
    [Parameter]
    public bool Stacked { get; set; }

    /// <summary>Accessible description of the chart.</summary>
    [Parameter]
    public string? AriaLabel { get; set; }

    /// <summary>data-testid of the chart element.</summary>
    [Parameter]
    public string? TestId { get; set; }

    /// <summary>Cascaded by the layout: whether the dark theme is active.</summary>
    [CascadingParameter(Name = "IsDarkMode")]
    public bool IsDarkMode { get; set; }

    /// <summary>Whether the browser chart exists (created after the first render).</summary>
    internal bool IsCreated => _handle?.IsCreated == true;

    /// <summary>Points waiting to be sent, per line.</summary>
    internal int PendingCount => _pending.Sum(p => p.Count);

    /// <summary>The thresholds shown, for tests and people inspecting the page ("0.05,0.04"); null without thresholds.</summary>
    internal string? ThresholdText => _thresholds.Count == 0
        ? null
        : string.Join(",", _thresholds.Select(t => t.Value.ToString("0.######", CultureInfo.InvariantCulture)));

    private IReadOnlyList<ChartSeries> CurrentSeries => _seriesOverride ?? Series;

    private long? WindowMs => (_hasWindowOverride ? _windowOverride : Window) is { } w ? (long)w.TotalMilliseconds : null;

    /// <summary>
    /// Appends new points (one list per line, oldest first). Safe to call from any thread; only these
    /// points travel to the browser. A point older than the newest one already shown is ignored there.
    /// </summary>
    public Task AppendAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints)
    {
        ArgumentNullException.ThrowIfNull(seriesPoints);
        return InvokeAsync(async () =>
        {
            if (_handle is null || _handle.IsDisposed)
            {
                return;
            }

            EnsurePendingBuffers();
            for (var i = 0; i < _pending.Length && i < seriesPoints.Count; i++)
            {
                var buffer = _pending[i];
                buffer.AddRange(seriesPoints[i]);
                Trim(buffer);
            }

            await SendAsync();
        });
    }

    /// <summary>
    /// Replaces every point (a new time range or filter) and sets the visible range; the chart is kept, only
    /// its data changes. Safe to call from any thread, also before the chart exists.
    /// </summary>
    public Task ResetAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints, TimeSpan? window) =>
        ReplaceCoreAsync(null, seriesPoints, null, window);

    /// <summary>
    /// Replaces the lines, their points (oldest first) and the threshold lines (a rule preview, another alert); the chart
    /// is re-created only when its lines, unit or decimals changed. Safe to call from any thread, also before the chart exists.
    /// </summary>
    public Task ReplaceAsync(IReadOnlyList<ChartSeries> series, IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints, IReadOnlyList<ChartThreshold> thresholds, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(thresholds);
        return ReplaceCoreAsync(series, seriesPoints, thresholds, window);
    }

    private Task ReplaceCoreAsync(IReadOnlyList<ChartSeries>? series, IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints, IReadOnlyList<ChartThreshold>? thresholds, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(seriesPoints);
        return InvokeAsync(async () =>
        {
            if (_handle is null || _handle.IsDisposed)
            {
                return;
            }

            if (series is not null)
            {
                _seriesOverride = [.. series];
            }

            if (thresholds is not null)
            {
                _thresholds = [.. thresholds];
                _thresholdsPending = true;
                StateHasChanged();
            }

            EnsurePendingBuffers();
            _windowOverride = window;
            _hasWindowOverride = true;
            for (var i = 0; i < _pending.Length; i++)
            {
                _pending[i].Clear();
                if (i < seriesPoints.Count)
                {
                    _pending[i].AddRange(seriesPoints[i]);
                    Trim(_pending[i]);
                }
            }

            // Before creation the points simply wait (the chart is created with them); afterwards the reset goes out as
            // the next send, after one in flight.
            _resetPending = IsCreated || _creating;
            await SendAsync();
        });
    }

    protected override void OnInitialized() => _handle = new ChartHandle(JS, OnChartError);

    protected override void OnParametersSet()
    {
        ArgumentNullException.ThrowIfNull(Series);
        EnsurePendingBuffers();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _rendered = true;
            await SendAsync();
            return;
        }

        await _handle!.SyncThemeAsync(IsDarkMode);
    }

    private string Signature() => string.Join("|", CurrentSeries.Select(s => s.Name + "#" + s.Color)) + "|" + Unit + "|" + Decimals;

    // Runs on the renderer's dispatcher only: creates (or re-creates) the chart when needed, then lets the handle send
    // what is pending, one call in flight.
    private async Task SendAsync()
    {
        var handle = _handle!;
        while (_rendered && !handle.IsDisposed && !_creating && CurrentSeries.Count > 0
            && (!handle.IsCreated || (_resetPending && Signature() != _createdSignature)))
        {
            _creating = true;
            try
            {
                // Created with the lines, window and thresholds in force: what is pending follows as an append.
                _resetPending = false;
                _thresholdsPending = false;
                _createdSignature = Signature();
                await handle.CreateAsync("createChart", _element, CreateOptions(), IsDarkMode);
            }
            finally
            {
                _creating = false;
            }

            if (!handle.IsCreated)
            {
                return;
            }
        }

        if (!_creating)
        {
            await handle.PumpAsync(NextSend);
        }
    }

    private object CreateOptions() => new
    {
        type = Type,
        height = Height,
        series = CurrentSeries.Select(s => new { name = s.Name, color = s.Color }).ToArray(),
        unit = Unit,
        decimals = Decimals,
        maxPoints = MaxPoints,
        windowMs = WindowMs,
        stacked = Stacked,
        mode = IsDarkMode ? "dark" : "light",
        ariaLabel = AriaLabel,
        thresholds = ThresholdOptions(),
    };

    private object[] ThresholdOptions() => [.. _thresholds.Select(t => new { value = t.Value, label = t.Label, color = t.Color })];

    // The handle's queue asks here for the next call: a reset (with its thresholds) first, then new points.
    private ChartSend? NextSend()
    {
        if (_resetPending)
        {
            _resetPending = false;
            var batch = TakePending();
            var windowMs = WindowMs;
            object[]? thresholds = _thresholdsPending ? ThresholdOptions() : null;
            _thresholdsPending = false;
            return async (module, chartId) =>
            {
                await module.InvokeAsync<int>("resetPoints", chartId, batch, windowMs);
                if (thresholds is not null)
                {
                    await module.InvokeVoidAsync("setThresholds", chartId, (object)thresholds);
                }
            };
        }

        if (_thresholdsPending)
        {
            _thresholdsPending = false;
            var thresholds = ThresholdOptions();
            return (module, chartId) => module.InvokeVoidAsync("setThresholds", chartId, (object)thresholds).AsTask();
        }

        if (_pending.Any(p => p.Count > 0))
        {
            var batch = TakePending();
            return (module, chartId) => module.InvokeAsync<int>("appendPoints", chartId, batch).AsTask();
        }

        return null;
    }

    private double?[][][] TakePending()
    {
        var batch = _pending.Select(p => p.Select(point => new double?[] { point.UnixMs, point.Value }).ToArray()).ToArray();
        foreach (var buffer in _pending)
        {
            buffer.Clear();
        }

        return batch;
    }

    private void Trim(List<ChartPoint> buffer)
    {
        if (buffer.Count > MaxPoints)
        {
            buffer.RemoveRange(0, buffer.Count - MaxPoints);
        }
    }

    private void EnsurePendingBuffers()
    {
        var count = CurrentSeries.Count;
        if (_pending.Length == count)
        {
            return;
        }

        var resized = new List<ChartPoint>[count];
        for (var i = 0; i < resized.Length; i++)
        {
            resized[i] = i < _pending.Length ? _pending[i] : [];
        }

        _pending = resized;
    }

    private void OnChartError(string message)
    {
        _error = message;
        StateHasChanged();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _handle?.DisposeAsync() ?? ValueTask.CompletedTask;
}
