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
                var (result, _) = await _notifier.SendAsync(plan.Receiver, plan.Notification, now, cancellationToken).ConfigureAwait(false);
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
            var receivers = _receivers.All();
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

    /// <inheritdoc cref="AlertReceiverService.RoutesOf(AlertRule)" />
    public IReadOnlyList<ReceiverRoute> RoutesOf(AlertRule rule) => _receivers.RoutesOf(rule);

    // Under _sync. The receivers a rule's notifications go to; a skipped one is explained once (log + delivery log entry).
    private IEnumerable<string> ReceiversOf(AlertRule rule, Dictionary<string, AlertReceiver> receivers, DateTimeOffset? explainAt = null)
    {
        foreach (var route in _receivers.RoutesOf(rule, receivers))
        {
            if (route.SkipReason is null)
            {
                yield return route.Receiver;
            }
            else if (explainAt is { } at && _skipExplained.Add((rule.Id, route.Receiver)))
            {
                _notifier.RecordSkipped(route.Receiver, route.Kind, rule, route.SkipReason, at);
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
            GroupKey = AlertNotifier.GroupKeyOf(group, alertName),
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
}
