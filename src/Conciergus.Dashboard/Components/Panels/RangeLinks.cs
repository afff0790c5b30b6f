using Conciergus.Core.Operations;
using Microsoft.AspNetCore.WebUtilities;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// Keeps the range and the filters across pages: a link made from the current address carries its <c>?window=</c>
/// and its filter parameters (the read API's names), so Overview at 6h opens Models at 6h. Page-only parameters
/// (groupBy, tab, ...) stay behind; parameters the link already names win.
/// </summary>
public static class RangeLinks
{
    /// <summary>The one default window of every page (the read API's too).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);

    /// <summary><paramref name="href"/> with the window and filters of <paramref name="currentUri"/> (absolute or relative).</summary>
    public static string Carry(string href, string? currentUri)
    {
        ArgumentNullException.ThrowIfNull(href);
        var carried = Carried(currentUri);
        if (carried.Count == 0)
        {
            return href;
        }

        var question = href.IndexOf('?', StringComparison.Ordinal);
        var named = question < 0
            ? new HashSet<string>(StringComparer.OrdinalIgnoreCase)
            : new HashSet<string>(QueryHelpers.ParseQuery(href[question..]).Keys, StringComparer.OrdinalIgnoreCase);
        var add = carried.Where(p => !named.Contains(p.Key)).ToList();
        return add.Count == 0 ? href : QueryHelpers.AddQueryString(href, add);
    }

    /// <summary>The window and filter parameters of <paramref name="currentUri"/>, in their written order.</summary>
    public static IReadOnlyList<KeyValuePair<string, string?>> Carried(string? currentUri)
    {
        if (string.IsNullOrEmpty(currentUri) || currentUri.IndexOf('?', StringComparison.Ordinal) is var q && q < 0)
        {
            return [];
        }

        var end = currentUri.IndexOf('#', q);
        var query = end < 0 ? currentUri[q..] : currentUri[q..end];
        var kept = new List<KeyValuePair<string, string?>>();
        foreach (var (name, values) in QueryHelpers.ParseQuery(query))
        {
            if (!IsCarried(name))
            {
                continue;
            }

            foreach (var value in values)
            {
                if (!string.IsNullOrEmpty(value))
                {
                    kept.Add(new(name, value));
                }
            }
        }

        return kept;
    }

    /// <summary>"Last 6 hours", "Last 15 minutes", "Last 90 minutes", "Last 7 days": what the picker says is selected.</summary>
    public static string Describe(TimeSpan window)
    {
        static string Unit(double n, string one) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Last {n:0.#} {one}{(n == 1 ? "" : "s")}");
        if (window.TotalMinutes < 1)
        {
            return Unit(window.TotalSeconds, "second");
        }

        if (window.TotalHours < 1 || window.TotalMinutes % 60 != 0)
        {
            return Unit(window.TotalMinutes, "minute");
        }

        return window.TotalHours % 24 == 0 ? Unit(window.TotalDays, "day") : Unit(window.TotalHours, "hour");
    }

    /// <summary>"window" and the filter names of the read API; everything else belongs to one page.</summary>
    private static bool IsCarried(string name) =>
        string.Equals(name, "window", StringComparison.OrdinalIgnoreCase)
        || FilterFields.TryNormalize(name, out _);
}
