using Conciergus.Core.Alerts;
using Conciergus.Core.Changes;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts.Pages;

/// <summary>
/// An in-memory <see cref="IAlertService"/> for the page tests: holds what a test puts in, records every operator call
/// (with its actor and comment) and notifies <see cref="Changes"/> after each, like the real service.
/// </summary>
internal sealed class FakeAlertService(TimeProvider time) : IAlertService
{
    private readonly Lock _gate = new();
    private long _version;
    private int _nextId;

    public List<AlertRule> RuleList { get; } = [];

    public List<AlertInstance> InstanceList { get; } = [];

    public List<Silence> SilenceList { get; } = [];

    public List<AlertReceiver> ReceiverList { get; } = [];

    public List<AlertDelivery> DeliveryList { get; } = [];

    /// <summary>Routes per rule id (as the engine would compute them); rules without an entry route to what they name.</summary>
    public Dictionary<string, IReadOnlyList<ReceiverRoute>> Routes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<ReceiverRoute> RoutesOf(AlertRule rule) =>
        Routes.TryGetValue(rule.Id, out var routes) ? routes : [.. rule.Receivers.Select(n => new ReceiverRoute(n, "webhook", false, null))];

    /// <summary>Every operator call: ("acknowledge", id, actor, comment), ...</summary>
    public List<(string Action, string Target, Actor Actor, string? Comment)> Calls { get; } = [];

    /// <summary>Rules passed to <see cref="Validate"/>, newest last.</summary>
    public List<AlertRule> Validated { get; } = [];

    /// <summary>Rules passed to <see cref="Preview"/>, newest last.</summary>
    public List<AlertRule> Previewed { get; } = [];

    /// <summary>The validation a test wants (default: a name is required, the threshold may not be negative).</summary>
    public Func<AlertRule, IReadOnlyDictionary<string, string[]>> Validator { get; set; } = DefaultValidator;

    /// <summary>The preview a test wants (default: one flat series per rule at 0.1, breaching when the threshold is below).</summary>
    public Func<AlertRule, TimeSpan, AlertRulePreview>? PreviewFactory { get; set; }

    /// <summary>A history a test wants for the detail chart.</summary>
    public AlertMetricSeries? History { get; set; }

    /// <summary>Makes the next operator call throw this.</summary>
    public RefusalException? FailNext { get; set; }

    public AlertEvaluatorStatus StatusValue { get; set; } = new(null, TimeSpan.Zero, TimeSpan.FromSeconds(10), 0, new Dictionary<string, string>(), 0);

    public long Version => Interlocked.Read(ref _version);

    public ChangeFeed Changes { get; } = new();

    /// <summary>Bumps the version and raises Changed (what the evaluator does after an evaluation).</summary>
    public void RaiseChanged()
    {
        Interlocked.Increment(ref _version);
        Changes.Notify();
    }

    /// <summary>Bumps the version without raising Changed (a service that only moves Version).</summary>
    public void BumpVersionSilently() => Interlocked.Increment(ref _version);

    public int ChangedSubscribers => Changes.SubscriberCount;

