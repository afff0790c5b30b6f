using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Charts;

/// <summary>A donut over ApexCharts: created once after the first render, then only its slices are replaced.</summary>
public sealed partial class DonutChart : IAsyncDisposable
{
    private ElementReference _element;
    private IJSObjectReference? _module;
    private string? _chartId;
    private bool _disposed;
    private bool? _appliedDarkMode;
    private (string[] Labels, double[] Values)? _pending;

    [Inject]
    public required IJSRuntime JS { get; init; }

    /// <summary>Height in pixels.</summary>
    [Parameter]
    public int Height { get; set; } = 260;

    /// <summary>Unit appended to values in tooltips.</summary>
    [Parameter]
    public string? Unit { get; set; }

    /// <summary>Accessible description.</summary>
    [Parameter]
    public string? AriaLabel { get; set; }

    /// <summary>data-testid of the chart element.</summary>
    [Parameter]
    public string? TestId { get; set; }

    /// <summary>Cascaded by the layout: whether the dark theme is active.</summary>
    [CascadingParameter(Name = "IsDarkMode")]
    public bool IsDarkMode { get; set; }

    /// <summary>Replaces the slices (sent only when they changed).</summary>
    public Task SetAsync(IReadOnlyList<string> labels, IReadOnlyList<double> values) => InvokeAsync(async () =>
    {
        var next = (labels.ToArray(), values.ToArray());
        if (_pending is { } p && p.Labels.SequenceEqual(next.Item1) && p.Values.SequenceEqual(next.Item2))
        {
            return;
        }

        _pending = next;
        if (_chartId is not null && _module is not null && !_disposed)
        {
            await SafeAsync(() => _module.InvokeVoidAsync("setDonut", _chartId, next.Item1, next.Item2).AsTask());
        }
    });

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await SafeAsync(async () =>
            {
                _module = await JS.InvokeAsync<IJSObjectReference>("import", LiveLineChart.ModulePath);
                if (_module is null || _disposed)
                {
                    return;
                }

                var created = _pending;
                _chartId = await _module.InvokeAsync<string?>("createDonut", _element, new
                {
                    height = Height,
                    mode = IsDarkMode ? "dark" : "light",
                    labels = created?.Labels ?? [],
                    values = created?.Values ?? [],
                    unit = Unit,
                    ariaLabel = AriaLabel,
                });
                _appliedDarkMode = IsDarkMode;

                // Slices set while the chart was being created were not sent: send the newest now.
                if (_pending is { } latest && !Equals(latest, created) && _chartId is not null)
                {
                    await _module.InvokeVoidAsync("setDonut", _chartId, latest.Labels, latest.Values);
                }
            });
            return;
        }

        if (_chartId is not null && _module is not null && _appliedDarkMode != IsDarkMode)
        {
            _appliedDarkMode = IsDarkMode;
            await SafeAsync(() => _module.InvokeVoidAsync("setTheme", _chartId, IsDarkMode ? "dark" : "light").AsTask());
        }
    }

    private static async Task SafeAsync(Func<Task> call)
    {
        try
        {
            await call();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone.
        }
        catch (OperationCanceledException)
        {
            // The page closed or the circuit ended mid-call (pending interop calls are cancelled): expected.
        }
        catch (ObjectDisposedException)
        {
            // The circuit's JS runtime is already disposed.
        }
        catch (JSException)
        {
            // A chart that cannot draw must not take the page down; the table beside it shows the same figures.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_module is { } module)
        {
            await SafeAsync(async () =>
            {
                if (_chartId is not null)
                {
                    await module.InvokeVoidAsync("destroy", _chartId);
                }

                await module.DisposeAsync();
            });
        }
    }
}
