using System.Globalization;
using Conciergus.Core.Traces;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// A span waterfall: one row per span in depth-first order, indented by depth, a bar placed at the span's start
/// offset with a width proportional to its duration. AI calls are highlighted, failures red.
/// </summary>
public sealed partial class TraceWaterfall
{
    /// <summary>Indentation per depth level, in pixels.</summary>
    internal const int IndentPx = 16;

    /// <summary>Narrowest bar (percent of the track), so instant spans stay visible and clickable.</summary>
    internal const double MinWidthPercent = 0.4;

    /// <summary>Right edge (percent) up to which a duration label fits after its bar.</summary>
    private const double LabelRoomPercent = 85;

    /// <summary>The spans, depth-ordered (as <see cref="TraceStore.Get"/> returns them).</summary>
    [Parameter, EditorRequired]
    public required IReadOnlyList<TraceSpanNode> Spans { get; set; }

    /// <summary>Duration of the whole trace in milliseconds (the track's full width).</summary>
    [Parameter]
    public double TotalMs { get; set; }

    /// <summary>Span id of the highlighted row.</summary>
    [Parameter]
    public string? SelectedSpanId { get; set; }

    /// <summary>Called when a row is clicked or activated with Enter or Space.</summary>
    [Parameter]
    public EventCallback<TraceSpanNode> OnSelect { get; set; }

    private double Scale => Math.Max(TotalMs, Spans.Count == 0 ? 0 : Spans.Max(n => n.OffsetMs + Math.Max(0, n.Span.DurationMs))) is var total and > 0 ? total : 1;

    private IEnumerable<(double Fraction, double Ms)> Ticks
    {
        get
        {
            var scale = Scale;
            for (var i = 0; i <= 4; i++)
            {
                yield return (i / 4.0, scale * i / 4.0);
            }
        }
    }

    /// <summary>Left edge of a span's bar in percent of the track.</summary>
    internal double Left(TraceSpanNode node) => Math.Clamp(node.OffsetMs / Scale * 100, 0, 100 - MinWidthPercent);

    /// <summary>Width of a span's bar in percent of the track.</summary>
    internal double Width(TraceSpanNode node) => Math.Clamp(Math.Max(0, node.Span.DurationMs) / Scale * 100, MinWidthPercent, 100 - Left(node));

    // The duration label goes after the bar; when the bar reaches the right edge, before it; when the bar
    // spans nearly everything, inside it.
    private string DurationClass(TraceSpanNode node) =>
        Left(node) + Width(node) <= LabelRoomPercent ? "wf-duration" : Left(node) >= 100 - LabelRoomPercent ? "wf-duration wf-duration-before" : "wf-duration wf-duration-inside";

    private string DurationStyle(TraceSpanNode node) =>
        Left(node) + Width(node) <= LabelRoomPercent ? $"left:{Percent(Left(node) + Width(node))}"
        : Left(node) >= 100 - LabelRoomPercent ? $"right:{Percent(100 - Left(node))}"
        : $"right:{Percent(100 - Left(node) - Width(node))}";

    private string RowClass(TraceSpanNode node) =>
        "wf-row" + (node.IsAi ? " wf-ai" : "") + (node.IsError ? " wf-error" : "") + (node.Span.SpanId == SelectedSpanId ? " wf-selected" : "");

    private static string Percent(double value) => value.ToString("0.###", CultureInfo.InvariantCulture) + "%";

    private Task OnKeyAsync(KeyboardEventArgs e, TraceSpanNode node) =>
        e.Key is "Enter" or " " ? OnSelect.InvokeAsync(node) : Task.CompletedTask;
}
