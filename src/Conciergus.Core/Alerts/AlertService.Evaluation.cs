using System.Globalization;
using Conciergus.Core.Audit;

namespace Conciergus.Core.Alerts;

public sealed partial class AlertService
{
    private const int MaxDropReadings = 50_000;

    /// <summary>
    /// One evaluation at <paramref name="now"/>: every enabled rule moves its instances (Prometheus semantics), silences
    /// are applied, old resolved instances are pruned, then due notification groups are flushed (awaited).
    /// </summary>
    public async Task EvaluateAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var changed = new HashSet<InstanceState>();
        lock (_sync)
        {
            RecordDropReading(now);
            foreach (var rule in _rules.Values.ToList())
            {
                if (!rule.Enabled)
                {
                    foreach (var state in _open.Values.Where(s => s.Instance.RuleId == rule.Id).ToList())
                    {
                        CloseByRule(state, now, "rule disabled");
                        changed.Add(state);
                    }

                    _ruleErrors.Remove(rule.Id);
                    continue;
                }

                IReadOnlyList<AlertSample> samples;
                try
                {
                    samples = _reader.Read(rule, now, rule.Metric == AlertMetric.IngestionDrops ? DropsOver(rule.Window, now) : null);
                }
#pragma warning disable CA1031 // A failing rule is recorded (status, history) and the others go on.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    RecordRuleError(rule, e.Message, now, changed);
                    continue;
                }

                _ruleErrors.Remove(rule.Id);
                Apply(rule, samples, now, changed, OverlapsDataGap(rule, now));
            }

            UpdateSilenced(now, changed);
            PruneResolved(now);
            foreach (var state in changed)
            {
                if (_instances.ContainsKey(state.Instance.Id))
                {
                    _store.SaveInstance(state);
                }
            }

            _lastEvaluation = now;
            _lastDuration = _time.GetElapsedTime(started);
            Interlocked.Increment(ref _evaluations);
        }

        Bump([.. changed.Select(s => s.Instance)]);
        await AuditPurgeArchivesAsync(cancellationToken).ConfigureAwait(false);
        await DispatchAsync(now, cancellationToken).ConfigureAwait(false);
        var status = Status;
        try
        {
            Evaluated?.Invoke(status);
        }
