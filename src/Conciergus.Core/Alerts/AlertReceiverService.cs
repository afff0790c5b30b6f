using Conciergus.Core.Audit;
using Conciergus.Core.Refusals;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Notification receivers, apart from the evaluator: the ones from configuration (read-only) and the ones saved through
/// the API (LiteDB, audited), secret masking, the network guard on saved URLs, routes per rule and the test delivery.
/// Its lock guards only the API receivers and is never held across an await or while taking the alert service's lock.
/// </summary>
public sealed class AlertReceiverService : IAlertReceivers
{
    /// <summary>The value shown instead of a secret setting; saving it back keeps the stored value.</summary>
    public const string SecretMask = "********";

    private static readonly string[] SecretSettingWords = ["password", "secret", "token", "key"];

    private readonly Lock _sync = new();
    private readonly AlertStore _store;
    private readonly AlertNotifier _notifier;
    private readonly TimeProvider _time;
    private readonly IAuditLog? _audit;
    private readonly ReceiverNetworkGuard _guard;
    private readonly Func<string, IReadOnlyList<string>> _rulesUsing;
    private readonly Action _changed;
    private readonly IReadOnlyList<AlertReceiver> _configReceivers;
    private readonly Dictionary<string, AlertReceiver> _apiReceivers; // guarded by _sync

    internal AlertReceiverService(
        AlertStore store,
        AlertNotifier notifier,
        TimeProvider time,
        AlertsOptions options,
        IAuditLog? audit,
        ReceiverNetworkGuard guard,
        Func<string, IReadOnlyList<string>> rulesUsing,
        Action changed)
    {
        _store = store;
        _notifier = notifier;
        _time = time;
        _audit = audit;
        _guard = guard;
        _rulesUsing = rulesUsing;
        _changed = changed;
        _configReceivers = [.. options.Receivers.Select(r => r.ToReceiver())];
        _apiReceivers = _store.LoadReceivers().ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    /// <summary>Checks a receiver: problems in words (empty when fine). <paramref name="kinds"/> null skips the channel check.</summary>
    public static IReadOnlyList<string> CheckReceiver(AlertReceiver receiver, IReadOnlyCollection<string>? kinds)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(receiver.Name) || receiver.Name.Length > 100 || !receiver.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            errors.Add($"Receiver name '{receiver.Name}' must be 1 to 100 letters, digits, '-', '_' or '.'.");
        }

        if (kinds is not null && !kinds.Contains(receiver.Kind))
        {
            errors.Add($"No channel handles kind '{receiver.Kind}'; available: {string.Join(", ", kinds.Order(StringComparer.Ordinal))}.");
        }

        if (receiver.Kind is AlertService.WebhookKind or "slack" or "teams")
        {
            if (!Uri.TryCreate(receiver.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                errors.Add($"Receiver '{receiver.Name}' needs an absolute http(s) URL (got {ReceiverUrls.SchemeAndHost(receiver.Url)}).");
            }
        }

        return errors;
    }

    /// <inheritdoc />
    public IReadOnlyList<AlertReceiver> Receivers()
    {
        lock (_sync)
        {
            return [.. _configReceivers.Concat(_apiReceivers.Values.OrderBy(r => r.Name, StringComparer.Ordinal)).Select(Masked)];
        }
    }

    /// <inheritdoc />
    public async Task<AlertReceiver> SaveReceiverAsync(AlertReceiver receiver, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        ArgumentNullException.ThrowIfNull(actor);
        var saved = receiver with { Kind = string.IsNullOrWhiteSpace(receiver.Kind) ? AlertService.WebhookKind : receiver.Kind.Trim(), FromConfiguration = false };
        var problems = CheckReceiver(saved, _notifier.ChannelKinds).ToList();
        if (problems.Count == 0 && AlertNotifier.IsHttpUrl(saved.Url) && _guard.RefusalOfLiteral(saved.Url) is { } refusal)
        {
            problems.Add($"Receiver '{saved.Name}' points at a {refusal} address ({ReceiverUrls.SchemeAndHost(saved.Url)}). Receivers may not reach loopback, private, link-local, multicast or unspecified addresses unless {AlertsOptions.SectionName}:AllowedReceiverNetworks allows the range.");
        }

        if (problems.Count > 0)
        {
            throw new RefusalException(RefusalKind.Invalid, "The receiver is not valid: " + string.Join(" ", problems), new Dictionary<string, string[]> { ["receiver"] = [.. problems] });
        }

        lock (_sync)
        {
            if (_configReceivers.Any(r => r.Name == saved.Name))
            {
                throw new RefusalException(RefusalKind.Conflict, $"Receiver '{saved.Name}' comes from configuration (Conciergus:Alerts:Receivers) and cannot be changed here.");
            }

            if (_apiReceivers.TryGetValue(saved.Name, out var existing))
            {
                // Masked secrets sent back unchanged keep their stored values.
                var settings = saved.Settings.ToDictionary(s => s.Key, s => s.Value == SecretMask && existing.Settings.TryGetValue(s.Key, out var old) ? old : s.Value, StringComparer.Ordinal);
                saved = saved with { Settings = settings };
            }
        }

        // The receiver and its audit entry commit together or not at all; memory follows the commit.
        var toSave = saved;
        await AlertAudit.WriteAsync(_audit, "receiver.save", saved.Name, actor, new Dictionary<string, string> { ["kind"] = saved.Kind, ["host"] = HostOf(saved.Url) }, () => _store.SaveReceiver(toSave), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _apiReceivers[saved.Name] = saved;
        }

        _changed();
        return Masked(saved);
    }

