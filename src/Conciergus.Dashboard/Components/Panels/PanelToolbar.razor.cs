using Conciergus.Core.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>Title, live indicator, time-range picker and filter of a panel; changes go into the URL so views can be shared.</summary>
public sealed partial class PanelToolbar
{
    private string? _custom;
    private string? _customError;

    [Inject]
    public required NavigationManager Navigation { get; init; }

    /// <summary>Page title (the page's h1).</summary>
    [Parameter, EditorRequired]
    public required string Title { get; set; }

    /// <summary>The query in force.</summary>
    [Parameter, EditorRequired]
    public required PanelQuery Query { get; set; }

    /// <summary>Whether live updates are arriving.</summary>
    [Parameter]
    public bool Live { get; set; }

    /// <summary>Shows the live indicator (pages that are not pushed live, such as Traces, hide it).</summary>
    [Parameter]
    public bool ShowLive { get; set; } = true;

    /// <summary>Shows the time-range picker.</summary>
    [Parameter]
    public bool ShowWindow { get; set; } = true;

    /// <summary>Shows the filter bar (chips in the URL).</summary>
    [Parameter]
    public bool ShowFilters { get; set; } = true;

    private string SelectValue => PanelQuery.Presets.FirstOrDefault(IsSelected) ?? Query.WindowText;

    // "60m" selects the 1h preset: the same window, however it is written.
    private bool IsSelected(string preset) => ParsePreset(preset) == Query.Window;

    private static TimeSpan ParsePreset(string preset) => TimeWindow.TryParseWindow(preset, out var window, out _) ? window : TimeSpan.Zero;

    private void OnSelectChanged(ChangeEventArgs e)
    {
        if (e.Value is string window && TimeWindow.TryParseWindow(window, out _, out _))
        {
            SetWindow(window);
        }
    }

    private void SetWindow(string window) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("window", window));

    private void OnCustomKeyUp(KeyboardEventArgs e)
    {
        if (e.Key is "Enter")
        {
            ApplyCustom();
        }
    }

    private void ApplyCustom()
    {
        if (TimeWindow.TryParseWindow(_custom, out _, out var error))
        {
            _customError = null;
            SetWindow(_custom!.Trim());
        }
        else
        {
            _customError = error;
        }
    }
}
