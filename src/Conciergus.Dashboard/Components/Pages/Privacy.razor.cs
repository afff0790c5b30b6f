using System.Security.Claims;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Data-subject requests for Admins (the sign-in feature gates the page): export downloads the JSON file from
/// the API (which audits it); erase asks for confirmation, runs across every store and shows the counts.
/// </summary>
public sealed partial class Privacy
{
    private static readonly DialogOptions DialogOptions = new() { MaxWidth = MaxWidth.Small, CloseOnEscapeKey = true };

    private SubjectErasure? _erasure;
    private string? _error;
    private bool _busy;
    private bool _confirmOpen;
    private int _revision;

    [Inject]
    public required SubjectRequests Requests { get; init; }

    /// <summary>Services, for the optional compliance feature (the data-subject request workflow, when registered).</summary>
    [Inject]
    public required IServiceProvider Services { get; init; }

    private SubjectRequestWorkflow? Workflow => Services.GetService(typeof(SubjectRequestWorkflow)) as SubjectRequestWorkflow;

    /// <summary>The signed-in user, when the app has authentication (cascaded by the sign-in feature).</summary>
    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    private string? UserId { get; set; }

    private bool HasUserId => !string.IsNullOrWhiteSpace(UserId);

    private string? ExportHref => HasUserId ? $"/api/v1/subjects/{Uri.EscapeDataString(UserId!.Trim())}/export" : null;

    private void AskToErase()
    {
        _error = null;
        _confirmOpen = true;
    }

    private void CancelErase() => _confirmOpen = false;

    private async Task EraseAsync()
    {
        _confirmOpen = false;
        if (!HasUserId)
        {
            return;
        }

        _busy = true;
        _erasure = null;
        _error = null;
        try
        {
            ClaimsPrincipal? user = AuthenticationState is null ? null : (await AuthenticationState).User;
            _erasure = await Requests.EraseAsync(UserId!.Trim(), user, sourceIp: null);
            if (Workflow is { } workflow)
            {
                await workflow.CompleteErasureAsync(UserId!.Trim(), _erasure, user, sourceIp: null);
                _revision++;
            }
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "Erasure failed: " + e.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}