    /// <inheritdoc />
    public async Task DeleteReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        lock (_sync)
        {
            if (_configReceivers.Any(r => r.Name == name))
            {
                throw new RefusalException(RefusalKind.Conflict, $"Receiver '{name}' comes from configuration (Conciergus:Alerts:Receivers) and cannot be deleted here.");
            }

            if (!_apiReceivers.ContainsKey(name))
            {
                throw new RefusalException(RefusalKind.NotFound, $"No receiver '{name}'.");
            }
        }

        // The rules are the alert service's (its lock, taken outside ours).
        var users = _rulesUsing(name);
        if (users.Count > 0)
        {
            throw new RefusalException(RefusalKind.Conflict, $"Receiver '{name}' is used by {string.Join(", ", users.Select(u => $"'{u}'"))}; remove it from those rules first.");
        }

        await AlertAudit.WriteAsync(_audit, "receiver.delete", name, actor, null, () => _store.DeleteReceiver(name), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _apiReceivers.Remove(name);
        }

        _changed();
    }

    /// <inheritdoc />
    public async Task<AlertChannelResult> TestReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var receiver = ReceiverByName(name) ?? throw new RefusalException(RefusalKind.NotFound, $"No receiver '{name}'.");
        var result = await _notifier.TestAsync(receiver, actor, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        await AlertAudit.AppendAsync(_audit, "receiver.test", name, actor, new Dictionary<string, string> { ["succeeded"] = result.Succeeded ? "true" : "false", ["status"] = result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "" }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public IReadOnlyList<AlertDelivery> Deliveries(int limit = 100) => _notifier.Deliveries(limit);

    /// <summary>
    /// Where a rule's notifications go (decision in README "Rules without receivers"): the receivers it names, or, when
    /// it names none, every notification receiver (webhook, Slack, Teams, e-mail, log: Alertmanager's root route), never
    /// an action (open_circuit), which acts only for rules that name it. A receiver whose kind cannot act on the rule's
    /// labels is listed with the reason and skipped.
    /// </summary>
    public IReadOnlyList<ReceiverRoute> RoutesOf(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return RoutesOf(rule, All());
    }

    /// <summary>Every receiver (configuration and API, unmasked) by name: a snapshot for one dispatch.</summary>
    internal Dictionary<string, AlertReceiver> All()
    {
        lock (_sync)
        {
            return _configReceivers.Concat(_apiReceivers.Values).ToDictionary(r => r.Name, StringComparer.Ordinal);
        }
    }

    internal List<ReceiverRoute> RoutesOf(AlertRule rule, Dictionary<string, AlertReceiver> receivers)
    {
        var named = rule.Receivers.Count > 0;
        var candidates = named
            ? rule.Receivers.Where(receivers.ContainsKey).Select(n => receivers[n])
            : receivers.Values.Where(r => !(_notifier.ChannelOf(r.Kind)?.IsAction ?? false)).OrderBy(r => r.Name, StringComparer.Ordinal);
        return [.. candidates.Select(r => new ReceiverRoute(r.Name, r.Kind, !named, _notifier.ChannelOf(r.Kind)?.CannotServe(rule)))];
    }

    internal HashSet<string> Names()
    {
        lock (_sync)
        {
            return [.. _configReceivers.Select(r => r.Name), .. _apiReceivers.Keys];
        }
    }

    private AlertReceiver? ReceiverByName(string name)
    {
        lock (_sync)
        {
            return _configReceivers.FirstOrDefault(r => r.Name == name) ?? _apiReceivers.GetValueOrDefault(name);
        }
    }

    private static AlertReceiver Masked(AlertReceiver receiver) =>
        receiver.Settings.Keys.Any(IsSecret)
            ? receiver with { Settings = receiver.Settings.ToDictionary(s => s.Key, s => IsSecret(s.Key) ? SecretMask : s.Value, StringComparer.Ordinal) }
            : receiver;

    private static bool IsSecret(string setting) => SecretSettingWords.Any(w => setting.Contains(w, StringComparison.OrdinalIgnoreCase));

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : "";
}
