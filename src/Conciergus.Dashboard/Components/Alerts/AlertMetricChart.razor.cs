using Conciergus.Dashboard.Components.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>
/// A rule's metric over time with its threshold drawn, over the shared ApexCharts module (charts.js, "thresholds"
/// option). <see cref="SetAsync"/> replaces lines, points and thresholds (the rules editor preview, a new range);
/// <see cref="AppendAsync"/> sends only new points (the alert detail, live). The browser chart is created once and
/// re-created only when its lines or unit change; calls made before it exists are kept and sent on creation.
/// </summary>
public sealed partial class AlertMetricChart : IAsyncDisposable
{
    private ElementReference _element;
    private IJSObjectReference? _module;
    private string? _chartId;
    private string? _createdSignature;
    private bool? _appliedDarkMode;
    private bool _syncing;
    private bool _disposed;
    private bool _dirty;
    private string? _error;
    private IReadOnlyList<ChartSeries> _series = [];
    private List<ChartPoint>[] _points = [];
    private List<ChartPoint>[] _append = [];
    private IReadOnlyList<ChartThreshold> _thresholds = [];

    [Inject]
    public required IJSRuntime JS { get; init; }

    /// <summary>Height in pixels.</summary>
    [Parameter]
    public int Height { get; set; } = 260;

    /// <summary>Unit of the axis and tooltips ("ms", "%").</summary>
    [Parameter]
    public string? Unit { get; set; }

    /// <summary>Maximum fraction digits.</summary>
    [Parameter]
    public int Decimals { get; set; } = 2;

    /// <summary>Points kept per line.</summary>
    [Parameter]
    public int MaxPoints { get; set; } = 720;

    /// <summary>Accessible description.</summary>
    [Parameter]
    public string? AriaLabel { get; set; }

    /// <summary>data-testid of the chart element.</summary>
    [Parameter]
    public string? TestId { get; set; }

    /// <summary>Cascaded by the layout: whether the dark theme is active.</summary>
    [CascadingParameter(Name = "IsDarkMode")]
    public bool IsDarkMode { get; set; }

    /// <summary>Whether the browser chart exists.</summary>
    internal bool IsCreated => _chartId is not null;

    /// <summary>The thresholds shown, for tests and people inspecting the page ("0.05,0.04").</summary>
    internal string ThresholdText => string.Join(",", _thresholds.Select(t => t.Value.ToString("0.######", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Points held per line.</summary>
    internal IReadOnlyList<int> PointCounts => [.. _points.Select(p => p.Count)];

    /// <summary>Replaces the lines, their points (oldest first) and the thresholds. Safe from any thread.</summary>
    public Task SetAsync(IReadOnlyList<ChartSeries> series, IReadOnlyList<IReadOnlyList<ChartPoint>> points, IReadOnlyList<ChartThreshold> thresholds)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(thresholds);
        return InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            _series = [.. series];
            _points = [.. series.Select((_, i) => i < points.Count ? Bounded(points[i]) : new List<ChartPoint>())];
            _append = [.. series.Select(_ => new List<ChartPoint>())];
            _thresholds = [.. thresholds];
            _dirty = true;
            StateHasChanged();
            await SyncAsync();
        });
    }

