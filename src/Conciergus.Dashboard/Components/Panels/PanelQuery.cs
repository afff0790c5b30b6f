using Conciergus.Core.Analytics;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// What a panel shows, as kept in the URL (?window=1h&amp;model=gpt-4o,gpt-4o-mini&amp;application=support-bot): the
/// window and the filters, the same names and syntax as the read API (AND across fields, a comma means OR).
/// </summary>
/// <param name="Window">The window (now - window, now].</param>
/// <param name="WindowText">The window as written in the URL ("1h").</param>
/// <param name="Filter">The filters in force (empty: all traffic).</param>
/// <param name="Warning">Why part of the URL was ignored, in words (null when all of it applies).</param>
public sealed record PanelQuery(TimeSpan Window, string WindowText, OperationFilter Filter, string? Warning)
{
    /// <summary>The preset windows of the picker.</summary>
    public static IReadOnlyList<string> Presets { get; } = ["5m", "15m", "1h", "6h", "24h", "7d", "30d"];

    /// <summary>Whether a filter is active.</summary>
    public bool IsFiltered => !Filter.IsEmpty;

    /// <summary>
    /// Parses the URL's query. Names in <paramref name="pageParameters"/> belong to the page (groupBy, ...) and are
    /// skipped; an unknown name or a bad value is ignored with a warning. Older links named a model as
    /// "provider/model": when <paramref name="cache"/> knows that provider, the value reads as that model of that provider.
    /// </summary>
    public static PanelQuery Parse(
        IEnumerable<KeyValuePair<string, IReadOnlyList<string?>>> query,
        TimeSpan defaultWindow,
        IReadOnlySet<string> pageParameters,
        TimeSeriesCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var warnings = new List<string>();
        var span = defaultWindow;
        var text = TimeWindow.Format(defaultWindow);
        var pairs = query.ToList();
        var window = pairs.FirstOrDefault(p => string.Equals(p.Key, "window", StringComparison.OrdinalIgnoreCase)).Value is { Count: > 0 } w ? w[0] : null;
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

        var skip = new HashSet<string>(pageParameters, StringComparer.OrdinalIgnoreCase) { "window" };
        var kept = new List<KeyValuePair<string, IReadOnlyList<string?>>>();
        foreach (var pair in pairs.Where(p => !skip.Contains(p.Key)))
        {
            if (!OperationFilter.TryParse([pair], skip, out _, out var error))
            {
                warnings.Add($"{pair.Key} ignored: {error}");
                continue;
            }

            kept.Add(pair);
        }

        OperationFilter.TryParse(kept, skip, out var filter, out _);
        filter = Legacy(filter, cache);
        return new PanelQuery(span, text, filter, warnings.Count == 0 ? null : string.Join("; ", warnings));
    }

    /// <summary>"model=openai/gpt-4o" (links made before filters existed) as the model gpt-4o of provider openai.</summary>
    private static OperationFilter Legacy(OperationFilter filter, TimeSeriesCache? cache)
    {
        if (cache is null || filter.Clause(FilterFields.Model) is not { Values: [var value] } || value.IndexOf('/', StringComparison.Ordinal) is not (> 0 and var slash))
        {
            return filter;
        }

        var provider = value[..slash];
        var model = value[(slash + 1)..];
        var models = cache.Keys(SeriesDimension.Model);
        if (models.Any(k => k.ModelParts.Model == value) || !models.Any(k => k.ModelParts == (provider, model)))
        {
            return filter; // a model id with a slash in it (or an unknown pair): keep it as written
        }

        var narrowed = AnalyticsService.Narrow(filter, FilterFields.Model, model);

        // Only another provider serving the same model id needs the provider clause (which the store then answers).
        return models.Any(k => k.ModelParts.Model == model && k.ModelParts.Provider != provider) && filter.Clause(FilterFields.Provider) is null
            ? AnalyticsService.Narrow(narrowed, FilterFields.Provider, provider)
            : narrowed;
    }
}
