using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Charts;

/// <summary>
/// A live time chart over ApexCharts (wwwroot-assets/src/charts.js). The chart is created once after the
/// first render; afterwards <see cref="AppendAsync"/> sends only new points, which the JS module keeps in a
/// bounded window. Points appended before the chart exists are buffered (bounded) and sent on creation.
/// The chart follows the cascaded "IsDarkMode" value.
/// </summary>
public sealed partial class LiveLineChart : IAsyncDisposable
{
    /// <summary>Path of the chart module, relative to the base href.</summary>
    public const string ModulePath = "./lib/charts.js";

    private ElementReference _element;
    private IJSObjectReference? _module;
    private string? _chartId;
    private List<ChartPoint>[] _pending = [];
    private bool _pumping;
    private bool _disposed;
    private bool? _appliedDarkMode;
    private string? _error;
    private TimeSpan? _windowOverride;
    private bool _hasWindowOverride;

    [Inject]
    public required IJSRuntime JS { get; init; }

    /// <summary>The lines, in the order their points are passed to <see cref="AppendAsync"/>.</summary>
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
    internal bool IsCreated => _chartId is not null;

    /// <summary>Points waiting to be sent, per line.</summary>
    internal int PendingCount => _pending.Sum(p => p.Count);

    /// <summary>
    /// Appends new points (one list per line, oldest first). Safe to call from any thread; only these
    /// points travel to the browser. A point older than the newest one already shown is ignored there.
    /// </summary>
    public Task AppendAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints)
    {
        ArgumentNullException.ThrowIfNull(seriesPoints);
        return InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            EnsurePendingBuffers();
            for (var i = 0; i < _pending.Length && i < seriesPoints.Count; i++)
            {
                var buffer = _pending[i];
                buffer.AddRange(seriesPoints[i]);
                if (buffer.Count > MaxPoints)
                {
                    buffer.RemoveRange(0, buffer.Count - MaxPoints);
                }
            }

            await PumpAsync();
        });
    }

    /// <summary>
    /// Replaces every point (a new time range or filter) and sets the visible range; the chart is kept, only
    /// its data changes. Safe to call from any thread, also before the chart exists.
    /// </summary>
    public Task ResetAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> seriesPoints, TimeSpan? window)
    {
        ArgumentNullException.ThrowIfNull(seriesPoints);
        return InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            EnsurePendingBuffers();
            _windowOverride = window;
            _hasWindowOverride = true;
            for (var i = 0; i < _pending.Length; i++)
            {
                _pending[i].Clear();
                if (i < seriesPoints.Count)
                {
                    _pending[i].AddRange(seriesPoints[i].Count > MaxPoints ? seriesPoints[i].Skip(seriesPoints[i].Count - MaxPoints) : seriesPoints[i]);
                }
            }

            if (_chartId is null || _module is null || _pumping)
            {
                // Created later (with these points) or a send is in flight: the reset goes out as the next send.
                _resetPending = _chartId is not null;
                return;
            }

            await SendResetAsync();
        });
    }

    private bool _resetPending;

    private long? WindowMs => (_hasWindowOverride ? _windowOverride : Window) is { } w ? (long)w.TotalMilliseconds : null;

    private async Task SendResetAsync()
    {
        _resetPending = false;
        var batch = TakePending();
        await CallSafeAsync(() => _module!.InvokeAsync<int>("resetPoints", _chartId, batch, WindowMs).AsTask());
        await PumpAsync();
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

    protected override void OnParametersSet()
    {
        ArgumentNullException.ThrowIfNull(Series);
        EnsurePendingBuffers();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await CreateAsync();
            return;
        }

        if (_chartId is not null && _module is not null && _appliedDarkMode != IsDarkMode)
        {
            _appliedDarkMode = IsDarkMode;
            await CallSafeAsync(() => _module.InvokeVoidAsync("setTheme", _chartId, ThemeName).AsTask());
        }
    }

    private string ThemeName => IsDarkMode ? "dark" : "light";

    private async Task CreateAsync()
    {
        await CallSafeAsync(async () =>
        {
            _module = await JS.InvokeAsync<IJSObjectReference>("import", ModulePath);
            if (_module is null || _disposed)
            {
                return;
            }

            var options = new
            {
                type = Type,
                height = Height,
                series = Series.Select(s => new { name = s.Name, color = s.Color }).ToArray(),
                unit = Unit,
                decimals = Decimals,
                maxPoints = MaxPoints,
                windowMs = WindowMs,
                stacked = Stacked,
                mode = ThemeName,
                ariaLabel = AriaLabel,
            };
            _chartId = await _module.InvokeAsync<string?>("createChart", _element, options);
            _appliedDarkMode = IsDarkMode;
        });

        if (_disposed)
        {
            // Disposed while the module loaded: DisposeAsync could not see the chart, so free it here.
            await DestroyAsync();
            return;
        }

        await PumpAsync();
    }

    // Runs on the renderer's dispatcher only; the flag keeps one send in flight so points stay in order.
    private async Task PumpAsync()
    {
        if (_pumping || _chartId is null || _module is null || _disposed)
        {
            return;
        }

        _pumping = true;
        try
        {
            while (!_disposed && (_resetPending || _pending.Any(p => p.Count > 0)))
            {
                var reset = _resetPending;
                _resetPending = false;
                var batch = TakePending();
                await CallSafeAsync(() => reset
                    ? _module.InvokeAsync<int>("resetPoints", _chartId, batch, WindowMs).AsTask()
                    : _module.InvokeAsync<int>("appendPoints", _chartId, batch).AsTask());
            }
        }
        finally
        {
            _pumping = false;
        }
    }

    private void EnsurePendingBuffers()
    {
        if (_pending.Length == Series.Count)
        {
            return;
        }

        var resized = new List<ChartPoint>[Series.Count];
        for (var i = 0; i < resized.Length; i++)
        {
            resized[i] = i < _pending.Length ? _pending[i] : [];
        }

        _pending = resized;
    }

    private async Task CallSafeAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone; the circuit will dispose this component.
        }
        catch (OperationCanceledException)
        {
            // Expected when the page closes or the circuit ends mid-call (pending interop calls are cancelled), or when
            // the browser did not answer within the interop timeout: the next update resends what is pending.
        }
        catch (ObjectDisposedException)
        {
            // The circuit's JS runtime is already disposed.
        }
        catch (JSException ex) when (!_disposed)
        {
            _error = ex.Message;
            StateHasChanged();
        }
        catch (JSException)
        {
            // Disposed meanwhile: nobody sees the chart any more.
        }
    }

    private async Task DestroyAsync()
    {
        var module = _module;
        var chartId = _chartId;
        _module = null;
        _chartId = null;
        if (module is null)
        {
            return;
        }

        try
        {
            if (chartId is not null)
            {
                await module.InvokeVoidAsync("destroy", chartId);
            }

            await module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser already dropped the chart with the page.
        }
        catch (OperationCanceledException)
        {
            // The circuit is ending: its pending interop calls are cancelled, and the page's charts go with it.
        }
        catch (ObjectDisposedException)
        {
            // The circuit's JS runtime is already disposed.
        }
        catch (JSException)
        {
            // Best effort: the element may be gone; the module drops its reference on destroy regardless.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await DestroyAsync();
    }
}
