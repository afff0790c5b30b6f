using Polly;

namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    /// <summary>
    /// Flushes the notification groups that are due at <paramref name="now"/> (Alertmanager dispatch): one group per
    /// rule and receiver; a new group waits group_wait, later changes wait group_interval, an unchanged firing group is
    /// repeated after repeat_interval. Called by every evaluation; callable directly.
    /// </summary>
    public async Task DispatchAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await _dispatchGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var plan in PlanFlushes(now))
            {
                var (result, _) = await SendAsync(plan.Receiver, plan.Notification, now, cancellationToken).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    lock (_sync)
                    {
                        var group = plan.Group with { LastSentAt = now, NotifiedFiring = plan.StillNotified };
                        if (group.NotifiedFiring.Count == 0)
                        {
                            _groups.Remove(group.Id);
                            _store.DeleteGroup(group.Id);
                        }
                        else
                        {
                            _groups[group.Id] = group;
                            _store.SaveGroup(group);
                        }
                    }
                }
            }
        }
        finally
        {
            _dispatchGate.Release();
        }
    }

    private sealed record FlushPlan(NotifyGroup Group, AlertReceiver Receiver, AlertNotification Notification, IReadOnlyList<string> StillNotified);

    private List<FlushPlan> PlanFlushes(DateTimeOffset now)
    {
        var plans = new List<FlushPlan>();
        lock (_sync)
        {
            var receivers = _configReceivers.Concat(_apiReceivers.Values).ToDictionary(r => r.Name, StringComparer.Ordinal);
            var firingByRule = _open.Values
                .Where(s => s.Instance is { State: AlertState.Firing, Acknowledged: false, Silenced: false })
                .GroupBy(s => s.Instance.RuleId, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(s => s.Instance).OrderBy(i => i.StartsAt).ThenBy(i => i.Fingerprint, StringComparer.Ordinal).ToList(), StringComparer.Ordinal);

            // New groups: a rule with notifiable firing instances and a receiver that has no group yet.
            foreach (var (ruleId, _) in firingByRule)
            {
                if (!_rules.TryGetValue(ruleId, out var rule))
                {
                    continue;
                }

                foreach (var receiver in ReceiversOf(rule, receivers, explainAt: now))
                {
                    var id = NotifyGroup.IdOf(receiver, ruleId);
                    if (!_groups.ContainsKey(id))
                    {
                        var group = new NotifyGroup { Id = id, Receiver = receiver, RuleId = ruleId, CreatedAt = now };
                        _groups[id] = group;
                        _store.SaveGroup(group);
                    }
                }
            }

            foreach (var group in _groups.Values.ToList())
            {
                var due = group.LastFlushAt is { } last ? now >= last + _options.GroupInterval : now >= group.CreatedAt + _options.GroupWait;
                if (!due)
                {
                    continue;
                }

                var rule = _rules.GetValueOrDefault(group.RuleId);
                var routed = rule is not null && ReceiversOf(rule, receivers).Contains(group.Receiver);
                var firing = routed ? firingByRule.GetValueOrDefault(group.RuleId) ?? [] : [];
                var notified = group.NotifiedFiring.ToHashSet(StringComparer.Ordinal);
                var resolved = new List<AlertInstance>();
                var stillOpen = new List<string>();
                foreach (var id in group.NotifiedFiring)
                {
                    if (_instances.GetValueOrDefault(id)?.Instance is not { } instance)
                    {
                        continue; // pruned
                    }

                    if (instance.State == AlertState.Resolved)
                    {
                        resolved.Add(instance);
                    }
                    else if (routed)
                    {
                        stillOpen.Add(id); // muted (acknowledged or silenced) but open: its resolution is still sent
                    }
                }

                var newFiring = firing.Any(i => !notified.Contains(i.Id));
                var repeat = firing.Count > 0 && group.LastSentAt is { } sent && now - sent >= _options.RepeatInterval;
                var flushed = group with { LastFlushAt = now };
                var stillNotified = firing.Select(i => i.Id).Union(stillOpen, StringComparer.Ordinal).ToList();
                if (!receivers.TryGetValue(group.Receiver, out var target) || (firing.Count == 0 && stillOpen.Count == 0 && resolved.Count == 0))
                {
                    // Receiver gone, or nothing left to say: the group ends (a later alert starts a new one with group_wait).
                    _groups.Remove(group.Id);
                    _store.DeleteGroup(group.Id);
                    continue;
                }

                _groups[group.Id] = flushed;
                _store.SaveGroup(flushed);
                if (newFiring || resolved.Count > 0 || repeat)
                {
                    plans.Add(new FlushPlan(flushed, target, NotificationOf(rule, group, firing, resolved), stillNotified));
                }
            }
        }

        return plans;
    }

    /// <summary>
    /// Where a rule's notifications go (decision in README "Rules without receivers"): the receivers it names, or, when
    /// it names none, every notification receiver (webhook, Slack, Teams, e-mail, log: Alertmanager's root route), never
    /// an action (open_circuit), which acts only for rules that name it. A receiver whose kind cannot act on the rule's
    /// labels is listed with the reason and skipped.
    /// </summary>
    public IReadOnlyList<ReceiverRoute> RoutesOf(AlertRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        lock (_sync)
        {
            var receivers = _configReceivers.Concat(_apiReceivers.Values).ToDictionary(r => r.Name, StringComparer.Ordinal);
            return RoutesOf(rule, receivers);
        }
    }

    private List<ReceiverRoute> RoutesOf(AlertRule rule, Dictionary<string, AlertReceiver> receivers)
    {
        var named = rule.Receivers.Count > 0;
        var candidates = named
            ? rule.Receivers.Where(receivers.ContainsKey).Select(n => receivers[n])
            : receivers.Values.Where(r => !(_channels.GetValueOrDefault(r.Kind)?.IsAction ?? false)).OrderBy(r => r.Name, StringComparer.Ordinal);
        return [.. candidates.Select(r => new ReceiverRoute(r.Name, r.Kind, !named, _channels.GetValueOrDefault(r.Kind)?.CannotServe(rule)))];
    }

    // Under _sync. The receivers a rule's notifications go to; a skipped one is explained once (log + delivery log entry).
    private IEnumerable<string> ReceiversOf(AlertRule rule, Dictionary<string, AlertReceiver> receivers, DateTimeOffset? explainAt = null)
    {
        foreach (var route in RoutesOf(rule, receivers))
        {
            if (route.SkipReason is null)
            {
                yield return route.Receiver;
            }
            else if (explainAt is { } at && _skipExplained.Add((rule.Id, route.Receiver)))
            {
                LogReceiverSkipped(_logger, route.Receiver, route.Kind, rule.Id, route.SkipReason);
                _store.AddDelivery(
                    new AlertDelivery
                    {
                        Id = Guid.NewGuid().ToString("N"),
                        Receiver = route.Receiver,
                        GroupKey = "{}/{rule=\"" + Escape(rule.Id) + "\"}:{alertname=\"" + Escape(rule.Name) + "\"}",
                        Status = "skipped",
                        Fingerprints = [],
                        At = at,
                        Skipped = true,
                        Error = "skipped for this rule: " + route.SkipReason,
                    },
                    _options.MaxDeliveries);
            }
        }
    }

    private AlertNotification NotificationOf(AlertRule? rule, NotifyGroup group, List<AlertInstance> firing, List<AlertInstance> resolved)
    {
        var alertName = rule?.Name ?? firing.Concat(resolved).Select(i => i.RuleName).FirstOrDefault() ?? group.RuleId;
        var external = _options.ExternalUrl.TrimEnd('/');
        var all = firing.Concat(resolved).ToList();
        var items = all.Select(i => new AlertNotificationItem(
            i.State == AlertState.Resolved ? "resolved" : "firing",
            i.Labels,
            i.Annotations,
            i.StartsAt ?? i.ActiveAt,
            i.State == AlertState.Resolved ? i.EndsAt : null,
            external + "/alerts/" + Uri.EscapeDataString(i.Id),
            i.Fingerprint)).ToList();
        return new AlertNotification
        {
            GroupKey = GroupKeyOf(group, alertName),
            Status = firing.Count > 0 ? "firing" : "resolved",
            Receiver = group.Receiver,
            GroupLabels = new Dictionary<string, string> { ["alertname"] = alertName },
            CommonLabels = Common(all.Select(i => i.Labels)),
            CommonAnnotations = Common(all.Select(i => i.Annotations)),
            ExternalUrl = external,
            Alerts = items,
            Severity = all.Count == 0 ? AlertSeverity.Low : all.Min(i => i.Severity),
        };
    }

    // Everything that means "the receiver was not reached": refused address, DNS, refused or reset connection, timeout.
    private static bool IsConnectFailure(Exception e) =>
        e is HttpRequestException or System.Net.Sockets.SocketException or TimeoutException or OperationCanceledException or Polly.Timeout.TimeoutRejectedException
        || e.InnerException is { } inner && IsConnectFailure(inner);

    /// <summary>Alertmanager-style group key: route, then the group labels ({}/{rule="id"}:{alertname="..."}).</summary>
    internal static string GroupKeyOf(NotifyGroup group, string alertName) =>
        "{}/{rule=\"" + Escape(group.RuleId) + "\"}:{alertname=\"" + Escape(alertName) + "\"}";

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static Dictionary<string, string> Common(IEnumerable<IReadOnlyDictionary<string, string>> sets)
    {
        Dictionary<string, string>? common = null;
        foreach (var set in sets)
        {
            if (common is null)
            {
                common = new Dictionary<string, string>(set, StringComparer.Ordinal);
                continue;
            }

            foreach (var (k, v) in common.ToList())
            {
                if (!set.TryGetValue(k, out var other) || other != v)
                {
                    common.Remove(k);
                }
            }
        }

        return common ?? [];
    }

    // One delivery: the channel of the receiver's kind, retried with exponential backoff on the service's clock.
    private async Task<(AlertChannelResult Result, int Attempts)> SendAsync(AlertReceiver receiver, AlertNotification notification, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var attempts = 0;
        AlertChannelResult result;
        if (!_channels.TryGetValue(receiver.Kind, out var channel))
        {
            result = new AlertChannelResult(false, Error: $"No channel handles kind '{receiver.Kind}'.");
        }
        else
        {
            try
            {
                result = await _retry.ExecuteAsync(
                    async ct =>
                    {
                        Interlocked.Increment(ref attempts);
                        return await channel.SendAsync(receiver, notification, ct).ConfigureAwait(false);
                    },
                    cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A channel failure is a failed delivery (logged, counted), never an evaluator crash.
            catch (Exception e)
#pragma warning restore CA1031
            {
                result = new AlertChannelResult(false, Error: IsHttpUrl(receiver.Url) && IsConnectFailure(e) ? CouldNotConnect : e.Message);
            }
        }

        // Receiver URLs are secrets (the credential is in the path or query) and error texts reach Viewers, the log
        // and the health page: an HTTP receiver's failure says only its status or "could not connect", anything else
        // has every URL cut to scheme and host.
        if (!result.Succeeded)
        {
            result = result with
            {
                Error = IsHttpUrl(receiver.Url) && result.HttpStatus is { } status ? DeliveryFailed(status) : ReceiverUrls.Scrub(result.Error, receiver.Url),
            };
            Interlocked.Increment(ref _failedDeliveries);
            LogDeliveryFailed(_logger, receiver.Name, ReceiverUrls.SchemeAndHost(receiver.Url), attempts, result.Error);
        }

        _store.AddDelivery(
            new AlertDelivery
            {
                Id = Guid.NewGuid().ToString("N"),
                Receiver = receiver.Name,
                GroupKey = notification.GroupKey,
                Status = notification.Status,
                Fingerprints = [.. notification.Alerts.Select(a => a.Fingerprint)],
                At = at,
                Attempts = attempts,
                Succeeded = result.Succeeded,
                HttpStatus = result.HttpStatus,
                Error = result.Error,
            },
            _options.MaxDeliveries);
        return (result, attempts);
    }
}
