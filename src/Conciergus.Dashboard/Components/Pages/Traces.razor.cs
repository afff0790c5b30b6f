using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Operations;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Components.Panels;
using Conciergus.Dashboard.Endpoints;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Recent traces with filters and a time range. The filters and the range (<c>?window=</c>, the picker of every page)
/// live in the URL's query string (bookmarkable, shareable, the back button works); each change navigates and the page
/// re-reads the trace store. Message previews follow the trace page's reveal rule: only with content capture on, for
/// the reveal role, after a switch whose use is audited.
/// </summary>
public sealed partial class Traces : IDisposable
{
    /// <summary>How often the list re-reads the store while auto-refresh is on.</summary>
    internal static readonly TimeSpan AutoRefreshInterval = TimeSpan.FromSeconds(2);

    /// <summary>Traces per page.</summary>
    internal const int PageSize = 50;

    /// <summary>Failed calls listed under "Recent errors".</summary>
    internal const int RecentErrorCount = 10;

    private TracePage? _page;
    private string? _error;
    private IReadOnlyList<AiOperation> _recentErrors = [];
    private TraceStoreStats? _stats;
    private ITimer? _refreshTimer;
    private bool _autoRefresh;
    private bool _interactive;

    /// <summary>Whether a phone shows the filter card (it is folded there so the traces come first; always shown on wider screens).</summary>
    private bool _filtersOpen;
    private OperationFilter _filter = OperationFilter.Empty;
    private string? _filterWarning;
    private PanelQuery _range = new(RangeLinks.DefaultWindow, TimeWindow.Format(RangeLinks.DefaultWindow), OperationFilter.Empty, null);
    private Dictionary<string, (string? Input, string? Output)> _previews = new(StringComparer.Ordinal);
    private bool _showPreviews;
    private string? _previewNote = "";
    private string? _previewError;

    [Inject]
    public required TraceStore Store { get; init; }

    [Inject]
    public required RecentErrors RecentErrors { get; init; }

