namespace Conciergus.Dashboard.Components.Charts;

/// <summary>A dashed horizontal line on a chart (an alert threshold, a recovery threshold).</summary>
/// <param name="Value">Where, in the chart's units.</param>
/// <param name="Label">Text at the line's left end.</param>
/// <param name="Color">CSS colour (red by default).</param>
public sealed record ChartThreshold(double Value, string Label, string? Color = null);
