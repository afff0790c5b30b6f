namespace Conciergus.Dashboard.Components.Charts;

/// <summary>One point of a live chart: time in Unix milliseconds and a value (null leaves a gap).</summary>
/// <param name="UnixMs">Time, Unix epoch milliseconds.</param>
/// <param name="Value">Value, or null for "no value".</param>
public readonly record struct ChartPoint(long UnixMs, double? Value)
{
    /// <summary>A point at <paramref name="at"/>.</summary>
    public static ChartPoint At(DateTimeOffset at, double? value) => new(at.ToUnixTimeMilliseconds(), value);
}

/// <summary>One line of a live chart.</summary>
/// <param name="Name">Legend and tooltip name.</param>
/// <param name="Color">CSS colour, or null for the theme's palette.</param>
public sealed record ChartSeries(string Name, string? Color = null);
