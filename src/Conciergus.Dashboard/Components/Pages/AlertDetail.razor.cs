using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Dashboard.Components.Charts;
using Microsoft.AspNetCore.Components;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// One alert instance: state, value, labels and annotations, acknowledge / resolve, a link to the matching traces,
/// the rule's metric for this label set with the threshold (and recovery threshold) drawn, and the instance's history.
/// Live: re-reads on changes and appends new chart points.
/// </summary>
public sealed partial class AlertDetail : AlertComponentBase
{
    private static readonly (TimeSpan Range, string Title)[] Ranges =
        [(TimeSpan.FromHours(1), "1h"), (TimeSpan.FromHours(6), "6h"), (TimeSpan.FromHours(24), "24h")];

    private AlertInstance? _instance;
    private AlertRule? _rule;
    private AlertMetricChart? _chart;
    private TimeSpan _range = TimeSpan.FromHours(1);
    private string? _chartError;
    private bool _chartEmpty;
    private string? _chartSentFor;
    private string? _thresholdsSent;

    /// <summary>Instance id from the route.</summary>
    [Parameter]
    public required string Id { get; set; }

    private string TracesHref => _instance is null ? "/traces" : AlertFormat.TracesHref(_instance.Labels, _rule?.Metric);

    private string? AckText => _instance is { Acknowledged: true } i ? $"by {i.AcknowledgedBy} {AlertFormat.Relative(i.AcknowledgedAt, Now)}" : null;

    private string EndText => _instance switch
    {
        { State: AlertState.Resolved } i => AlertFormat.Relative(i.EndsAt, Now),
        { Acknowledged: true } i => i.AcknowledgedBy ?? "yes",
        _ => "no",
    };

    private string? EndCaption => _instance switch
    {
        { State: AlertState.Resolved } i => (i.ResolvedBy is { } by ? $"by {by} · " : "by the evaluator · ") + AlertFormat.Time(i.EndsAt, Offset),
        { Acknowledged: true } i => AlertFormat.Time(i.AcknowledgedAt, Offset),
        _ => null,
    };

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        _instance = alerts.GetInstance(Id);
        _rule = _instance is null ? null : alerts.GetRule(_instance.RuleId);
    }

    /// <inheritdoc />
    protected override async Task OnParametersSetAsync()
    {
        // A different instance through the same component (navigation between alerts): start the chart over.
        if (_chartSentFor is not null && _chartSentFor != Id)
        {
            await SendChartAsync(full: true);
        }
    }

    /// <inheritdoc />
    protected override Task OnFirstInteractiveRenderAsync() => SendChartAsync(full: true);

    /// <inheritdoc />
    protected override Task OnRefreshedAsync() => SendChartAsync(full: false);

    private Task SetRangeAsync(TimeSpan range)
    {
        _range = range;
        return SendChartAsync(full: true);
    }

    private string ValueText(double? value) => _rule is null ? AlertFormat.Number(value) : AlertFormat.Value(_rule, value);

    /// <summary>The chart's points and thresholds, in chart units.</summary>
    internal (IReadOnlyList<ChartPoint> Points, IReadOnlyList<ChartThreshold> Thresholds)? ChartData()
    {
        if (Service is null || _instance is null)
        {
            return null;
        }

        var series = Service.MetricHistory(_instance.Id, _range);
        var scale = _rule is null ? 1 : AlertFormat.ChartScale(_rule.Metric);
        IReadOnlyList<ChartPoint> points = [.. series.Points.Select(p => ChartPoint.At(p.At, double.IsNaN(p.Value) ? null : p.Value * scale))];
        var thresholds = new List<ChartThreshold>();
        if (_rule is not null)
        {
            thresholds.Add(new ChartThreshold(_rule.Threshold * scale, $"threshold {AlertWire.Symbol(_rule.Operator)} {AlertFormat.Value(_rule.Metric, _rule.Threshold)}"));
            if (_rule.RecoveryThreshold is { } recovery)
            {
                thresholds.Add(new ChartThreshold(recovery * scale, $"recovers past {AlertFormat.Value(_rule.Metric, recovery)}", "#12b886"));
            }
        }

        return (points, thresholds);
    }

    private async Task SendChartAsync(bool full)
    {
        if (_chart is null)
        {
            return;
        }

        try
        {
            if (ChartData() is not { } data)
            {
                return;
            }

            _chartError = null;
            _chartEmpty = data.Points.All(p => p.Value is null);
            var name = _rule is null ? "value" : AlertWire.Name(_rule.Metric);
            var thresholds = string.Join(",", data.Thresholds.Select(t => t.Value));
            if (full || _chartSentFor != Id || thresholds != _thresholdsSent)
            {
                // A rule edited while the page is open moves its threshold: redraw rather than append.
                _chartSentFor = Id;
                _thresholdsSent = thresholds;
                await _chart.SetAsync([new ChartSeries(name, "#4c6ef5")], [data.Points], data.Thresholds);
            }
            else
            {
                await _chart.AppendAsync([data.Points]);
            }
        }
        catch (RefusalException e)
        {
            _chartError = e.Message;
        }
    }
}
