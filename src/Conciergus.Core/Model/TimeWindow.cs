using System.Globalization;

namespace Conciergus.Core.Model;

/// <summary>Parses and formats windows and steps like "90s", "5m", "1h", "24h", "7d".</summary>
public static class TimeWindow
{
    /// <summary>Shortest window the read API accepts.</summary>
    public static readonly TimeSpan MinWindow = TimeSpan.FromMinutes(1);

    /// <summary>Longest window the read API accepts.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(30);

    /// <summary>Parses "&lt;positive integer&gt;&lt;s|m|h|d&gt;"; false with a reason otherwise.</summary>
    public static bool TryParse(string? text, out TimeSpan value, out string? error)
    {
        value = default;
        error = null;
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length < 2)
        {
            error = "expected a number followed by s, m, h or d (for example 5m, 1h, 24h, 7d)";
            return false;
        }

        var unit = char.ToLowerInvariant(s[^1]);
        if (!long.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount <= 0 || amount > 1_000_000)
        {
            error = "expected a positive whole number followed by s, m, h or d (for example 5m, 1h, 24h, 7d)";
            return false;
        }

        switch (unit)
        {
            case 's': value = TimeSpan.FromSeconds(amount); return true;
            case 'm': value = TimeSpan.FromMinutes(amount); return true;
            case 'h': value = TimeSpan.FromHours(amount); return true;
            case 'd': value = TimeSpan.FromDays(amount); return true;
            default:
                error = $"unknown unit '{s[^1]}': use s, m, h or d (for example 5m, 1h, 24h, 7d)";
                return false;
        }
    }

    /// <summary>Parses a read-API window: like <see cref="TryParse"/> and within 1m..30d.</summary>
    public static bool TryParseWindow(string? text, out TimeSpan value, out string? error)
    {
        if (!TryParse(text, out value, out error))
        {
            return false;
        }

        if (value < MinWindow || value > MaxWindow)
        {
            error = $"window must be between 1m and 30d, got {text}";
            return false;
        }

        return true;
    }

    /// <summary>Formats a span as the shortest exact "Ns/Nm/Nh/Nd".</summary>
    public static string Format(TimeSpan span)
    {
        if (span.Ticks % TimeSpan.TicksPerDay == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.Ticks / TimeSpan.TicksPerDay}d");
        }

        if (span.Ticks % TimeSpan.TicksPerHour == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.Ticks / TimeSpan.TicksPerHour}h");
        }

        if (span.Ticks % TimeSpan.TicksPerMinute == 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{span.Ticks / TimeSpan.TicksPerMinute}m");
        }

        return string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###}s");
    }
}
