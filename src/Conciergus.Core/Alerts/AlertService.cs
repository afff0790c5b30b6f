using System.Globalization;

using Conciergus.Core.Audit;
using Conciergus.Core.Changes;
using Conciergus.Core.Storage;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Alerting (DESIGN section 7): rules over the time-series cache, the Prometheus state machine, silences, the operator
/// workflow, Alertmanager-style grouping and LiteDB persistence. Split by concern: rules, evaluation, instances,
/// silences, notification grouping (partial files); receivers are <see cref="AlertReceiverService"/>'s and delivery (channels,
/// retries, the delivery log) is <see cref="AlertNotifier"/>'s. Thread-safe: state changes happen under one short lock (never across
/// an await); notifications are planned under it and sent outside it, one dispatch at a time.
/// </summary>
public sealed partial class AlertService : IAlertService, IDisposable
{
    /// <summary>Kind of the built-in Alertmanager webhook channel.</summary>
    public const string WebhookKind = "webhook";

    private readonly Lock _sync = new();
    private readonly SemaphoreSlim _dispatchGate = new(1, 1);
    private readonly AlertStore _store;
    private readonly AlertMetricReader _reader;
    private readonly TimeProvider _time;
    private readonly AlertsOptions _options;
    private readonly IAuditLog? _audit;
    private readonly ILogger _logger;
    private readonly AlertNotifier _notifier;
    private readonly AlertReceiverService _receivers;
    private readonly Func<long> _readerDrops;
    private readonly RetentionArchive? _archive;
    private readonly List<ArchiveResult> _purgeArchives = [];

    // All below guarded by _sync.
    private readonly Dictionary<string, AlertRule> _rules;
    private readonly Dictionary<string, InstanceState> _instances;
    private readonly Dictionary<(string RuleId, string Fingerprint), InstanceState> _open = [];
    private readonly Dictionary<string, Silence> _silences;
    private readonly Dictionary<string, NotifyGroup> _groups;
    private readonly Dictionary<string, string> _ruleErrors = new(StringComparer.Ordinal);
    private readonly HashSet<(string RuleId, string Receiver)> _skipExplained = [];
    private readonly List<(DateTimeOffset At, long Count)> _dropReadings = [];
    private DateTimeOffset? _lastEvaluation;
    private TimeSpan _lastDuration;

    private long _version;
    private long _evaluations;

    /// <summary>Creates the service and loads rules, instances, silences, receivers and notification state.</summary>
    public AlertService(
        ConciergusDatabase database,
        AlertDataSources sources,
        TimeProvider timeProvider,
        IOptions<AlertsOptions> options,
        IEnumerable<IAlertChannel> channels,
        IEnumerable<IAuditLog> auditLogs,
        ILogger<AlertService>? logger = null,
        IAlertDataReadiness? readiness = null,
        ReceiverNetworkGuard? networkGuard = null,
        RetentionArchive? archive = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(channels);
        ArgumentNullException.ThrowIfNull(auditLogs);
        _time = timeProvider;
        _options = options.Value;
        Readiness = readiness;
        _audit = auditLogs.LastOrDefault();
        _archive = archive is { Enabled: true } ? archive : null;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _store = new AlertStore(database);
        _reader = new AlertMetricReader(sources, () => _options.DailyBudgetUsd);
        _readerDrops = sources.IngestionDropCount;
        _notifier = new AlertNotifier(_store, _time, _options, channels, _logger);

        _rules = _store.LoadRules().ToDictionary(r => r.Id, StringComparer.Ordinal);
        foreach (var builtIn in BuiltInRules.All)
        {
            // A stored built-in rule still carrying its former raw summary ("Error rate 0.096 is above 0.05") reads formatted now.
            if (_rules.TryGetValue(builtIn.Id, out var stored)
                && BuiltInRules.FormerSummaries.TryGetValue(builtIn.Id, out var former)
                && stored.Annotations.TryGetValue("summary", out var summary) && summary == former
                && builtIn.Annotations.TryGetValue("summary", out var current))
            {
                var annotations = new Dictionary<string, string>(stored.Annotations, StringComparer.Ordinal) { ["summary"] = current };
                _rules[builtIn.Id] = stored with { Annotations = annotations };
                if (database.IsAvailable)
                {
                    _store.SaveRule(_rules[builtIn.Id]);
                }
            }
        }

        foreach (var builtIn in BuiltInRules.All.Where(b => !_rules.ContainsKey(b.Id)))
        {
            _rules[builtIn.Id] = builtIn;
            if (database.IsAvailable) // storage down: the built-in rules still run, from memory
            {
                _store.SaveRule(builtIn);
            }
        }

        _instances = _store.LoadInstances().ToDictionary(s => s.Instance.Id, StringComparer.Ordinal);
        foreach (var state in _instances.Values.Where(s => s.IsOpen))
        {
            _open[(state.Instance.RuleId, state.Instance.Fingerprint)] = state;
        }

        _silences = _store.LoadSilences().ToDictionary(s => s.Id, StringComparer.Ordinal);
        _receivers = new AlertReceiverService(
            _store, _notifier, _time, _options, _audit, networkGuard ?? new ReceiverNetworkGuard(_options.AllowedReceiverNetworks), RulesUsing, () => Bump());
        _groups = _store.LoadGroups().ToDictionary(g => g.Id, StringComparer.Ordinal);

        // Drop counters start with the process: the first reading is zero at start.
        _dropReadings.Add((_time.GetUtcNow(), 0));
    }

