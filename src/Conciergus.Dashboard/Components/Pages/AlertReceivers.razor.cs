using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Core.Refusals;

namespace Conciergus.Dashboard.Components.Pages;

/// <summary>
/// Notification receivers (Admins): the configured ones (read-only) and those added here, a test button that sends a
/// synthetic notification through the receiver's channel, and the delivery log.
/// </summary>
public sealed partial class AlertReceivers : AlertComponentBase
{
    /// <summary>Deliveries listed.</summary>
    internal const int DeliveryRows = 50;

    private IReadOnlyList<AlertReceiver> _receivers = [];
    private IReadOnlyList<AlertDelivery> _deliveries = [];
    private Dictionary<string, List<string>> _usedBy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AlertChannelResult> _tests = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, string[]> _fieldErrors = new Dictionary<string, string[]>();
    private string? _name;
    private string? _url;
    private string? _error;
    private string? _confirmDelete;
    private bool _busy;

    /// <inheritdoc />
    protected override void Load(IAlertService alerts)
    {
        _receivers = alerts.Receivers();
        _deliveries = alerts.Deliveries(DeliveryRows);
        // Who a receiver serves, as the engine routes it: rules that name it, and (for a receiver that notifies) every
        // rule that names none; a rule whose labels its kind cannot act on is listed as skipped, with the reason.
        _usedBy = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var rule in alerts.Rules())
        {
            foreach (var route in alerts.RoutesOf(rule))
            {
                if (!_usedBy.TryGetValue(route.Receiver, out var list))
                {
                    _usedBy[route.Receiver] = list = [];
                }

                list.Add(route.SkipReason is null ? rule.Name + (route.Implicit ? " (all receivers)" : "") : $"{rule.Name} (skipped: {route.SkipReason})");
            }
        }
    }

    private string UsedBy(string receiver) =>
        _usedBy.TryGetValue(receiver, out var rules) ? string.Join(", ", rules) : "no rule";

    private static string TestText(AlertChannelResult result) =>
        (result.Succeeded ? "delivered" : "failed")
        + (result.HttpStatus is { } status ? $" · HTTP {status}" : "")
        + (result.Error is { } error ? $" · {error}" : "");

    private void ClearErrors()
    {
        _error = null;
        _fieldErrors = new Dictionary<string, string[]>();
    }

    private async Task SaveAsync()
    {
        if (Service is null)
        {
            return;
        }

        ClearErrors();
        if (string.IsNullOrWhiteSpace(_name) || string.IsNullOrWhiteSpace(_url))
        {
            _error = "A receiver needs a name and a URL.";
            return;
        }

        _busy = true;
        try
        {
            await Service.SaveReceiverAsync(new AlertReceiver { Name = _name.Trim(), Url = _url.Trim() }, await ActorAsync());
            _name = _url = null;
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _fieldErrors = e.Errors;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task TestAsync(string name)
    {
        if (Service is null)
        {
            return;
        }

        ClearErrors();
        _busy = true;
        try
        {
            _tests[name] = await Service.TestReceiverAsync(name, await ActorAsync());
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _fieldErrors = e.Errors;
        }
        finally
        {
            _busy = false;
        }
    }

    private async Task DeleteAsync(string name)
    {
        if (Service is null)
        {
            return;
        }

        ClearErrors();
        try
        {
            await Service.DeleteReceiverAsync(name, await ActorAsync());
            _tests.Remove(name);
            Reload();
        }
        catch (RefusalException e)
        {
            _error = e.Message;
            _fieldErrors = e.Errors;
        }
        finally
        {
            _confirmDelete = null;
        }
    }
}
