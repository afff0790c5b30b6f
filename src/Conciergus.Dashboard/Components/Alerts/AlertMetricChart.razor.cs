using Conciergus.Dashboard.Components.Charts;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>
/// A rule's metric over time with its thresholds drawn: a <see cref="LiveLineChart"/> whose lines arrive with
/// <see cref="SetAsync"/> (the rules editor preview, a new range) and that appends only points newer than the newest
/// it holds (the alert detail re-reads the whole series on every change).
/// </summary>
public sealed partial class AlertMetricChart
{
    private static readonly IReadOnlyList<ChartSeries> NoLines = [];

    private LiveLineChart? _chart;
    private long[] _newest = [];

    /// <summary>Height in pixels.</summary>
    [Parameter]
    public int Height { get; set; } = 260;

    /// <summary>Unit of the axis and tooltips ("ms", "%").</summary>
    [Parameter]
    public string? Unit { get; set; }

    /// <summary>Maximum fraction digits.</summary>
    [Parameter]
    public int Decimals { get; set; } = 2;

    /// <summary>Points kept per line.</summary>
    [Parameter]
    public int MaxPoints { get; set; } = 720;

    /// <summary>Accessible description.</summary>
    [Parameter]
    public string? AriaLabel { get; set; }

    /// <summary>data-testid of the chart element.</summary>
    [Parameter]
    public string? TestId { get; set; }

    /// <summary>Whether the browser chart exists.</summary>
    internal bool IsCreated => _chart?.IsCreated == true;

    /// <summary>Replaces the lines, their points and the thresholds. Safe from any thread.</summary>
    public Task SetAsync(IReadOnlyList<ChartSeries> series, IReadOnlyList<IReadOnlyList<ChartPoint>> points, IReadOnlyList<ChartThreshold> thresholds)
    {
        ArgumentNullException.ThrowIfNull(series);
        ArgumentNullException.ThrowIfNull(points);
        return InvokeAsync(async () =>
        {
            List<ChartPoint>[] sorted = [.. series.Select((_, i) => i < points.Count ? points[i].OrderBy(p => p.UnixMs).ToList() : [])];
            _newest = [.. sorted.Select(line => line.Count > 0 ? line[^1].UnixMs : long.MinValue)];
            if (_chart is not null)
            {
                await _chart.ReplaceAsync(series, sorted, thresholds);
            }
        });
    }

    /// <summary>Appends the points newer than the newest held, per line (same order as the last <see cref="SetAsync"/>). Safe from any thread.</summary>
    public Task AppendAsync(IReadOnlyList<IReadOnlyList<ChartPoint>> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return InvokeAsync(async () =>
        {
            var fresh = new IReadOnlyList<ChartPoint>[_newest.Length];
            for (var i = 0; i < _newest.Length; i++)
            {
                var newest = _newest[i];
                fresh[i] = i < points.Count ? [.. points[i].Where(p => p.UnixMs > newest)] : [];
                if (fresh[i].Count > 0)
                {
                    _newest[i] = fresh[i].Max(p => p.UnixMs);
                }
            }

            if (_chart is not null && fresh.Any(f => f.Count > 0))
            {
                await _chart.AppendAsync(fresh);
            }
        });
    }
}
