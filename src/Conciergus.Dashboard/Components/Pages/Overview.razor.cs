using System.Globalization;
using Conciergus.Core.Analytics;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// The landing page: headline KPIs over the live window and a per-second request chart. Reads only the
/// live publisher's snapshots (pre-aggregated), re-renders at most every <see cref="RenderInterval"/>, and
/// sends the chart only the points that are new since the last render.
/// </summary>
public sealed partial class Overview : IDisposable
{
    /// <summary>Minimum time between two re-renders caused by live updates.</summary>
    internal static readonly TimeSpan RenderInterval = TimeSpan.FromMilliseconds(250);

    private static readonly IReadOnlyList<ChartSeries> ChartSeries =
    [
        new("Requests", "#4c6ef5"),
        new("Errors", "#fa5252"),
    ];

    /// <summary>Completed seconds averaged for the "now" rate under the requests KPI.</summary>
    internal const int NowRateSeconds = 10;

    private readonly Lock _pendingGate = new();
    private readonly List<LivePoint> _pendingPoints = [];
    private readonly Queue<LivePoint> _lastPoints = new(NowRateSeconds);
    private double? _nowRate;
    private IDisposable? _subscription;
    private RenderThrottle? _throttle;
    private LiveLineChart? _chart;
    private LiveSnapshot? _snapshot;

    [Inject]
    public required LivePublisher Publisher { get; init; }

    [Inject]
    public required TimeProvider TimeProvider { get; init; }

    private LiveSnapshot? Snapshot => _snapshot;

    private SummaryReport? Summary => _snapshot?.Summary;

    private LivePublisherStatus Status { get; set; } = new(false, null, 0, 0, 0, 0, null);

    private bool IsLoading => _snapshot is null && Status.LastError is null;

    private bool IsEmpty => _snapshot is { Summary.Requests: 0 };

    private bool IsLive => _snapshot is not null && Status.LastError is null;

    private string WindowLabel => "last " + Formatting.Window(Publisher.Options.SummaryWindow);

    private string LiveLabel => _snapshot is null
        ? "waiting"
        : "live · " + _snapshot.At.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);

    // The value is the window average (as the API reports it); "now" is the last few completed seconds.
    private string? RequestsCaption => Summary is null
        ? null
        : $"avg {Formatting.Window(Publisher.Options.SummaryWindow)}" + (_nowRate is { } now ? $" · now {Formatting.Rate(now)}" : "");

    // Captions wrap between figures, never between a number and its unit.
    private static string NoBreak(string text) => text.Replace(' ', '\u00A0');

    private string? CostCaption => Summary switch
    {
        null => null,
        { UnpricedRequests: > 0 } s => $"{Formatting.Compact(s.UnpricedRequests)} unpriced requests not included",
        _ => WindowLabel,
    };

    protected override void OnInitialized()
    {
        _throttle = new RenderThrottle(RenderInterval, TimeProvider, () => InvokeAsync(RefreshAsync));

        // Subscribe before reading the history: a snapshot published in between is then delivered too, and
        // the chart ignores the (older or equal) points it already has.
        _subscription = Publisher.Subscribe(OnSnapshot);
        _snapshot = Publisher.Latest;
        Status = Publisher.Status;
        lock (_pendingGate)
        {
            AddPoints(Publisher.RecentPoints());
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender)
        {
            await FlushChartAsync();
        }
    }

    // Called on the publisher's thread: keep it short, never touch the renderer here.
    private void OnSnapshot(LiveSnapshot snapshot)
    {
        lock (_pendingGate)
        {
            AddPoints(snapshot.NewPoints);
        }

        Volatile.Write(ref _snapshot, snapshot);
        _throttle?.Request();
    }

    // Under _pendingGate.
    private void AddPoints(IReadOnlyList<LivePoint> points)
    {
        _pendingPoints.AddRange(points);
        foreach (var point in points)
        {
            if (_lastPoints.Count == NowRateSeconds)
            {
                _lastPoints.Dequeue();
            }

            _lastPoints.Enqueue(point);
        }

        if (_lastPoints.Count > 0)
        {
            _nowRate = (double)_lastPoints.Sum(p => p.Requests) / _lastPoints.Count;
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            Status = Publisher.Status;
            StateHasChanged();
            await FlushChartAsync();
        }
#pragma warning disable CA1031 // Surfaced to the circuit's error handling rather than lost on a fire-and-forget task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await DispatchExceptionAsync(ex);
        }
    }

    private Task FlushChartAsync()
    {
        if (_chart is null)
        {
            return Task.CompletedTask;
        }

        LivePoint[] points;
        lock (_pendingGate)
        {
            if (_pendingPoints.Count == 0)
            {
                return Task.CompletedTask;
            }

            points = [.. _pendingPoints];
            _pendingPoints.Clear();
        }

        var requests = new ChartPoint[points.Length];
        var errors = new ChartPoint[points.Length];
        for (var i = 0; i < points.Length; i++)
        {
            requests[i] = ChartPoint.At(points[i].Start, points[i].Requests);
            errors[i] = ChartPoint.At(points[i].Start, points[i].Errors);
        }

        return _chart.AppendAsync([requests, errors]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The subscription first: once it is gone no snapshot can ask the (then disposed) throttle for a render.
        _subscription?.Dispose();
        _throttle?.Dispose();
    }
}
