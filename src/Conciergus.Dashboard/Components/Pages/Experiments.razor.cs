using System.Globalization;
using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Experiments by state with live sample counts. Listens to the live publisher and re-queries the experiment
/// service at most every <see cref="RefreshInterval"/>, only when something changed.
/// </summary>
public sealed partial class Experiments : IDisposable
{
    /// <summary>Minimum time between two live re-queries.</summary>
    internal static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(1);

    private static readonly (ExperimentState State, string Key, string Title)[] Order =
    [
        (ExperimentState.Running, "running", "Running"),
        (ExperimentState.Paused, "paused", "Paused"),
        (ExperimentState.Draft, "draft", "Drafts"),
        (ExperimentState.Completed, "completed", "Completed"),
        (ExperimentState.Cancelled, "cancelled", "Cancelled"),
    ];

    private IReadOnlyList<Experiment> _experiments = [];
    private Dictionary<string, IReadOnlyDictionary<string, long>> _samples = [];
    private IDisposable? _subscription;
    private RenderThrottle? _throttle;
    private long _seenVersion = -1;

    [Inject]
    public required ExperimentService Service { get; init; }

    [Inject]
    public required LivePublisher Publisher { get; init; }

    [Inject]
    public required TimeProvider TimeProvider { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    private IEnumerable<(string Key, string Title, List<Experiment> Items)> Groups =>
        Order.Select(o => (o.Key, o.Title, _experiments.Where(e => e.State == o.State).ToList())).Where(g => g.Item3.Count > 0);

    protected override void OnInitialized()
    {
        Load();
        _throttle = new RenderThrottle(RefreshInterval, TimeProvider, () => InvokeAsync(Refresh));
        _subscription = Publisher.Subscribe(_ => _throttle?.Request());
    }

    private void Refresh()
    {
        if (Service.Version != _seenVersion)
        {
            Load();
            StateHasChanged();
        }
    }

    private void Load()
    {
        _seenVersion = Service.Version;
        _experiments = Service.List();
        _samples = _experiments.Where(e => e.StartedAt is not null).ToDictionary(e => e.Key, e => Service.SampleCounts(e.Key));
    }

    private string SampleText(Experiment e)
    {
        if (!_samples.TryGetValue(e.Key, out var counts))
        {
            return "not started";
        }

        return string.Join(" · ", e.Variants.Select(v => $"{v.Key} {Formatting.Compact(counts.GetValueOrDefault(v.Key))}"));
    }

    // In the browser's zone (daylight saving included) once known, else UTC; never the server's zone.
    private string Since(Experiment e) =>
        TimeZoneInfo.ConvertTime(e.StartedAt ?? e.CreatedAt, Services.GetService<BrowserTime>()?.Zone ?? TimeZoneInfo.Utc)
            .ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (firstRender && Services.GetService<BrowserTime>() is { } browserTime && Services.GetService<Microsoft.JSInterop.IJSRuntime>() is { } js
            && await browserTime.EnsureAsync(js))
        {
            StateHasChanged();
        }
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _throttle?.Dispose();
    }
}