    /// <inheritdoc />
    public long Version => Interlocked.Read(ref _version);

    /// <inheritdoc />
    public ChangeFeed Changes { get; } = new();

    /// <summary>Raised with the instances whose record changed (the SignalR hub pushes them).</summary>
    public event Action<IReadOnlyList<AlertInstance>>? InstancesChanged;

    /// <summary>Raised after every evaluation (tests and the health page wait on it).</summary>
    public event Action<AlertEvaluatorStatus>? Evaluated;

    /// <summary>When the cache's data is complete (the history restore); null when nothing restores history.</summary>
    public IAlertDataReadiness? Readiness { get; }

    /// <summary>The options in effect.</summary>
    public AlertsOptions Options => _options;

    /// <summary>Channel kinds available for receivers.</summary>
    public IReadOnlyCollection<string> ChannelKinds => _notifier.ChannelKinds;

    /// <summary>Notification receivers (configuration and API): <see cref="IAlertReceivers"/>.</summary>
    public AlertReceiverService ReceiverRegistry => _receivers;

    /// <summary>Notification delivery: channels, retries, the delivery log.</summary>
    public AlertNotifier Notifier => _notifier;

    /// <inheritdoc />
    public AlertEvaluatorStatus Status
    {
        get
        {
            lock (_sync)
            {
                return new AlertEvaluatorStatus(
                    _lastEvaluation,
                    _lastDuration,
                    _options.EvaluationInterval,
                    Interlocked.Read(ref _evaluations),
                    new Dictionary<string, string>(_ruleErrors, StringComparer.Ordinal),
                    _notifier.FailedDeliveries);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _dispatchGate.Dispose();

    private void Bump(IReadOnlyList<AlertInstance>? changedInstances = null)
    {
        Interlocked.Increment(ref _version);
        try
        {
            Changes.Notify();
            if (changedInstances is { Count: > 0 })
            {
                InstancesChanged?.Invoke(changedInstances);
            }
        }
#pragma warning disable CA1031 // A page's handler must never break the evaluator.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandlerFailed(_logger, e);
        }
    }

    private Task AuditAsync(string action, string target, Actor actor, Dictionary<string, string>? details, CancellationToken cancellationToken) =>
        AlertAudit.AppendAsync(_audit, action, target, actor, details, cancellationToken);

    /// <summary>Writes a change and its audit entry so that both commit or neither (see <see cref="AlertAudit.WriteAsync"/>).</summary>
    private Task AuditedWriteAsync(string action, string target, Actor actor, Dictionary<string, string>? details, Action write, CancellationToken cancellationToken) =>
        AlertAudit.WriteAsync(_audit, action, target, actor, details, write, cancellationToken);

    // The rules that name a receiver (a receiver in use cannot be deleted).
    private IReadOnlyList<string> RulesUsing(string receiver)
    {
        lock (_sync)
        {
            return [.. _rules.Values.Where(r => r.Receivers.Contains(receiver)).Select(r => r.Name)];
        }
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string NewId() => Guid.NewGuid().ToString("N")[..16];

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert history could not be archived before its retention purge; nothing was purged and the next evaluation tries again")]
    private static partial void LogArchiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An alert change handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert rule {RuleId} failed to evaluate: {Error}")]
    private static partial void LogRuleFailed(ILogger logger, string ruleId, string error);
}
