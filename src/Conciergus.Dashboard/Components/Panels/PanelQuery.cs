using Conciergus.Core.Analytics;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// What a panel shows, as kept in the URL (?window=1h&amp;model=openai/gpt-4o): the window and at most one filter.
/// The cache keeps one series per dimension (no cross-dimension series), so a filter selects exactly one
/// series and filters combine by precedence: application, then model, then environment.
/// </summary>
/// <param name="Window">The window (now - window, now].</param>
/// <param name="WindowText">The window as written in the URL ("1h").</param>
/// <param name="Filter">The selected series (<see cref="SeriesKey.Total"/> without a filter).</param>
/// <param name="Warning">Why part of the URL was ignored, in words (null when all of it applies).</param>
public sealed record PanelQuery(TimeSpan Window, string WindowText, SeriesKey Filter, string? Warning)
{
    /// <summary>The preset windows of the picker.</summary>
    public static IReadOnlyList<string> Presets { get; } = ["5m", "15m", "1h", "6h", "24h", "7d", "30d"];

    /// <summary>Whether a filter is active.</summary>
    public bool IsFiltered => Filter.Dimension != SeriesDimension.Total;

    /// <summary>Parses the query values; anything invalid falls back to the default with a warning.</summary>
    public static PanelQuery Parse(string? window, string? application, string? model, string? environment, TimeSpan defaultWindow)
    {
        var warnings = new List<string>();
        var span = defaultWindow;
        var text = TimeWindow.Format(defaultWindow);
        if (!string.IsNullOrWhiteSpace(window))
        {
            if (TimeWindow.TryParseWindow(window, out var parsed, out var error))
            {
                span = parsed;
                text = window.Trim();
            }
            else
            {
                warnings.Add($"window ignored: {error}");
            }
        }

        var given = new List<SeriesKey>();
        if (!string.IsNullOrWhiteSpace(application))
        {
            given.Add(new SeriesKey(SeriesDimension.Application, application));
        }

        if (!string.IsNullOrWhiteSpace(model))
        {
            var slash = model.IndexOf('/', StringComparison.Ordinal);
            given.Add(slash > 0 ? SeriesKey.ForModel(model[..slash], model[(slash + 1)..]) : new SeriesKey(SeriesDimension.Model, model));
        }

        if (!string.IsNullOrWhiteSpace(environment))
        {
            given.Add(new SeriesKey(SeriesDimension.Environment, environment));
        }

        if (given.Count > 1)
        {
            warnings.Add("one filter at a time: showing the first of application, model, environment");
        }

        return new PanelQuery(span, text, given.Count > 0 ? given[0] : SeriesKey.Total, warnings.Count == 0 ? null : string.Join("; ", warnings));
    }

    /// <summary>The URL value of a filter key ("provider/model" for models).</summary>
    public static string FilterValue(SeriesKey key) => AnalyticsService.DisplayKey(key);

    /// <summary>The query parameter name of a dimension that can filter.</summary>
    public static string? ParameterName(SeriesDimension dimension) => dimension switch
    {
        SeriesDimension.Application => "application",
        SeriesDimension.Model => "model",
        SeriesDimension.Environment => "environment",
        _ => null,
    };
}
