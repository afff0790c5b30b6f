using Conciergus.Core.Analytics;
using Conciergus.Core.TimeSeries;
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

    [Inject]
    public required TimeSeriesCache Cache { get; init; }

    /// <summary>Page title (the page's h1).</summary>
    [Parameter, EditorRequired]
    public required string Title { get; set; }

    /// <summary>The query in force.</summary>
    [Parameter, EditorRequired]
    public required PanelQuery Query { get; set; }

    /// <summary>Whether live updates are arriving.</summary>
    [Parameter]
    public bool Live { get; set; }

    /// <summary>Shows the time-range picker.</summary>
    [Parameter]
    public bool ShowWindow { get; set; } = true;

    /// <summary>Shows the application / model / environment filter.</summary>
    [Parameter]
    public bool ShowFilters { get; set; } = true;

    private string CurrentFilter => Query.IsFiltered ? $"{PanelQuery.ParameterName(Query.Filter.Dimension)}={PanelQuery.FilterValue(Query.Filter)}" : "";

    private IEnumerable<(string Value, string Label)> FilterOptions()
    {
        foreach (var dimension in new[] { SeriesDimension.Application, SeriesDimension.Model, SeriesDimension.Environment })
        {
            var name = PanelQuery.ParameterName(dimension)!;
            foreach (var key in Cache.Keys(dimension).Where(k => !k.IsOverflow).OrderBy(k => k.Value, StringComparer.Ordinal).Take(50))
            {
                var value = PanelQuery.FilterValue(key);
                yield return ($"{name}={value}", $"{name}: {value}");
            }
        }

        if (Query.IsFiltered && !Cache.Keys(Query.Filter.Dimension).Contains(Query.Filter))
        {
            yield return (CurrentFilter, $"{PanelQuery.ParameterName(Query.Filter.Dimension)}: {PanelQuery.FilterValue(Query.Filter)}");
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

    private void SetFilter(string? value)
    {
        var parameters = new Dictionary<string, object?> { ["application"] = null, ["model"] = null, ["environment"] = null };
        if (!string.IsNullOrEmpty(value) && value.IndexOf('=', StringComparison.Ordinal) is var eq and > 0)
        {
            parameters[value[..eq]] = value[(eq + 1)..];
        }

        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(parameters));
    }
}
