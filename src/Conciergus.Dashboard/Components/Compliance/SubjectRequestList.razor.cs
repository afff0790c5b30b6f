using System.Globalization;
using System.Security.Claims;
using Conciergus.Core.Compliance;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;

namespace Conciergus.Dashboard.Components.Compliance;

/// <summary>The data-subject request workflow: every request with its due date, status and completion evidence; optionally logs a received request.</summary>
public sealed partial class SubjectRequestList
{
    private IReadOnlyList<SubjectRequest> _requests = [];
    private string _kind = SubjectRequestKinds.Export;
    private string? _error;
    private bool _busy;

    [Inject]
    public required SubjectRequestWorkflow Workflow { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    /// <summary>The user id typed on the page, for logging a received request.</summary>
    [Parameter]
    public string? UserId { get; set; }

    /// <summary>Whether to show the "log request received" control.</summary>
    [Parameter]
    public bool AllowLogging { get; set; }

    /// <summary>Changes whenever the page did something that completes requests (an erasure), so the list reloads.</summary>
    [Parameter]
    public int Revision { get; set; }

    /// <summary>The signed-in user.</summary>
    [CascadingParameter]
    public Task<AuthenticationState>? AuthenticationState { get; set; }

    private DateTimeOffset Now => Clock.GetUtcNow();

    /// <inheritdoc />
    protected override void OnParametersSet() => Reload();

    /// <summary>Reads the list again.</summary>
    public void Reload()
    {
        try
        {
            _requests = Workflow.List();
        }
#pragma warning disable CA1031 // shown as the list's error state
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "Requests could not be read: " + e.Message;
        }
    }

    private async Task LogReceivedAsync()
    {
        if (string.IsNullOrWhiteSpace(UserId))
        {
            return;
        }

        _busy = true;
        _error = null;
        try
        {
            ClaimsPrincipal? user = AuthenticationState is null ? null : (await AuthenticationState).User;
            await Workflow.ReceiveAsync(_kind, UserId.Trim(), user, sourceIp: null);
            Reload();
        }
#pragma warning disable CA1031 // shown to the operator
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = "Could not log the request: " + e.Message;
        }
        finally
        {
            _busy = false;
        }
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