#pragma warning disable CA1031 // A listener must never break the evaluator.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, e);
        }
    }

    /// <summary>
    /// Whether the rule's window reaches back before the instant from which the cache's data is complete (this process's
    /// restore start: before it lies at least the time the process was down). Such a window lacks the data of the gap.
    /// </summary>
    private bool OverlapsDataGap(AlertRule rule, DateTimeOffset now)
    {
        if (Readiness?.DataCompleteSince is not { } completeSince)
        {
            return false;
        }

        var windowStart = rule.Metric switch
        {
            AlertMetric.CostBurn => new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero),
            AlertMetric.UserCost => new DateTimeOffset((now - rule.Window).UtcDateTime.Date, TimeSpan.Zero),
            _ => now - rule.Window,
        };
        return windowStart < completeSince;
    }

    // Prometheus AlertingRule.Eval, with Grafana's recovery threshold and no-data policies on top. overlapsGap: the window
    // lacks the data of the time the process was down, which counts as no data, never as "condition cleared" (README).
    private void Apply(AlertRule rule, IReadOnlyList<AlertSample> samples, DateTimeOffset now, HashSet<InstanceState> changed, bool overlapsGap = false)
    {
        if (overlapsGap && (samples.Count == 0 || rule.Operator is AlertOperator.LessThan or AlertOperator.LessOrEqual))
        {
            // Nothing in the window, or a "below" rule (a gap reads as a drop): keep the last state, like keep_last_state.
            return;
        }

        var forced = false;
        if (samples.Count == 0)
        {
            switch (rule.NoData)
            {
                case AlertNoDataPolicy.KeepLastState:
                    return;
                case AlertNoDataPolicy.Alerting:
                    var open = _open.Values.Where(s => s.Instance.RuleId == rule.Id).ToList();
                    samples = open.Count > 0
                        ? [.. open.Select(s => new AlertSample(GroupLabelsOf(rule, s.Instance.Labels), null))]
                        : [new AlertSample(new Dictionary<string, string>(), null)];
                    forced = true;
                    break;
                case AlertNoDataPolicy.NoData:
                    samples = [new AlertSample(new Dictionary<string, string> { ["alertstate"] = "nodata" }, null)];
                    forced = true;
                    break;
            }
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            var labels = LabelsOf(rule, sample.Labels);
            var fingerprint = AlertLabels.Fingerprint(labels);
            var existing = _open.GetValueOrDefault((rule.Id, fingerprint));
            bool breaching;
            if (forced || sample.Value is not { } value)
            {
                breaching = true;
            }
            else if (existing is not null && rule.RecoveryThreshold is { } recovery)
            {
                // Grafana recovery threshold: an open instance stays open until the value passes the recovery threshold.
                breaching = !Recovered(value, rule.Operator, recovery);
            }
            else
            {
                breaching = Compare(value, rule.Operator, rule.Threshold);
            }

            if (!breaching)
            {
                if (existing is not null)
                {
                    existing.Instance = existing.Instance with { Value = sample.Value };
                    changed.Add(existing);
                }

                continue;
            }

            seen.Add(fingerprint);
            if (existing is null)
            {
                existing = new InstanceState
                {
                    Instance = new AlertInstance
                    {
                        Id = NewId(),
                        RuleId = rule.Id,
                        RuleName = rule.Name,
                        State = AlertState.Pending,
                        Severity = rule.Severity,
                        Labels = labels,
                        Value = sample.Value,
                        ActiveAt = now,
                        Fingerprint = fingerprint,
                        History = [new AlertHistoryEntry(now, "pending", sample.Value)],
                    },
                };
                _instances[existing.Instance.Id] = existing;
                _open[(rule.Id, fingerprint)] = existing;
            }
            else
            {
                existing.KeptFiringSince = null;
                existing.Instance = existing.Instance with { Value = sample.Value, RuleName = rule.Name, Severity = rule.Severity };
            }

            // for: 0 fires on the evaluation that made it pending (ts - activeAt >= 0).
            if (existing.Instance.State == AlertState.Pending && now - existing.Instance.ActiveAt >= rule.For)
            {
                existing.Instance = AddHistory(existing.Instance with { State = AlertState.Firing, StartsAt = now }, new AlertHistoryEntry(now, "firing", sample.Value));
            }

            existing.Instance = existing.Instance with { Annotations = Annotate(rule, existing.Instance.Labels, existing.Instance.Value, sample.UnpricedRequests) };
            changed.Add(existing);
        }

        // Open instances whose label set did not breach (condition false, or the series went stale).
        foreach (var state in _open.Values.Where(s => s.Instance.RuleId == rule.Id && !seen.Contains(s.Instance.Fingerprint)).ToList())
        {
            if (overlapsGap)
            {
                // Not breaching on a window with a hole in it proves nothing: the instance keeps its state (and keep_firing_for
                // does not start) until the window lies wholly after the restart.
                continue;
            }

            if (state.Instance.State == AlertState.Firing && rule.KeepFiringFor > TimeSpan.Zero)
            {
                state.KeptFiringSince ??= now;
                if (now - state.KeptFiringSince < rule.KeepFiringFor)
                {
                    changed.Add(state);
                    continue;
                }
            }

            if (state.Instance.State == AlertState.Pending)
            {
                // Never fired: back to inactive, forgotten (no resolved notification), like Prometheus.
                _open.Remove((rule.Id, state.Instance.Fingerprint));
                _instances.Remove(state.Instance.Id);
                _store.DeleteInstance(state.Instance.Id);
                continue;
            }

            Resolve(state, now, new AlertHistoryEntry(now, "resolved", state.Instance.Value));
            changed.Add(state);
        }
    }

    private static bool Recovered(double value, AlertOperator op, double recovery) => op switch
    {
        AlertOperator.GreaterThan or AlertOperator.GreaterOrEqual => value < recovery,
        _ => value > recovery,
    };

    private static Dictionary<string, string> LabelsOf(AlertRule rule, IReadOnlyDictionary<string, string> groupLabels)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in groupLabels)
        {
            labels[k] = v;
        }

        foreach (var (k, v) in rule.Labels)
        {
            labels[k] = v;
        }

        labels["severity"] = AlertWire.Name(rule.Severity);
        labels["alertname"] = rule.Name;
        return new Dictionary<string, string>(labels, StringComparer.Ordinal);
    }

    private static Dictionary<string, string> GroupLabelsOf(AlertRule rule, IReadOnlyDictionary<string, string> labels) =>
        labels.Where(l => l.Key is not ("alertname" or "severity") && !rule.Labels.ContainsKey(l.Key)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);

    private static Dictionary<string, string> Annotate(AlertRule rule, IReadOnlyDictionary<string, string> labels, double? value, long unpricedRequests = 0)
    {
        var annotations = rule.Annotations.ToDictionary(a => a.Key, a => AlertLabels.Render(a.Value, labels, value, rule), StringComparer.Ordinal);
        if (unpricedRequests > 0)
        {
            annotations["unpriced"] = string.Create(CultureInfo.InvariantCulture, $"{unpricedRequests} calls on unpriced models are not in this cost (unknown, not $0)");
        }

        return annotations;
    }

    private AlertInstance AddHistory(AlertInstance instance, AlertHistoryEntry entry)
    {
        var history = instance.History.Append(entry).ToList();
        var max = _options.MaxHistoryPerInstance;
        if (history.Count > max)
        {
            history = [history[0], .. history.Skip(history.Count - (max - 1))];
        }

        return instance with { History = history };
    }

    private void Resolve(InstanceState state, DateTimeOffset now, AlertHistoryEntry entry, string? resolvedBy = null)
    {
        _open.Remove((state.Instance.RuleId, state.Instance.Fingerprint));
        state.KeptFiringSince = null;
        state.Instance = AddHistory(state.Instance with { State = AlertState.Resolved, EndsAt = now, ResolvedBy = resolvedBy }, entry);
    }

    // A rule deleted or disabled: firing instances resolve, pending ones are forgotten.
    private AlertInstance CloseByRule(InstanceState state, DateTimeOffset now, string why)
    {
        if (state.Instance.State == AlertState.Pending)
        {
            _open.Remove((state.Instance.RuleId, state.Instance.Fingerprint));
            _instances.Remove(state.Instance.Id);
            _store.DeleteInstance(state.Instance.Id);
            return state.Instance with { State = AlertState.Resolved, EndsAt = now };
        }

        Resolve(state, now, new AlertHistoryEntry(now, "resolved", state.Instance.Value, Comment: why));
        _store.SaveInstance(state);
        return state.Instance;
    }

    private void RecordRuleError(AlertRule rule, string message, DateTimeOffset now, HashSet<InstanceState> changed)
    {
        var isNew = !_ruleErrors.TryGetValue(rule.Id, out var previous) || previous != message;
        _ruleErrors[rule.Id] = message;
        if (!isNew)
        {
            return;
        }

        LogRuleFailed(_logger, rule.Id, message);
        foreach (var state in _open.Values.Where(s => s.Instance.RuleId == rule.Id))
        {
            state.Instance = AddHistory(state.Instance, new AlertHistoryEntry(now, "error", Comment: message));
            changed.Add(state);
        }
    }

    private void UpdateSilenced(DateTimeOffset now, HashSet<InstanceState> changed)
    {
        foreach (var state in _open.Values)
        {
            var silenced = IsSilenced(state.Instance.Labels, now);
            if (silenced != state.Instance.Silenced)
            {
                state.Instance = AddHistory(state.Instance with { Silenced = silenced }, new AlertHistoryEntry(now, silenced ? "silenced" : "unsilenced"));
                changed.Add(state);
            }
        }
    }

    private void PruneResolved(DateTimeOffset now)
    {
        // Expired silences are kept for the same retention as resolved alerts (history), then deleted.
        var silences = _silences.Values.Where(s => s.EndsAt < now - _options.ResolvedRetention).ToList();
        var resolved = _instances.Values.Where(s => !s.IsOpen).OrderBy(s => s.Instance.EndsAt).ToList();
        var excess = resolved.Count - _options.MaxResolvedInstances;
        var instances = resolved.Where(state => excess-- > 0 || state.Instance.EndsAt < now - _options.ResolvedRetention).ToList();
        if ((silences.Count > 0 || instances.Count > 0) && !ArchiveBeforePurge(instances, silences, now))
        {
            return;
        }

        foreach (var silence in silences)
        {
            _silences.Remove(silence.Id);
            _store.DeleteSilence(silence.Id);
        }

        foreach (var state in instances)
        {
            _instances.Remove(state.Instance.Id);
            _store.DeleteInstance(state.Instance.Id);
        }
    }

    /// <summary>
    /// With <c>Conciergus:Compliance:ArchiveDirectory</c> set, what the purge removes is first written to hash-listed
    /// archives (data classes "alert-instances" and "alert-silences", as stored); their digests go into the audit trail
    /// after the evaluation (<see cref="AuditPurgeArchivesAsync"/>). False when writing failed: then nothing is purged.
    /// </summary>
    private bool ArchiveBeforePurge(List<InstanceState> instances, List<Silence> silences, DateTimeOffset now)
    {
        if (_archive is null)
        {
            return true;
        }

        try
        {
            var written = new List<ArchiveResult>(2);
            if (_archive.Write("alert-instances", _store.InstanceDocuments(instances.Select(s => s.Instance.Id)), now) is { } i)
            {
                written.Add(i);
            }

            if (_archive.Write("alert-silences", _store.SilenceDocuments(silences.Select(s => s.Id)), now) is { } s)
            {
                written.Add(s);
            }

            _purgeArchives.AddRange(written);
            return true;
        }
#pragma warning disable CA1031 // A failed archive stops the purge (nothing is lost); the evaluation itself goes on.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogArchiveFailed(_logger, e);
            return false;
        }
    }

    // Outside the lock: each archive's digest is chained into the audit trail as alerts.retention_purge.
    private async Task AuditPurgeArchivesAsync(CancellationToken cancellationToken)
    {
        List<ArchiveResult> archives;
        lock (_sync)
        {
            archives = [.. _purgeArchives];
            _purgeArchives.Clear();
        }

        foreach (var archive in archives)
        {
            await AuditAsync("alerts.retention_purge", Path.GetFileName(archive.Path), Actor.System, new Dictionary<string, string>
            {
                ["archive"] = archive.Path,
                ["archiveSha256"] = archive.Sha256,
                ["count"] = archive.Count.ToString(CultureInfo.InvariantCulture),
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    private void RecordDropReading(DateTimeOffset now)
    {
        _dropReadings.Add((now, _readerDrops()));
        var keepFrom = now - MaxDropWindow();
        var firstKept = _dropReadings.FindLastIndex(r => r.At <= keepFrom);
        if (firstKept > 0)
        {
            _dropReadings.RemoveRange(0, firstKept);
        }

        if (_dropReadings.Count > MaxDropReadings)
        {
            _dropReadings.RemoveRange(1, _dropReadings.Count - MaxDropReadings);
        }
    }

    private TimeSpan MaxDropWindow() =>
        _rules.Values.Where(r => r.Metric == AlertMetric.IngestionDrops).Select(r => r.Window).DefaultIfEmpty(TimeSpan.FromMinutes(5)).Max();

    // Counter delta over the window: newest reading minus the newest reading at or before the window start (or the
    // oldest kept, right after start).
    private long DropsOver(TimeSpan window, DateTimeOffset at)
    {
        lock (_sync)
        {
            if (_dropReadings.Count == 0)
            {
                return 0;
            }

            var current = at >= _dropReadings[^1].At ? _readerDrops() : _dropReadings.LastOrDefault(r => r.At <= at).Count;
            var start = _dropReadings.LastOrDefault(r => r.At <= at - window);
            var baseline = start == default ? _dropReadings[0].Count : start.Count;
            return Math.Max(0, current - baseline);
        }
    }
}