    public static IReadOnlyDictionary<string, string[]> DefaultValidator(AlertRule rule)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(rule.Name))
        {
            errors["name"] = ["A rule needs a name."];
        }

        if (rule.Threshold < 0)
        {
            errors["threshold"] = ["The threshold must not be negative."];
        }

        return errors;
    }

    public IReadOnlyList<AlertRule> Rules() => [.. RuleList];

    public AlertRule? GetRule(string id) => RuleList.FirstOrDefault(r => r.Id == id);

    public IReadOnlyDictionary<string, string[]> Validate(AlertRule rule)
    {
        Validated.Add(rule);
        return Validator(rule);
    }

    public Task<AlertRule> CreateRuleAsync(AlertRule rule, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        var created = rule with { Id = string.IsNullOrEmpty(rule.Id) ? $"rule-{++_nextId}" : rule.Id };
        RuleList.Add(created);
        Record("alert_rule.create", created.Id, actor, null);
        return Task.FromResult(created);
    }

    public Task<AlertRule> UpdateRuleAsync(string id, AlertRule rule, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        var index = RuleList.FindIndex(r => r.Id == id);
        if (index < 0)
        {
            throw new RefusalException(RefusalKind.NotFound, $"No rule '{id}'.");
        }

        RuleList[index] = rule with { Id = id };
        Record("alert_rule.update", id, actor, null);
        return Task.FromResult(RuleList[index]);
    }

    public Task DeleteRuleAsync(string id, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        RuleList.RemoveAll(r => r.Id == id);
        Record("alert_rule.delete", id, actor, null);
        return Task.CompletedTask;
    }

    public IReadOnlyList<AlertInstance> Instances(AlertState? state = null) => [.. InstanceList.Where(i => state is null || i.State == state)];

    public AlertInstance? GetInstance(string id) => InstanceList.FirstOrDefault(i => i.Id == id);

    public int FiringCount => InstanceList.Count(i => i.State == AlertState.Firing && !i.Acknowledged && !i.Silenced);

    public Task<AlertInstance> AcknowledgeAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default)
    {
        Fail();
        var updated = Replace(id, i => i with
        {
            Acknowledged = true,
            AcknowledgedBy = actor.Name,
            AcknowledgedAt = time.GetUtcNow(),
            History = [.. i.History, new AlertHistoryEntry(time.GetUtcNow(), "acknowledged", i.Value, actor.Name, comment)],
        });
        Record("alert.acknowledge", id, actor, comment);
        return Task.FromResult(updated);
    }

    public Task<AlertInstance> ResolveAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default)
    {
        Fail();
        var updated = Replace(id, i => i with
        {
            State = AlertState.Resolved,
            EndsAt = time.GetUtcNow(),
            ResolvedBy = actor.Name,
            History = [.. i.History, new AlertHistoryEntry(time.GetUtcNow(), "resolved_by_hand", i.Value, actor.Name, comment)],
        });
        Record("alert.resolve", id, actor, comment);
        return Task.FromResult(updated);
    }

    public AlertMetricSeries MetricHistory(string instanceId, TimeSpan range) =>
        History ?? new AlertMetricSeries(GetInstance(instanceId)?.Labels ?? new Dictionary<string, string>(), []);

    public AlertRulePreview Preview(AlertRule rule, TimeSpan range)
    {
        Previewed.Add(rule);
        if (PreviewFactory is { } factory)
        {
            return factory(rule, range);
        }

        var now = time.GetUtcNow();
        var labels = new Dictionary<string, string> { ["model"] = "gpt-4o" };
        IReadOnlyList<(DateTimeOffset, double)> points = [(now.AddMinutes(-2), 0.1), (now.AddMinutes(-1), 0.1)];
        return new AlertRulePreview([new AlertMetricSeries(labels, points)], rule.Threshold < 0.1 ? ["model=gpt-4o"] : [], TimeSpan.FromMinutes(1));
    }

    public IReadOnlyList<Silence> Silences() => [.. SilenceList];

    public SilenceState StateOf(Silence silence)
    {
        var now = time.GetUtcNow();
        return now < silence.StartsAt ? SilenceState.Pending : now < silence.EndsAt ? SilenceState.Active : SilenceState.Expired;
    }

    public Task<Silence> CreateSilenceAsync(Silence silence, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        var created = silence with { Id = string.IsNullOrEmpty(silence.Id) ? $"silence-{++_nextId}" : silence.Id };
        SilenceList.Add(created);
        Record("silence.create", created.Id, actor, silence.Comment);
        return Task.FromResult(created);
    }

    public Task<Silence> UpdateSilenceAsync(string id, Silence silence, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        var index = SilenceList.FindIndex(s => s.Id == id);
        SilenceList[index] = silence with { Id = id };
        Record("silence.update", id, actor, null);
        return Task.FromResult(SilenceList[index]);
    }

    public Task ExpireSilenceAsync(string id, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        var index = SilenceList.FindIndex(s => s.Id == id);
        SilenceList[index] = SilenceList[index] with { EndsAt = time.GetUtcNow() };
        Record("silence.expire", id, actor, null);
        return Task.CompletedTask;
    }

    public IReadOnlyList<AlertReceiver> Receivers() => [.. ReceiverList];

    public Task<AlertReceiver> SaveReceiverAsync(AlertReceiver receiver, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        ReceiverList.RemoveAll(r => r.Name == receiver.Name);
        ReceiverList.Add(receiver);
        Record("receiver.save", receiver.Name, actor, receiver.Url);
        return Task.FromResult(receiver);
    }

    public Task DeleteReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        ReceiverList.RemoveAll(r => r.Name == name);
        Record("receiver.delete", name, actor, null);
        return Task.CompletedTask;
    }

    public Task<AlertChannelResult> TestReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default)
    {
        Fail();
        Record("receiver.test", name, actor, null);
        return Task.FromResult(new AlertChannelResult(true, 200));
    }

    public IReadOnlyList<AlertDelivery> Deliveries(int limit = 100) => [.. DeliveryList.Take(limit)];

    public AlertEvaluatorStatus Status => StatusValue;

    private void Fail()
    {
        if (FailNext is { } failure)
        {
            FailNext = null;
            throw failure;
        }
    }

    private AlertInstance Replace(string id, Func<AlertInstance, AlertInstance> change)
    {
        var index = InstanceList.FindIndex(i => i.Id == id);
        if (index < 0)
        {
            throw new RefusalException(RefusalKind.NotFound, $"No alert '{id}'.");
        }

        InstanceList[index] = change(InstanceList[index]);
        return InstanceList[index];
    }

    private void Record(string action, string target, Actor actor, string? comment)
    {
        lock (_gate)
        {
            Calls.Add((action, target, actor, comment));
        }

        RaiseChanged();
    }

    /// <summary>A rule with test defaults.</summary>
    public static AlertRule Rule(string id = "high-errors", string name = "High error rate", AlertMetric metric = AlertMetric.ErrorRate,
        double threshold = 0.05, AlertSeverity severity = AlertSeverity.High, bool builtIn = false, double? recovery = null) => new()
    {
        Id = id,
        Name = name,
        Metric = metric,
        Threshold = threshold,
        RecoveryThreshold = recovery,
        Severity = severity,
        BuiltIn = builtIn,
        GroupBy = ["model"],
        Window = TimeSpan.FromMinutes(1),
    };

    /// <summary>An instance with test defaults.</summary>
    public static AlertInstance Instance(string id, AlertState state, AlertSeverity severity, DateTimeOffset activeAt, string ruleId = "high-errors",
        string ruleName = "High error rate", string model = "gpt-4o", double? value = 0.12, bool acknowledged = false) => new()
    {
        Id = id,
        RuleId = ruleId,
        RuleName = ruleName,
        State = state,
        Severity = severity,
        Labels = new Dictionary<string, string> { ["alertname"] = ruleName, ["severity"] = severity.ToString().ToLowerInvariant(), ["model"] = model },
        Annotations = new Dictionary<string, string> { ["summary"] = $"Error rate on {model}" },
        Value = value,
        ActiveAt = activeAt,
        StartsAt = state == AlertState.Pending ? null : activeAt.AddMinutes(1),
        EndsAt = state == AlertState.Resolved ? activeAt.AddMinutes(5) : null,
        Fingerprint = "0123456789abcdef",
        Acknowledged = acknowledged,
        History = [new AlertHistoryEntry(activeAt, "pending", value), new AlertHistoryEntry(activeAt.AddMinutes(1), "firing", value)],
    };
}
