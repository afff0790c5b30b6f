using System.Globalization;

namespace Conciergus.Dashboard.Components;

/// <summary>
/// Number formatting for panels: short, stable-width figures an operator reads at a glance. Invariant
/// culture so screenshots, tests and the API agree. Missing values render as an em dash, never as 0.
/// </summary>
public static class Formatting
{
    /// <summary>What a panel shows for a value that does not exist (no samples in the window).</summary>
    public const string Missing = "—";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly (double Scale, string Suffix)[] Scales =
    [
        (1e3, "k"),
        (1e6, "M"),
        (1e9, "B"),
        (1e12, "T"),
    ];

    /// <summary>Counts with k/M/B/T suffixes and three significant digits: 950, 1.23k, 12.3k, 123k, 1.23M.</summary>
    public static string Compact(double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return Missing;
        }

        var abs = Math.Abs(value);
        if (abs < 1000 && value == Math.Floor(value))
        {
            // Counts below a thousand (tokens, requests) are shown exactly.
            return value.ToString("0", Invariant);
        }

        if (RoundSignificant(abs) < 1000)
        {
            return Significant(value);
        }

        foreach (var (scale, suffix) in Scales)
        {
            // Compare after rounding so 999,600 becomes "1M" rather than "1000k".
            if (RoundSignificant(abs / scale) < 1000 || scale == Scales[^1].Scale)
            {
                return Significant(value / scale) + suffix;
            }
        }

        return Significant(value);
    }

    /// <inheritdoc cref="Compact(double)"/>
    public static string Compact(long value) => Compact((double)value);

    /// <summary>A per-second rate: 0/s, 0.05/s, 4.25/s, 12.3/s, 1.23k/s.</summary>
    public static string Rate(double perSecond)
    {
        if (double.IsNaN(perSecond) || double.IsInfinity(perSecond))
        {
            return Missing;
        }

        return perSecond == 0 ? "0/s" : (Math.Abs(perSecond) >= 1000 ? Compact(perSecond) : Significant(perSecond)) + "/s";
    }

    /// <summary>A ratio 0..1 as a percentage: 0%, 0.04%, 2.5%, 12%, 100%.</summary>
    public static string Percent(double ratio)
    {
        if (double.IsNaN(ratio) || double.IsInfinity(ratio))
        {
            return Missing;
        }

        var percent = ratio * 100;
        var abs = Math.Abs(percent);
        var text = abs switch
        {
            0 => "0",
            < 1 => percent.ToString("0.0#", Invariant),
            < 10 => percent.ToString("0.0", Invariant),
            _ => percent.ToString("0", Invariant),
        };
        return text + "%";
    }

    /// <summary>A duration in milliseconds: 0.42 ms, 8.5 ms, 245 ms, 1.25 s, 12.5 s, 2m 05s; null as a dash (Core's <see cref="Conciergus.Core.Alerts.AlertValueText.Duration"/>).</summary>
    public static string Duration(double? milliseconds) =>
        milliseconds is not { } ms || double.IsNaN(ms) || double.IsInfinity(ms) ? Missing : Conciergus.Core.Alerts.AlertValueText.Duration(ms);

    /// <summary>A cost that may leave out unpriced calls: "unpriced" when nothing was priced (never "$0.00"), else the amount.</summary>
    public static string Cost(decimal amount, long? unpricedRequests) =>
        amount == 0 && unpricedRequests > 0 ? "unpriced" : Usd(amount);

    /// <summary>US dollars: $0.00, $0.0042, &lt;$0.0001, $12.34, $12,345, $1.23M.</summary>
    public static string Usd(decimal amount)
    {
        var abs = Math.Abs(amount);
        var sign = amount < 0 ? "-" : "";
        if (abs == 0)
        {
            return "$0.00";
        }

        if (abs < 0.0001m)
        {
            return sign + "<$0.0001";
        }

        if (abs < 0.01m)
        {
            // Sub-cent costs are normal for a single call; keep up to 4 decimals so they do not read as $0.00.
            return sign + "$" + abs.ToString("0.00##", Invariant);
        }

        if (abs < 1000m)
        {
            return sign + "$" + abs.ToString("0.00", Invariant);
        }

        if (abs < 100_000m)
        {
            return sign + "$" + abs.ToString("#,##0", Invariant);
        }

        return sign + "$" + Compact((double)abs);
    }

    /// <summary>A window length for labels: 30 s, 5 min, 90 min, 1 h, 36 h, 7 d.</summary>
    public static string Window(TimeSpan window)
    {
        if (window.TotalMinutes < 1)
        {
            return window.TotalSeconds.ToString("0.#", Invariant) + " s";
        }

        if (window.TotalHours < 1 || window.TotalMinutes % 60 != 0)
        {
            return window.TotalMinutes.ToString("0.#", Invariant) + " min";
        }

        return window.TotalDays >= 2 && window.TotalHours % 24 == 0
            ? window.TotalDays.ToString("0", Invariant) + " d"
            : window.TotalHours.ToString("0", Invariant) + " h";
    }

    /// <summary>A count shown exactly below 10,000 (1,234) and compactly above (12.3k), so small figures can be read to the unit.</summary>
    public static string Count(long value) => Math.Abs(value) < 10_000 ? value.ToString("#,##0", Invariant) : Compact(value);

    /// <summary>Change of a figure versus the previous window: "▲ 12%", "▼ 3.5%", "no change", "new" (previous was 0).</summary>
    public static string Change(double current, double previous)
    {
        if (double.IsNaN(current) || double.IsNaN(previous))
        {
            return Missing;
        }

        if (previous == 0)
        {
            return current == 0 ? "no change" : "new";
        }

        var ratio = (current - previous) / Math.Abs(previous);
        if (Math.Abs(ratio) < 0.0005)
        {
            return "no change";
        }

        return (ratio > 0 ? "▲ " : "▼ ") + Percent(Math.Abs(ratio));
    }

    /// <summary>
    /// A time in the browser's time zone (<see cref="BrowserTime.Zone"/>), with the offset in force at that instant
    /// (daylight saving included): "14:03:07" today-style, with the date when asked.
    /// </summary>
    public static string LocalTime(DateTimeOffset time, TimeZoneInfo zone, bool withDate = false) =>
        TimeZoneInfo.ConvertTime(time, zone).ToString(withDate ? "yyyy-MM-dd HH:mm:ss" : "HH:mm:ss", Invariant);

    // One rounding for tiles, charts' captions and alert texts (Core's AlertValueText).
    private static string Significant(double value) => Conciergus.Core.Alerts.AlertValueText.Significant(value);

    private static double RoundSignificant(double value) => Conciergus.Core.Alerts.AlertValueText.RoundSignificant(value);
}
