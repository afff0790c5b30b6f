using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>Acknowledge and resolve buttons for one open instance; each asks for an optional comment first.</summary>
public sealed partial class AlertActions
{
    private string? _error;
    private bool _busy;

    // False while prerendered: a click on a static page would go nowhere.
    private bool _interactive;

    internal enum AlertAction
    {
        Acknowledge,
        Resolve,
    }

    [Inject]
    public required IServiceProvider Services { get; init; }

    /// <summary>The instance acted on.</summary>
    [Parameter, EditorRequired]
    public required AlertInstance Instance { get; set; }

    /// <summary>
    /// The action being confirmed and its comment. A list passes the one it keeps for <see cref="Instance"/>, so a live refresh
    /// that moves rows keeps an open confirmation with its alert (the table reuses components by position).
    /// </summary>
    [Parameter]
    public AlertActionDraft Draft { get; set; } = new();

    /// <summary>Called with the updated instance after a successful action.</summary>
    [Parameter]
    public EventCallback<AlertInstance> OnDone { get; set; }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private void Ask(AlertAction action)
    {
        Draft.Pending = action;
        Draft.Comment = null;
        _error = null;
    }

    private void Cancel()
    {
        Draft.Pending = null;
        _error = null;
    }

    private async Task ConfirmAsync()
    {
        if (Draft.Pending is not { } action || Services.GetService<IAlertService>() is not { } alerts)
        {
            return;
        }

        _busy = true;
        _error = null;
        try
        {
            var actor = await ActorFactory.OfAsync(Services);
            var comment = string.IsNullOrWhiteSpace(Draft.Comment) ? null : Draft.Comment.Trim();
            var updated = action == AlertAction.Acknowledge
                ? await alerts.AcknowledgeAsync(Instance.Id, actor, comment)
                : await alerts.ResolveAsync(Instance.Id, actor, comment);
            Draft.Pending = null;
            Draft.Comment = null;
            await OnDone.InvokeAsync(updated);
        }
        catch (RefusalException e)
        {
            _error = e.Message;
        }
        finally
        {
            _busy = false;
        }
    }
}

/// <summary>An acknowledgement or resolution being confirmed on one alert: which action, and the comment typed so far.</summary>
public sealed class AlertActionDraft
{
    /// <summary>The action awaiting confirmation, or null.</summary>
    internal AlertActions.AlertAction? Pending { get; set; }

    /// <summary>The comment typed so far.</summary>
    public string? Comment { get; set; }
}
