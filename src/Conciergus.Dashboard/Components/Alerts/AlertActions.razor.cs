using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Security;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Alerts;

/// <summary>Acknowledge and resolve buttons for one open instance; each asks for an optional comment first.</summary>
public sealed partial class AlertActions
{
    private AlertAction? _pending;
    private string? _comment;
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
        _pending = action;
        _comment = null;
        _error = null;
    }

    private void Cancel()
    {
        _pending = null;
        _error = null;
    }

    private async Task ConfirmAsync()
    {
        if (_pending is not { } action || Services.GetService<IAlertService>() is not { } alerts)
        {
            return;
        }

        _busy = true;
        _error = null;
        try
        {
            var actor = await ActorFactory.OfAsync(Services);
            var comment = string.IsNullOrWhiteSpace(_comment) ? null : _comment.Trim();
            var updated = action == AlertAction.Acknowledge
                ? await alerts.AcknowledgeAsync(Instance.Id, actor, comment)
                : await alerts.ResolveAsync(Instance.Id, actor, comment);
            _pending = null;
            _comment = null;
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
