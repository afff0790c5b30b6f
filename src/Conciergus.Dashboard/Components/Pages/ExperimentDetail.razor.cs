using System.Globalization;
using Conciergus.Core.Experiments;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Live;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// One experiment: lifecycle buttons (Operators, with a confirmation), the recommendation, SRM and power, the
/// per-variant table, a lift-with-interval chart and the cumulative primary metric per variant. Live: re-queries on the
/// experiment service's changes and the live publisher's (new outcomes), at most every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class ExperimentDetail
{
    /// <summary>Minimum time between two live re-queries.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private const string NoWinner = "";

    private static readonly string[] Palette = ["#4c6ef5", "#12b886", "#fab005", "#e64980", "#7950f2", "#fd7e14", "#15aabf", "#82c91e", "#868e96", "#fa5252"];

    private Experiment? _experiment;
    private ExperimentResults? _results;
    private PendingAction? _pending;
    private string? _winner = NoWinner;
    private string? _actionError;
    private LiveLineChart? _chart;

    // False while prerendered: lifecycle buttons wait for the circuit.
    private bool _interactive;
    private long _chartSentUntil = long.MinValue;
    private IReadOnlyList<ChartSeries> _chartSeries = [];

    /// <summary>Experiment key from the route.</summary>
    [Parameter]
    public required string Key { get; set; }

    [Inject]
    public required ExperimentService Service { get; init; }

    [Inject]
    public required LivePublisher Publisher { get; init; }

    [Inject]
    public required TimeSeriesCache Cache { get; init; }

    [Inject]
    public required TimeProvider TimeProvider { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    internal enum PendingAction
    {
        Start,
        Pause,
        Stop,
        Cancel,
    }

    private IReadOnlyList<ChartSeries> ChartSeries => _chartSeries;

    private IEnumerable<string> ShownMetrics => _results is null
        ? []
        : new[] { _results.PrimaryMetric }.Concat(_experiment!.GuardrailMetrics).Distinct(StringComparer.Ordinal);

    private string StateText => _experiment is null ? "" : ExperimentService.Wire(_experiment.State);

    private Color StateColor => _experiment?.State switch
    {
        ExperimentState.Running => Color.Success,
        ExperimentState.Paused => Color.Warning,
        ExperimentState.Completed => Color.Primary,
        ExperimentState.Cancelled => Color.Error,
        _ => Color.Default,
    };

    private Severity RecommendationSeverity => _results?.Recommendation.Action switch
    {
        RecommendationActions.StopWinner => Severity.Success,
        RecommendationActions.StopNoWinner => Severity.Warning,
        RecommendationActions.ExtendDuration => Severity.Warning,
        _ => Severity.Info,
    };

    private string CumulativeTitle => PrimaryIsOperational ? $"Cumulative {_experiment!.PrimaryMetric}" : "Cumulative operations";

    private bool PrimaryIsOperational => _experiment?.PrimaryMetric is ExperimentMetrics.SuccessRate or ExperimentMetrics.Latency
        or ExperimentMetrics.LatencyP95 or ExperimentMetrics.CostPerRequest or ExperimentMetrics.Tokens or ExperimentMetrics.TimeToFirstToken;

    private string? CumulativeUnit => _experiment?.PrimaryMetric switch
    {
        ExperimentMetrics.Latency or ExperimentMetrics.LatencyP95 or ExperimentMetrics.TimeToFirstToken => "ms",
        ExperimentMetrics.CostPerRequest => "USD",
        ExperimentMetrics.SuccessRate => "%",
        _ => null,
    };

    private int CumulativeDecimals => _experiment?.PrimaryMetric == ExperimentMetrics.CostPerRequest ? 5 : 1;

    protected override void OnParametersSet()
    {
        Load();
        _chartSeries = _experiment is null
            ? []
            : [.. _experiment.Variants.Select((v, i) => new ChartSeries(v.Key, Palette[i % Palette.Length]))];
        _chartSentUntil = long.MinValue;
    }

    protected override void OnInitialized()
    {
        Listen(Service.Changes, RefreshInterval, TimeProvider);
        Listen(Publisher.Changes, RefreshInterval, TimeProvider);
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;

            // History times read in the browser's zone once it said which (UTC until then).
            if (Services.GetService<BrowserTime>() is { } browserTime && Services.GetService<Microsoft.JSInterop.IJSRuntime>() is { } js)
            {
                await browserTime.EnsureAsync(js);
            }

            StateHasChanged();
            await AppendCumulativeAsync();
        }
    }

    private void Load()
    {
        _experiment = Service.Get(Key);
        _results = _experiment is null ? null : Service.GetResults(Key);
    }

    /// <inheritdoc />
    protected override async Task OnLiveChangeAsync()
    {
        Load();
        StateHasChanged();
        await AppendCumulativeAsync();
    }

    /// <summary>Sends the chart the completed buckets since the last send, as cumulative values per variant.</summary>
    private Task AppendCumulativeAsync()
    {
        if (_chart is null || _experiment is not { StartedAt: { } started })
        {
            return Task.CompletedTask;
        }

        var now = TimeProvider.GetUtcNow();
        var end = _experiment.EndedAt ?? now;
        var points = CumulativePoints(_experiment, started, end, now);
        if (points.Count == 0)
        {
            return Task.CompletedTask;
        }

        var fresh = points.Select(series => (IReadOnlyList<ChartPoint>)[.. series.Where(p => p.UnixMs > _chartSentUntil)]).ToList();
        if (fresh.All(s => s.Count == 0))
        {
            return Task.CompletedTask;
        }

        _chartSentUntil = fresh.SelectMany(s => s).Max(p => p.UnixMs);
        return _chart.AppendAsync(fresh);
    }

    /// <summary>Per variant, the cumulative primary metric at the end of each completed bucket since the start.</summary>
    internal List<List<ChartPoint>> CumulativePoints(Experiment experiment, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        var result = new List<List<ChartPoint>>(experiment.Variants.Count);
        TimeSpan step;
        try
        {
            step = Cache.StepFor(from);
        }
        catch (ArgumentException)
        {
            return result;
        }

        foreach (var variant in experiment.Variants)
        {
            var series = new List<ChartPoint>();
            IReadOnlyList<BucketPoint> buckets;
            try
            {
                buckets = Cache.Range(SeriesKey.ForVariant(experiment.Key, variant.Key), from, to, step);
            }
            catch (ArgumentException)
            {
                buckets = [];
            }

            long requests = 0, errors = 0, tokens = 0, ttftCount = 0;
            double latencySum = 0, ttftSum = 0;
            decimal cost = 0;
            foreach (var bucket in buckets)
            {
                var end = bucket.Start + step;
                if (end > now)
                {
                    break;
                }

                var a = bucket.Aggregate;
                requests += a.Requests;
                errors += a.Errors;
                tokens += a.InputTokens + a.OutputTokens;
                latencySum += a.Latency.Count == 0 ? 0 : a.Latency.Sum;
                ttftCount += a.TimeToFirstToken.Count;
                ttftSum += a.TimeToFirstToken.Count == 0 ? 0 : a.TimeToFirstToken.Sum;
                cost += a.CostUsd;
                double? value = requests == 0 ? null : experiment.PrimaryMetric switch
                {
                    ExperimentMetrics.SuccessRate => 100.0 * (requests - errors) / requests,
                    ExperimentMetrics.Latency or ExperimentMetrics.LatencyP95 => latencySum / requests,
                    ExperimentMetrics.TimeToFirstToken => ttftCount == 0 ? null : ttftSum / ttftCount,
                    ExperimentMetrics.CostPerRequest => (double)(cost / requests),
                    ExperimentMetrics.Tokens => (double)tokens / requests,
                    _ => requests,
                };
                series.Add(ChartPoint.At(end, value));
            }

            result.Add(series);
        }

        return result;
    }

    private void Ask(PendingAction action)
    {
        _actionError = null;
        _pending = action;
        _winner = _results?.Recommendation.Winner ?? NoWinner;
    }

    private string ConfirmText(PendingAction action) => action switch
    {
        PendingAction.Start when _experiment!.State == ExperimentState.Paused => $"Resume '{Key}'? Calls are assigned and rewritten again.",
        PendingAction.Start => $"Start '{Key}'? Targeted calls with a user id are assigned to variants and rewritten from now on.",
        PendingAction.Pause => $"Pause '{Key}'? Calls go out unchanged until it is resumed.",
        PendingAction.Stop => $"Stop '{Key}'? This is final.",
        _ => $"Cancel '{Key}'? This is final and keeps no winner.",
    };

    private async Task ConfirmAsync()
    {
        if (_pending is not { } action)
        {
            return;
        }

        try
        {
            var actor = await ActorAsync();
            _ = action switch
            {
                PendingAction.Start => await Service.StartAsync(Key, actor),
                PendingAction.Pause => await Service.PauseAsync(Key, actor),
                PendingAction.Stop => await Service.StopAsync(Key, string.IsNullOrEmpty(_winner) ? null : _winner, actor),
                _ => await Service.CancelAsync(Key, actor),
            };
            _pending = null;
            Load();
        }
        catch (RefusalException e)
        {
            _actionError = e.Message;
        }
    }

    private async Task NewVersionAsync()
    {
        try
        {
            var created = await Service.CreateVersionAsync(Key, await ActorAsync());
            Navigation.NavigateTo($"/experiments/{created.Key}/edit");
        }
        catch (RefusalException e)
        {
            _actionError = e.Message;
        }
    }

    private Task<Actor> ActorAsync() => ActorFactory.OfAsync(Services);

    private bool IsSignificant(MetricResult? m) => m?.PValue is { } p && p < (_results?.SignificanceLevel ?? 0.05);

    private static string RecommendationTitle(string action) => action switch
    {
        RecommendationActions.StopWinner => "Stop: we have a winner.",
        RecommendationActions.StopNoWinner => "Stop: no winner.",
        RecommendationActions.ExtendDuration => "Extend the duration.",
        _ => "Continue.",
    };

    private static string MetricValue(string metric, double? value) => Conciergus.Dashboard.Components.Experiments.ExperimentFormat.Value(metric, value);

    private static string Lift(double? lift) => Conciergus.Dashboard.Components.Experiments.ExperimentFormat.Lift(lift);

    /// <summary>A history time in the browser's zone (daylight saving included), never the server's.</summary>
    private string HistoryTime(DateTimeOffset at) =>
        Formatting.LocalTime(at, Services.GetService<BrowserTime>()?.Zone ?? TimeZoneInfo.Utc, withDate: true);

    /// <summary>"UTC" or the browser's IANA zone, for the history's heading.</summary>
    private string ZoneLabel => Services.GetService<BrowserTime>()?.Label ?? "UTC";

    private static string EffectSize(MetricResult? m) => m switch
    {
        { CohensD: { } d } => "d = " + d.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture),
        { CohensH: { } h } => "h = " + h.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture),
        _ => "–",
    };

    private static string? NotApplicableCaption(ExperimentResults results)
    {
        var count = results.Variants.Sum(v => v.NotApplicable);
        return count == 0 ? null : string.Create(CultureInfo.InvariantCulture,
            $"{Formatting.Compact(count)} calls not applicable (a variant's model is not served by the call's provider): sent unchanged, not counted");
    }

    private static string Pct(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";

    /// <summary>One row of the lift chart, positions as fractions of the track.</summary>
    private sealed record LiftBar(string Key, double Zero, double? Low, double? High, double? Point, string Text, string Css);

    private List<LiftBar> LiftBars
    {
        get
        {
            if (_results is null)
            {
                return [];
            }

            var primary = _results.PrimaryMetric;
            var rows = _results.Variants.Skip(1).Select(v => (v.Key, M: v.Metrics.GetValueOrDefault(primary))).ToList();
            var extent = rows.SelectMany(r => new[] { r.M?.CiLow, r.M?.CiHigh, r.M?.Lift }).Where(x => x is not null).Select(x => Math.Abs(x!.Value)).DefaultIfEmpty(0.1).Max();
            extent = Math.Clamp(extent * 1.1, 0.01, 10);
            double Map(double x) => Math.Clamp((x + extent) / (2 * extent), 0, 1);
            var alpha = _results.SignificanceLevel;
            return [.. rows.Select(r =>
            {
                // The same verdict as the results table (p below alpha in the metric's good or bad direction), in words too.
                var verdict = Conciergus.Dashboard.Components.Experiments.ExperimentFormat.Verdict(primary, r.M, alpha);
                var css = Conciergus.Dashboard.Components.Experiments.ExperimentFormat.VerdictCss(verdict);
                return new LiftBar(
                    r.Key,
                    Map(0),
                    r.M?.CiLow is { } low ? Map(low) : null,
                    r.M?.CiHigh is { } high ? Map(high) : null,
                    r.M?.Lift is { } lift ? Map(lift) : null,
                    r.M?.Lift is { } l
                        ? $"{Lift(l)} {Conciergus.Dashboard.Components.Experiments.ExperimentFormat.VerdictText(verdict)} ({Conciergus.Dashboard.Components.Experiments.ExperimentFormat.Interval(r.M.CiLow, r.M.CiHigh)})"
                        : "not enough data",
                    css);
            })];
        }
    }
}
