using Conciergus.Core.Changes;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;
namespace Conciergus.Core.Alerts;

/// <summary>Health of the evaluator, for the Health page and /healthz.</summary>
/// <param name="LastEvaluation">When the last evaluation finished (null before the first).</param>
/// <param name="LastDuration">How long it took.</param>
/// <param name="Interval">Configured interval.</param>
/// <param name="Evaluations">Evaluations since start.</param>
/// <param name="RuleErrors">Rule id -> last evaluation error (empty when all rules evaluate).</param>
/// <param name="FailedDeliveries">Deliveries that failed after all retries since start.</param>
public sealed record AlertEvaluatorStatus(
    DateTimeOffset? LastEvaluation,
    TimeSpan LastDuration,
    TimeSpan Interval,
    long Evaluations,
    IReadOnlyDictionary<string, string> RuleErrors,
    long FailedDeliveries);

/// <summary>One point of a rule's metric for one label set (charts and the rules editor preview).</summary>
public sealed record AlertMetricSeries(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<(DateTimeOffset At, double Value)> Points);

/// <summary>The rules editor preview: the metric per label set over the last hour, and when the rule would have breached.</summary>
/// <param name="Series">Values at each evaluation step.</param>
/// <param name="Breaches">Label sets (as "k=v,k=v") that breach at the end of the range.</param>
/// <param name="Step">Step between points.</param>
public sealed record AlertRulePreview(IReadOnlyList<AlertMetricSeries> Series, IReadOnlyList<string> Breaches, TimeSpan Step);


/// <summary>Alert rules: list, validate, create, update, delete, preview.</summary>
public interface IAlertRules
{
    /// <summary>All rules, built-in first then by name.</summary>
    IReadOnlyList<AlertRule> Rules();

    /// <summary>One rule or null.</summary>
    AlertRule? GetRule(string id);

    /// <summary>Validates without saving: field -> messages (empty when valid).</summary>
    IReadOnlyDictionary<string, string[]> Validate(AlertRule rule);

    /// <summary>Creates a rule (id generated when empty); throws <see cref="RefusalException"/>.</summary>
    Task<AlertRule> CreateRuleAsync(AlertRule rule, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Replaces a rule; open instances are re-evaluated at the next interval.</summary>
    Task<AlertRule> UpdateRuleAsync(string id, AlertRule rule, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes a custom rule (built-in rules can only be disabled); its open instances resolve.</summary>
    Task DeleteRuleAsync(string id, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Evaluates an unsaved rule over the last <paramref name="range"/> (rules editor live preview).</summary>
    AlertRulePreview Preview(AlertRule rule, TimeSpan range);
}

/// <summary>Alert instances and the operator workflow (acknowledge, resolve).</summary>
public interface IAlertInstances
{
    /// <summary>Instances (pending and firing first by severity, then resolved newest first); null state = all.</summary>
    IReadOnlyList<AlertInstance> Instances(AlertState? state = null);

    /// <summary>One instance or null.</summary>
    AlertInstance? GetInstance(string id);

    /// <summary>Firing, unacknowledged, unsilenced count (the navigation badge).</summary>
    int FiringCount { get; }

    /// <summary>Acknowledges a firing or pending instance: no more firing notifications for it (its resolution is still sent if it was notified).</summary>
    Task<AlertInstance> AcknowledgeAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default);

    /// <summary>Resolves an open instance by hand (a resolved notification goes out if it had fired).</summary>
    Task<AlertInstance> ResolveAsync(string id, Actor actor, string? comment, CancellationToken cancellationToken = default);

    /// <summary>The rule's metric for one instance's label set from <paramref name="from"/> to now (alert detail chart).</summary>
    AlertMetricSeries MetricHistory(string instanceId, TimeSpan range);
}

/// <summary>Silences: matchers with a start and an end.</summary>
public interface IAlertSilences
{
    /// <summary>All silences, active first.</summary>
    IReadOnlyList<Silence> Silences();

    /// <summary>State of a silence now.</summary>
    SilenceState StateOf(Silence silence);

    /// <summary>Creates a silence (id generated when empty).</summary>
    Task<Silence> CreateSilenceAsync(Silence silence, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Replaces a silence.</summary>
    Task<Silence> UpdateSilenceAsync(string id, Silence silence, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Expires a silence now (kept for history).</summary>
    Task ExpireSilenceAsync(string id, Actor actor, CancellationToken cancellationToken = default);
}

/// <summary>Notification receivers (configuration and API), their routes and the delivery log.</summary>
public interface IAlertReceivers
{
    /// <summary>Receivers from configuration and the API.</summary>
    IReadOnlyList<AlertReceiver> Receivers();

    /// <summary>Creates or replaces an API receiver.</summary>
    Task<AlertReceiver> SaveReceiverAsync(AlertReceiver receiver, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Deletes an API receiver.</summary>
    Task DeleteReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Sends a synthetic test notification to one receiver through its channel (logged as a delivery).</summary>
    Task<AlertChannelResult> TestReceiverAsync(string name, Actor actor, CancellationToken cancellationToken = default);

    /// <summary>Recent deliveries, newest first.</summary>
    IReadOnlyList<AlertDelivery> Deliveries(int limit = 100);

    /// <summary>
    /// Where the rule's notifications go: the receivers it names, or every notification receiver when it names none
    /// (never an action such as open_circuit); a receiver whose kind cannot act on the rule carries the reason.
    /// </summary>
    IReadOnlyList<ReceiverRoute> RoutesOf(AlertRule rule) =>
        [.. (rule ?? throw new ArgumentNullException(nameof(rule))).Receivers.Select(n => new ReceiverRoute(n, "", false, null))];
}

/// <summary>
/// Everything the API and the pages need from alerting: the union of <see cref="IAlertRules"/>,
/// <see cref="IAlertInstances"/>, <see cref="IAlertSilences"/> and <see cref="IAlertReceivers"/>, plus change
/// notification and evaluator health. Kept for compatibility; new code asks for the narrow interface it needs.
/// Implemented by AlertService.
/// </summary>
public interface IAlertService : IAlertRules, IAlertInstances, IAlertSilences, IAlertReceivers
{
    /// <summary>Bumped on every change of rules, instances, silences or receivers (pages re-read when it moves).</summary>
    long Version { get; }

    /// <summary>Notified after every change of rules, instances, silences or receivers (pages subscribe with a minimum interval).</summary>
    ChangeFeed Changes { get; }

    /// <summary>Evaluator health.</summary>
    AlertEvaluatorStatus Status { get; }
}
