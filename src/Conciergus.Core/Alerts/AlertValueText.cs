using System.Globalization;

namespace Conciergus.Core.Alerts;

/// <summary>
/// A metric value in words for summaries and notifications, as the dashboard's tiles show it (issue 22 item 3):
/// "9.6%" for ratios, "1.25 s" for latencies, "$0.12" for money, "12.3k" for counts, "p &lt; 0.001" for the SRM p-value.
/// Kept equal to the Dashboard's <c>AlertFormat.Value</c> by a test (AlertValueTextTests).
/// </summary>
public static class AlertValueText
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The value of <paramref name="metric"/> as people read it.</summary>
    public static string Format(AlertMetric metric, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            return "–";
        }

        return metric switch
        {
            AlertMetric.RequestRate => Rate(value),
            AlertMetric.ErrorRate or AlertMetric.CostBurn => Percent(value),
            AlertMetric.LatencyP50 or AlertMetric.LatencyP95 or AlertMetric.LatencyP99 or AlertMetric.TtftP95 => Duration(value),
            AlertMetric.Cost or AlertMetric.UserCost => Usd((decimal)Math.Clamp(value, -1e12, 1e12)),
            AlertMetric.ExperimentSrm => PValue(value),
            AlertMetric.AppMetric => value.ToString("0.####", Invariant),
            AlertMetric.ComplianceRetentionOverdue => value.ToString("0.#", Invariant) + " h",
            _ => Count((long)Math.Round(value)),
        };
    }

    /// <summary>A p-value: "p &lt; 0.001", "p = 0.047", "p &gt; 0.999".</summary>
    public static string PValue(double p) => p switch
    {
        < 0.001 => "p < 0.001",
        > 0.999 => "p > 0.999",
        _ => "p = " + p.ToString("0.000", Invariant),
    };

    /// <summary>A ratio 0..1 as a percentage: 0%, 0.04%, 2.5%, 12%, 100%.</summary>
    public static string Percent(double ratio)
    {
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

    /// <summary>Milliseconds: 0.42 ms, 8.5 ms, 245 ms, 1.25 s, 12.5 s, 2m 05s.</summary>
    public static string Duration(double ms)
    {
        var abs = Math.Abs(ms);
        if (abs < 10)
        {
            return ms.ToString(abs < 1 ? "0.##" : "0.#", Invariant) + " ms";
        }

        // Switch to seconds on the rounded value: 999.6 ms reads "1.00 s", not "1000 ms".
        if (Math.Round(abs) < 1000)
        {
            return ms.ToString("0", Invariant) + " ms";
        }

        var seconds = ms / 1000;
        if (Math.Abs(seconds) < 59.95)
        {
            return (Math.Abs(seconds) < 9.995 ? seconds.ToString("0.00", Invariant) : seconds.ToString("0.0", Invariant)) + " s";
        }

        var total = TimeSpan.FromSeconds(Math.Round(Math.Abs(seconds)));
        var sign = seconds < 0 ? "-" : "";
        return total.TotalHours >= 1
            ? string.Create(Invariant, $"{sign}{(int)total.TotalHours}h {total.Minutes:00}m")
            : string.Create(Invariant, $"{sign}{total.Minutes}m {total.Seconds:00}s");
    }

    /// <summary>US dollars: $0.00, $0.0042, &lt;$0.0001, $12.34, $12,345, $1.23M.</summary>
    public static string Usd(decimal amount)
    {
        var abs = Math.Abs(amount);
        var sign = amount < 0 ? "-" : "";
        return abs switch
        {
            0 => "$0.00",
            < 0.0001m => sign + "<$0.0001",
            < 0.01m => sign + "$" + abs.ToString("0.00##", Invariant),
            < 1000m => sign + "$" + abs.ToString("0.00", Invariant),
            < 100_000m => sign + "$" + abs.ToString("#,##0", Invariant),
            _ => sign + "$" + Compact((double)abs),
        };
    }

    /// <summary>A per-second rate: 0/s, 0.05/s, 4.25/s, 1.23k/s.</summary>
    public static string Rate(double perSecond) =>
        perSecond == 0 ? "0/s" : (Math.Abs(perSecond) >= 1000 ? Compact(perSecond) : Significant(perSecond)) + "/s";

    /// <summary>A count: exact below 10,000, compact above (12.3k).</summary>
    public static string Count(long value) => Math.Abs(value) < 10_000 ? value.ToString("#,##0", Invariant) : Compact(value);

    private static string Compact(double value)
    {
        var abs = Math.Abs(value);
        if (abs < 1000 && value == Math.Floor(value))
        {
            return value.ToString("0", Invariant);
        }

        if (RoundSignificant(abs) < 1000)
        {
            return Significant(value);
        }

        (double Scale, string Suffix)[] scales = [(1e3, "k"), (1e6, "M"), (1e9, "B"), (1e12, "T")];
        foreach (var (scale, suffix) in scales)
        {
            if (RoundSignificant(abs / scale) < 1000 || scale == 1e12)
            {
                return Significant(value / scale) + suffix;
            }
        }

        return Significant(value);
    }

    /// <summary>Three significant digits, trailing zeros dropped: 1.23, 12.3, 123, 0.05 (the tiles use it too).</summary>
    public static string Significant(double value)
    {
        if (value == 0)
        {
            return "0";
        }

        var rounded = RoundSignificant(value);
        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(rounded)));
        var decimals = Math.Clamp(2 - magnitude, 0, 6);
        return rounded.ToString("0." + new string('#', decimals), Invariant);
    }

    /// <summary><paramref name="value"/> rounded to three significant digits (away from zero at the midpoint).</summary>
    public static double RoundSignificant(double value)
    {
        if (value == 0)
        {
            return 0;
        }

        var magnitude = (int)Math.Floor(Math.Log10(Math.Abs(value)));
        var decimals = 2 - magnitude;
        return decimals >= 0
            ? Math.Round(value, Math.Min(decimals, 15), MidpointRounding.AwayFromZero)
            : Math.Round(value / Math.Pow(10, -decimals), MidpointRounding.AwayFromZero) * Math.Pow(10, -decimals);
    }
}