    [Inject]
    public required TimeProvider TimeProvider { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    [Inject]
    public required IOptions<PrivacyOptions> Privacy { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>Time range (query string <c>window</c>, as on every page): traces that started within it.</summary>
    [SupplyParameterFromQuery(Name = "window")]
    public string? Window { get; set; }

    /// <summary>Model filter (query string <c>model</c>).</summary>
    [SupplyParameterFromQuery(Name = "model")]
    public string? Model { get; set; }

    /// <summary>Application filter (query string <c>application</c>).</summary>
    [SupplyParameterFromQuery(Name = "application")]
    public string? Application { get; set; }

    /// <summary>User filter (query string <c>user</c>).</summary>
    [SupplyParameterFromQuery(Name = "user")]
    public string? User { get; set; }

    /// <summary>Status filter, ok or error (query string <c>status</c>).</summary>
    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    /// <summary>Minimum duration in milliseconds (query string <c>minDurationMs</c>).</summary>
    [SupplyParameterFromQuery(Name = "minDurationMs")]
    public string? MinDurationMs { get; set; }

    /// <summary>Traces skipped, newest first (query string <c>offset</c>).</summary>
    [SupplyParameterFromQuery(Name = "offset")]
    public int? Offset { get; set; }

    private double? MinDurationValue =>
        double.TryParse(MinDurationMs, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms >= 0 ? ms : null;

    private bool HasFilters => !string.IsNullOrEmpty(Model) || !string.IsNullOrEmpty(Application) || !string.IsNullOrEmpty(User)
        || Status is "ok" or "error" || MinDurationValue is not null || !_filter.IsEmpty;

    private string HeldCaption => _stats is { } s ? $"{Formatting.Compact(s.Traces)} traces held (the most recent {Formatting.Compact(Store.Options.MaxTraces)})" : "";

    private string RangeCaption => _page is { Total: > 0 } p
        ? $"{p.Offset + 1}–{p.Offset + p.Traces.Count} of {p.Total}"
        : "";

    protected override void OnParametersSet() => Reload();

    protected override async Task OnInitializedAsync()
    {
        Navigation.LocationChanged += OnLocationChanged;

        // Previews need what revealing a trace's content needs: capture on, and the reveal role.
        _previewNote = !Privacy.Value.CaptureContent
            ? "not captured"
            : ContentReveal.MayReveal(await UserAsync(), Privacy.Value) ? null : "role";
    }

    private async Task<System.Security.Claims.ClaimsPrincipal?> UserAsync() =>
        Services.GetService(typeof(AuthenticationStateProvider)) is AuthenticationStateProvider auth
            ? (await auth.GetAuthenticationStateAsync()).User
            : null;

    // Turning previews on is a reveal of message content: audited first (no entry, no content), once per switch-on.
    private async Task SetShowPreviewsAsync(bool on)
    {
        _previewError = null;
        if (!on || _previewNote is not null)
        {
            _showPreviews = false;
            Reload();
            return;
        }

        try
        {
            var user = await UserAsync();
            if (Services.GetService(typeof(AuditRecorder)) is AuditRecorder recorder)
            {
                await ContentReveal.AuditAsync(recorder, user, "traces-list", Privacy.Value.CaptureContent, sourceIp: null, purpose: "traces list previews");
            }

            _showPreviews = true;
        }
#pragma warning disable CA1031 // A failed audit keeps the content hidden and says why, without tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _previewError = "The previews could not be recorded in the audit trail, so they stay hidden: " + e.Message;
        }

        Reload();
    }

    // Filters other than the fields above (environment=, metadata.tier=, ...) change no [SupplyParameterFromQuery] value.
    private void OnLocationChanged(object? sender, Microsoft.AspNetCore.Components.Routing.LocationChangedEventArgs e) =>
        _ = InvokeAsync(() =>
        {
            Reload();
            StateHasChanged();
        });

    /// <summary>Every filter of the URL (the read API's names), the list fields above included.</summary>
    private OperationFilter ReadFilter()
    {
        var uri = Navigation.ToAbsoluteUri(Navigation.Uri);
        var pairs = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(uri.Query)
            .Where(p => !TraceEndpoints.ListParameters.Contains(p.Key, StringComparer.OrdinalIgnoreCase))
            .Select(p => new KeyValuePair<string, IReadOnlyList<string?>>(p.Key, p.Value.ToArray()))
            .ToList();
        var kept = pairs.Where(p => OperationFilter.TryParse([p], new HashSet<string>(), out _, out _)).ToList();
        _filterWarning = kept.Count == pairs.Count ? null : "ignored: " + string.Join(", ", pairs.Except(kept).Select(p => p.Key));
        OperationFilter.TryParse(kept, new HashSet<string>(), out var filter, out _);
        return filter;
    }

    // After prerendering the page is static until the circuit connects; browser tests wait for this marker.
    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private void Reload()
    {
        try
        {
            _filter = ReadFilter();
            _range = ReadRange();
            var now = TimeProvider.GetUtcNow();
            _page = Store.List(TraceEndpoints.WithFilter(
                new TraceQuery
                {
                    Model = Model,
                    Application = Application,
                    UserId = User,
                    HasError = Status switch { "error" => true, "ok" => false, _ => null },
                    MinDurationMs = MinDurationValue,
                    StartedFrom = now - _range.Window,
                    Limit = PageSize,
                    Offset = Math.Max(0, Offset ?? 0),
                },
                _filter));
            _stats = Store.Stats;
            _previews = _showPreviews ? Previews(_page) : new(StringComparer.Ordinal);
            _recentErrors = [.. RecentErrors.Between(now.AddHours(-1), now.AddSeconds(1)).Take(RecentErrorCount)];
            _error = null;
        }
#pragma warning disable CA1031 // The page shows the failure instead of tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = e.Message;
        }
    }

    private PanelQuery ReadRange()
    {
        if (string.IsNullOrWhiteSpace(Window))
        {
            return new PanelQuery(RangeLinks.DefaultWindow, TimeWindow.Format(RangeLinks.DefaultWindow), OperationFilter.Empty, null);
        }

        return TimeWindow.TryParseWindow(Window, out var window, out var error)
            ? new PanelQuery(window, Window.Trim(), OperationFilter.Empty, null)
            : new PanelQuery(RangeLinks.DefaultWindow, TimeWindow.Format(RangeLinks.DefaultWindow), OperationFilter.Empty, $"window ignored: {error}");
    }

    // One page's previews: O(spans of 50 traces), read only while the switch is on.
    private Dictionary<string, (string? Input, string? Output)> Previews(TracePage page)
    {
        var previews = new Dictionary<string, (string? Input, string? Output)>(StringComparer.Ordinal);
        foreach (var trace in page.Traces)
        {
            if (Store.Get(trace.TraceId) is { } detail && TraceContentPreview.Of(detail.Spans) is var preview && (preview.Input ?? preview.Output) is not null)
            {
                previews[trace.TraceId] = preview;
            }
        }

        return previews;
    }

    // Off by default: a list that moves under the cursor is hard to click. On, the timer re-reads the store
    // (O(traces), cheap) on its own thread and renders through the dispatcher.
    private void SetAutoRefresh(bool on)
    {
        _autoRefresh = on;
        _refreshTimer?.Dispose();
        _refreshTimer = on
            ? TimeProvider.CreateTimer(_ => _ = InvokeAsync(() => { Reload(); StateHasChanged(); }), null, AutoRefreshInterval, AutoRefreshInterval)
            : null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Navigation.LocationChanged -= OnLocationChanged;
        _refreshTimer?.Dispose();
    }

    private void ApplyFilter(string name, string? value) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            [name] = string.IsNullOrWhiteSpace(value) ? null : value.Trim(),
            ["offset"] = null, // a new filter starts at the newest trace
        }));

    private void ClearFilters()
    {
        var parameters = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase)
        {
            ["model"] = null,
            ["application"] = null,
            ["user"] = null,
            ["status"] = null,
            ["minDurationMs"] = null,
            ["offset"] = null,
        };
        // The range stays: it is not a filter.
        foreach (var clause in _filter.Clauses)
        {
            parameters[clause.Field] = null;
        }

        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(parameters));
    }

    private void PreviousPage() => GoToOffset(Math.Max(0, (Offset ?? 0) - PageSize));

    private void NextPage() => GoToOffset((Offset ?? 0) + PageSize);

    private void GoToOffset(int offset) =>
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter("offset", offset == 0 ? null : offset));

    private static string ShortId(string id) => id.Length > 12 ? id[..12] + "…" : id;

    // The app bar's clock (browser zone or UTC); the column header names the zone.
    private string Clock(DateTimeOffset at) => BrowserTime.Format(at, "HH:mm:ss.fff");
}
