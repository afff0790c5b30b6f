using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace Conciergus.Dashboard.Components.Charts;

/// <summary>A donut over ApexCharts through one <see cref="ChartHandle"/>: created once after the first render, then only its slices are replaced.</summary>
public sealed partial class DonutChart : IAsyncDisposable
{
    private ElementReference _element;
    private ChartHandle? _handle;
    private (string[] Labels, double[] Values)? _slices;
    private (string[] Labels, double[] Values)? _sent;

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
        if (_slices is { } p && p.Labels.SequenceEqual(next.Item1) && p.Values.SequenceEqual(next.Item2))
        {
            return;
        }

        _slices = next;
        await _handle!.PumpAsync(NextSend);
    });

    protected override void OnInitialized() =>
        // A chart that cannot draw must not take the page down; the table beside it shows the same figures.
        _handle = new ChartHandle(JS, _ => { });

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            var created = _slices;
            _sent = created;
            await _handle!.CreateAsync("createDonut", _element, new
            {
                height = Height,
                mode = IsDarkMode ? "dark" : "light",
                labels = created?.Labels ?? [],
                values = created?.Values ?? [],
                unit = Unit,
                ariaLabel = AriaLabel,
            }, IsDarkMode);

            // Slices set while the chart was being created were not sent: send the newest now.
            await _handle.PumpAsync(NextSend);
            return;
        }

        await _handle!.SyncThemeAsync(IsDarkMode);
    }

    private ChartSend? NextSend()
    {
        if (_slices is not { } slices || Equals(slices, _sent))
        {
            return null;
        }

        _sent = slices;
        return (module, chartId) => module.InvokeVoidAsync("setDonut", chartId, slices.Labels, slices.Values).AsTask();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _handle?.DisposeAsync() ?? ValueTask.CompletedTask;
}
