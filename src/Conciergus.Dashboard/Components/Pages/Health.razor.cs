using System.Globalization;
using Conciergus.Core.Analytics;
using Conciergus.Core.Collector;
using Conciergus.Core.Health;
using Conciergus.Core.Storage;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Components.Charts;
using Conciergus.Dashboard.Components.Panels;
using Conciergus.Dashboard.Hubs;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>System health: ingestion rate, accepted / dropped, memory, LiteDB, live publisher and hub, per-model health.</summary>
public sealed partial class Health : PanelPage
{
    private static readonly IReadOnlyList<ChartSeries> IngestionSeries = [new("Operations/s", "#4c6ef5")];

    private readonly ChartFeed _feed;
    private LiveLineChart? _chart;
    private SummaryReport? _lastMinute;
    private CollectorStats? _stats;
    private IReadOnlyList<ModelRow> _models = [];
    private long _managedBytes;
    private long _workingSetBytes;
    private int _gen2;
    private long? _liteDbBytes;
    private SystemHealthReport? _verdict;

    /// <summary>Creates the page.</summary>
    public Health()
    {
        _feed = new ChartFeed((window, step) => [LinePoints(TimeSeriesMetric.RequestsPerSecond, window, step, SeriesKey.Total)]);
    }

    [Inject]
    public required AiOperationCollector Collector { get; init; }

    [Inject]
    public required ModelHealthClassifier Classifier { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <inheritdoc />
    protected override bool IsEmpty => false;

    private long DroppedTotal => _stats is null ? 0 : _stats.Dropped + _stats.TooOld + _stats.Overflowed + _stats.SinkFailures;

    private string HubText => Services.GetService<TelemetryHubPublisher>() is { } hub
        ? $"instance {hub.InstanceId} · {Formatting.Count(hub.Counters.Sent)} sent · {Formatting.Count(hub.Counters.Failures)} failed · {Formatting.Count(hub.Counters.Dropped)} dropped"
        : "not configured";

    private string LiteDbText => Services.GetService<ConciergusDatabase>() is { } db
        ? $"{db.FilePath} · {(_liteDbBytes is { } b ? Bytes(b) : "not created yet")}"
        : "not configured";

    private string IngestionText => Services.GetService<Conciergus.Core.Ingestion.IngestionGate>()?.Snapshot() is { } gate
        ? $"{gate.InFlight} of {gate.Limit} concurrent requests in flight (peak {gate.PeakInFlight}) · {Formatting.Count(gate.ThrottledOtlp + gate.ThrottledJson)} refused with 429"
        : "not configured";

    /// <inheritdoc />
    protected override void Load()
    {
        _lastMinute = Analytics.Summary(TimeSpan.FromMinutes(1));
        _stats = Collector.Stats;
        _verdict = Conciergus.Dashboard.Components.Health.SystemHealthProbe.Evaluate(Services, Query.Window);
        _models = Analytics.Models(Query.Window).Select(m => ModelRow.Create(m, [], Classifier))
            .OrderByDescending(r => r.Health.Status).ThenByDescending(r => r.Report.Stats.Requests).ToList();
        _managedBytes = GC.GetTotalMemory(forceFullCollection: false);
        _workingSetBytes = Environment.WorkingSet;
        _gen2 = GC.CollectionCount(2);
        if (Services.GetService<ConciergusDatabase>() is { } db)
        {
            var file = new FileInfo(db.FilePath);
            _liteDbBytes = file.Exists ? file.Length : null;
        }
    }

    /// <inheritdoc />
    protected override Task PushChartsAsync(bool reset) => _feed.PushAsync(_chart, Query.Window, Step, TimeProvider.GetUtcNow(), reset);

    private static MudBlazor.Severity SeverityOf(ModelHealthStatus status) => status switch
    {
        ModelHealthStatus.Healthy => MudBlazor.Severity.Success,
        ModelHealthStatus.Degraded => MudBlazor.Severity.Warning,
        _ => MudBlazor.Severity.Error,
    };

    /// <summary>Bytes as KiB / MiB / GiB.</summary>
    internal static string Bytes(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes / 1024.0 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
        _ => (bytes / 1024.0 / 1024 / 1024).ToString("0.##", CultureInfo.InvariantCulture) + " GiB",
    };
}
