using System.Globalization;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    private static readonly string[] SecretSettingWords = ["password", "secret", "token", "key"];

    /// <summary>The value shown instead of a secret setting; saving it back keeps the stored value.</summary>
    public const string SecretMask = "********";

    /// <summary>
    /// The only error an HTTP delivery that could not reach its receiver reports (refused address, DNS failure,
    /// connection refused, timeout alike), so a test delivery cannot tell an open port from a closed one.
    /// </summary>
    public const string CouldNotConnect = "could not connect";

    /// <summary>The only error an HTTP delivery that got an answer reports: the status, never the URL or the body.</summary>
    public static string DeliveryFailed(int status) => "delivery failed (status " + status.ToString(CultureInfo.InvariantCulture) + ")";

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
        var saved = receiver with { Kind = string.IsNullOrWhiteSpace(receiver.Kind) ? WebhookKind : receiver.Kind.Trim(), FromConfiguration = false };
        var problems = CheckReceiver(saved, _channels.Keys).ToList();
        if (problems.Count == 0 && IsHttpUrl(saved.Url) && _guard.RefusalOfLiteral(saved.Url) is { } refusal)
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
        await AuditedWriteAsync("receiver.save", saved.Name, actor, new Dictionary<string, string> { ["kind"] = saved.Kind, ["host"] = HostOf(saved.Url) }, () => _store.SaveReceiver(toSave), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _apiReceivers[saved.Name] = saved;
        }

        Bump();
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

            var users = _rules.Values.Where(r => r.Receivers.Contains(name)).Select(r => r.Name).ToList();
            if (users.Count > 0)
            {
                throw new RefusalException(RefusalKind.Conflict, $"Receiver '{name}' is used by {string.Join(", ", users.Select(u => $"'{u}'"))}; remove it from those rules first.");
            }
        }

        await AuditedWriteAsync("receiver.delete", name, actor, null, () => _store.DeleteReceiver(name), cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _apiReceivers.Remove(name);
        }

        Bump();
    }

    /// <inheritdoc />
    public async Task<AlertChannelResult> TestReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var receiver = ReceiverByName(name) ?? throw new RefusalException(RefusalKind.NotFound, $"No receiver '{name}'.");
        var now = _time.GetUtcNow();
        var labels = new Dictionary<string, string> { ["alertname"] = "ConciergusTest", ["severity"] = "low", ["test"] = "true" };
        var annotations = new Dictionary<string, string> { ["summary"] = $"Test notification from Conciergus, sent by {actor.Name}" };
        var notification = new AlertNotification
        {
            GroupKey = "{}:{alertname=\"ConciergusTest\"}",
            Status = "firing",
            Receiver = receiver.Name,
            GroupLabels = new Dictionary<string, string> { ["alertname"] = "ConciergusTest" },
            CommonLabels = labels,
            CommonAnnotations = annotations,
            ExternalUrl = _options.ExternalUrl.TrimEnd('/'),
            Alerts = [new AlertNotificationItem("firing", labels, annotations, now, null, _options.ExternalUrl.TrimEnd('/') + "/alerts", AlertLabels.Fingerprint(labels))],
            Severity = AlertSeverity.Low,
        };
        var (result, _) = await SendAsync(receiver, notification, now, cancellationToken).ConfigureAwait(false);
        await AuditAsync("receiver.test", name, actor, new Dictionary<string, string> { ["succeeded"] = result.Succeeded ? "true" : "false", ["status"] = result.HttpStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "" }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <inheritdoc />
    public IReadOnlyList<AlertDelivery> Deliveries(int limit = 100) => _store.Deliveries(Math.Clamp(limit, 1, 10_000));

    private AlertReceiver? ReceiverByName(string name)
    {
        lock (_sync)
        {
            return _configReceivers.FirstOrDefault(r => r.Name == name) ?? _apiReceivers.GetValueOrDefault(name);
        }
    }

    private HashSet<string> ReceiverNames()
    {
        lock (_sync)
        {
            return [.. _configReceivers.Select(r => r.Name), .. _apiReceivers.Keys];
        }
    }

    private static AlertReceiver Masked(AlertReceiver receiver) =>
        receiver.Settings.Keys.Any(IsSecret)
            ? receiver with { Settings = receiver.Settings.ToDictionary(s => s.Key, s => IsSecret(s.Key) ? SecretMask : s.Value, StringComparer.Ordinal) }
            : receiver;

    private static bool IsSecret(string setting) => SecretSettingWords.Any(w => setting.Contains(w, StringComparison.OrdinalIgnoreCase));

    private static string HostOf(string url) => Uri.TryCreate(url, UriKind.Absolute, out var u) ? u.Host : "";

    private static bool IsHttpUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";
}
