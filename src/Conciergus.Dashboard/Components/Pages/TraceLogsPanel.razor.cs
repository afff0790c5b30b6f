using System.Globalization;
using Conciergus.Core.Logs;
using Conciergus.Core.Traces;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>The application log records of one trace, in time order, beside its waterfall (records of the selected span highlighted).</summary>
public sealed partial class TraceLogsPanel
{
    private IReadOnlyList<LogRecordEntry> _records = [];
    private Dictionary<string, string> _spanNames = new(StringComparer.Ordinal);
    private string? _error;

    [Inject]
    public required LogStore Logs { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    /// <summary>The trace whose records are shown.</summary>
    [Parameter]
    public string TraceId { get; set; } = "";

    /// <summary>The trace's spans (names the span of each record; a new list after a refresh reloads the records).</summary>
    [Parameter]
    public IReadOnlyList<TraceSpanNode> Spans { get; set; } = [];

    /// <summary>The selected span: its records are highlighted.</summary>
    [Parameter]
    public string? SelectedSpanId { get; set; }

    /// <summary>Start of the trace: times are shown relative to it.</summary>
    [Parameter]
    public DateTimeOffset TraceStart { get; set; }

    protected override void OnParametersSet()
    {
        try
        {
            _error = null;
            _records = Logs.ForTrace(TraceId.ToLowerInvariant());
            _spanNames = Spans.GroupBy(n => n.Span.SpanId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Span.Name, StringComparer.Ordinal);
        }
#pragma warning disable CA1031 // The panel shows the failure instead of tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = e.Message;
        }
    }

    private string Offset(LogRecordEntry r)
    {
        var ms = (r.Timestamp - TraceStart).TotalMilliseconds;
        return ms >= 0 ? "+" + Formatting.Duration(ms) : BrowserTime.Format(r.Timestamp, "HH:mm:ss.fff");
    }

    private string SpanLabel(LogRecordEntry r) =>
        r.SpanId is null ? "" : _spanNames.TryGetValue(r.SpanId, out var name) ? name : r.SpanId[..Math.Min(8, r.SpanId.Length)];

    private string RowClass(LogRecordEntry r) =>
        "log-row" + (r.SpanId is not null && r.SpanId == SelectedSpanId ? " log-selected" : "") + (r.IsError ? " log-error" : "");

    private static Color SeverityColor(LogRecordEntry r) => r.SeverityNumber switch
    {
        >= LogSeverity.Error => Color.Error,
        >= LogSeverity.Warn => Color.Warning,
        >= LogSeverity.Info => Color.Info,
        _ => Color.Default,
    };
}
