using System.Globalization;
using Conciergus.Core.Experiments;
using Conciergus.Dashboard.Live;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Experiments by state with live sample counts. Re-queries the experiment service on its changes and on the live
/// publisher's (new traffic moves the sample counts), at most every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class Experiments
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
        Listen(Service.Changes, RefreshInterval, TimeProvider);
        Listen(Publisher.Changes, RefreshInterval, TimeProvider);
    }

    /// <inheritdoc />
    protected override Task OnLiveChangeAsync()
    {
        Load();
        StateHasChanged();
        return Task.CompletedTask;
    }

    private void Load()
    {
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
}