    /// <summary>Appends new points per line (same order as the last <see cref="SetAsync"/>). Safe from any thread.</summary>
    public Task AppendAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return InvokeAsync(async () =>
        {
            if (_disposed)
            {
                return;
            }

            for (var i = 0; i < _points.Length && i < points.Count; i++)
            {
                var newest = _points[i].Count > 0 ? _points[i][^1].UnixMs : long.MinValue;
                var fresh = points[i].Where(p => p.UnixMs > newest).ToList();
                _points[i].AddRange(fresh);
                _append[i].AddRange(fresh);
                Trim(_points[i]);
                Trim(_append[i]);
            }

            await SyncAsync();
        });
    }

    private List<ChartPoint> Bounded(IReadOnlyList<ChartPoint> points)
    {
        var list = points.OrderBy(p => p.UnixMs).ToList();
        Trim(list);
        return list;
    }

    private void Trim(List<ChartPoint> list)
    {
        if (list.Count > MaxPoints)
        {
            list.RemoveRange(0, list.Count - MaxPoints);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await CallSafeAsync(async () => _module = await JS.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath));
            if (_disposed)
            {
                await DestroyAsync();
                return;
            }

            await SyncAsync();
            return;
        }

        if (_chartId is not null && _module is not null && _appliedDarkMode != IsDarkMode)
        {
            _appliedDarkMode = IsDarkMode;
            await CallSafeAsync(() => _module.InvokeVoidAsync("setTheme", _chartId, ThemeName).AsTask());
        }
    }

    private string ThemeName => IsDarkMode ? "dark" : "light";

    private string Signature() => string.Join("|", _series.Select(s => s.Name + "#" + s.Color)) + "|" + Unit + "|" + Decimals;

    private object[] ThresholdOptions() => [.. _thresholds.Select(t => new { value = t.Value, label = t.Label, color = t.Color })];

    private static double?[][][] Wire(IEnumerable<List<ChartPoint>> lines) =>
        [.. lines.Select(line => line.Select(p => new double?[] { p.UnixMs, p.Value }).ToArray())];

    // Runs on the renderer's dispatcher only; the flag keeps one exchange in flight so the chart sees calls in order.
    private async Task SyncAsync()
    {
        if (_syncing || _module is null || _disposed)
        {
            return;
        }

        _syncing = true;
        try
        {
            while (!_disposed && (_dirty || _append.Any(a => a.Count > 0)))
            {
                if (_dirty)
                {
                    _dirty = false;
                    foreach (var buffer in _append)
                    {
                        buffer.Clear();
                    }

                    await SendAllAsync();
                    continue;
                }

                var batch = Wire(_append);
                foreach (var buffer in _append)
                {
                    buffer.Clear();
                }

                if (_chartId is not null)
                {
                    await CallSafeAsync(() => _module.InvokeAsync<int>("appendPoints", _chartId, batch).AsTask());
                }
            }
        }
        finally
        {
            _syncing = false;
        }
    }

    private async Task SendAllAsync()
    {
        var signature = Signature();
        var points = Wire(_points);
        if (_chartId is null || signature != _createdSignature)
        {
            await DestroyChartAsync();
            var options = new
            {
                type = "line",
                height = Height,
                series = _series.Select(s => new { name = s.Name, color = s.Color }).ToArray(),
                unit = Unit,
                decimals = Decimals,
                maxPoints = MaxPoints,
                mode = ThemeName,
                ariaLabel = AriaLabel,
                thresholds = ThresholdOptions(),
            };
            await CallSafeAsync(async () =>
            {
                _chartId = await _module!.InvokeAsync<string?>("createChart", _element, options);
                _createdSignature = signature;
                _appliedDarkMode = IsDarkMode;
            });
            if (_chartId is not null)
            {
                await CallSafeAsync(() => _module!.InvokeAsync<int>("appendPoints", _chartId, points).AsTask());
            }

            return;
        }

        var thresholds = ThresholdOptions();
        var module = _module!;
        var chartId = _chartId;
        await CallSafeAsync(async () =>
        {
            await module.InvokeAsync<int>("resetPoints", chartId, points, null);
            await module.InvokeVoidAsync("setThresholds", chartId, (object)thresholds);
        });
    }

    private async Task DestroyChartAsync()
    {
        if (_chartId is { } id && _module is { } module)
        {
            _chartId = null;
            await CallSafeAsync(() => module.InvokeVoidAsync("destroy", id).AsTask());
        }
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
            // The page closed or the circuit ended mid-call (pending interop calls are cancelled): expected.
        }
        catch (JSException ex)
        {
            // A chart that cannot draw must not take the page down; the history table shows the same values.
            _error = ex.Message;
            StateHasChanged();
        }
    }

    private async Task DestroyAsync()
    {
        var module = _module;
        await DestroyChartAsync();
        _module = null;
        if (module is not null)
        {
            try
            {
                await module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // Gone with the page.
            }
            catch (OperationCanceledException)
            {
                // The circuit is ending: cancelled with it.
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        await DestroyAsync();
    }
}
