using Conciergus.Core.Audit;
using Conciergus.Core.History;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Endpoints;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>One trace: a span waterfall and the selected span's AI attributes and raw attributes.</summary>
public sealed partial class TraceDetailPage
{
    private TraceDetail? _detail;
    private TraceSpanNode? _selected;
    private string? _problem;
    private string? _error;
    private bool _showContent;
    private bool _fromStore;
    private bool _confirmReveal;
    private string? _revealNote;
    private string? _revealError;

    [Inject]
    public required TraceHistory History { get; init; }

    [Inject]
    public required IOptions<PrivacyOptions> Privacy { get; init; }

    [Inject]
    public required IServiceProvider Services { get; init; }

    [Inject]
    public required BrowserTime BrowserTime { get; init; }

    /// <summary>The trace id from the route (32 hex characters).</summary>
    [Parameter]
    public string TraceId { get; set; } = "";

    private string ShortTitle => TraceId.Length > 8 ? TraceId[..8] : TraceId;

    protected override async Task OnParametersSetAsync()
    {
        _selected = null;
        _showContent = false;
        _confirmReveal = false;
        _revealError = null;
        _revealNote = !Privacy.Value.CaptureContent
            ? "Message content is not captured (Conciergus:Privacy:CaptureContent is off): only its length is kept."
            : ContentReveal.MayReveal(await UserAsync(), Privacy.Value)
                ? null
                : $"Revealing message content needs the {ContentReveal.RequiredRole(Privacy.Value)} role.";
        await LoadAsync();
    }

    private async Task<System.Security.Claims.ClaimsPrincipal?> UserAsync() =>
        Services.GetService(typeof(AuthenticationStateProvider)) is AuthenticationStateProvider auth
            ? (await auth.GetAuthenticationStateAsync()).User
            : null;

    // Turning content on asks first (the page says that the reveal is audited); turning it off needs nothing.
    private void OnShowContentChanged(bool on)
    {
        _revealError = null;
        if (on)
        {
            _confirmReveal = true;
        }
        else
        {
            _showContent = false;
        }
    }

    private async Task RevealAsync()
    {
        _confirmReveal = false;
        var user = await UserAsync();
        if (!ContentReveal.MayReveal(user, Privacy.Value))
        {
            _revealError = $"Revealing message content needs the {ContentReveal.RequiredRole(Privacy.Value)} role.";
            return;
        }

        try
        {
            // Audited first: no entry, no content.
            if (Services.GetService(typeof(AuditRecorder)) is AuditRecorder recorder)
            {
                await ContentReveal.AuditAsync(recorder, user, TraceId.ToLowerInvariant(), Privacy.Value.CaptureContent, sourceIp: null);
            }

            _showContent = true;
        }
#pragma warning disable CA1031 // A failed audit keeps the content hidden and says why, without tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _revealError = "The reveal could not be recorded in the audit trail, so the content stays hidden: " + e.Message;
        }
    }

    private async Task LoadAsync()
    {
        _problem = null;
        _error = null;
        try
        {
            if (!Endpoints.TraceEndpoints.IsTraceId(TraceId))
            {
                _detail = null;
                _problem = $"'{TraceId}' is not a trace id (32 hexadecimal characters).";
                return;
            }

            // Memory first, then the operation store (a trace from before a restart, or evicted from memory).
            var found = await History.GetAsync(TraceId);
            _detail = found?.Detail;
            _fromStore = found?.FromStore == true;
            if (_detail is null)
            {
                _problem = "This trace is not held: it was never received, or it is older than what memory and the operation store keep.";
                return;
            }

            // Keep the selection across a refresh; otherwise open on the first AI call, the reason to be here.
            var selectedId = _selected?.Span.SpanId;
            _selected = _detail.Spans.FirstOrDefault(n => n.Span.SpanId == selectedId)
                ?? _detail.Spans.FirstOrDefault(n => n.IsAi)
                ?? (_detail.Spans.Count > 0 ? _detail.Spans[0] : null);
        }
#pragma warning disable CA1031 // The page shows the failure instead of tearing down the circuit.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = e.Message;
        }
    }

    private void Select(TraceSpanNode node) => _selected = node;
}
