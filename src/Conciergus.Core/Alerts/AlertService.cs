using System.Globalization;

using Conciergus.Core.Audit;
using Conciergus.Core.Changes;
using Conciergus.Core.Storage;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using Polly;
using Polly.Retry;

namespace Conciergus.Core.Alerts;

/// <summary>
/// Alerting (DESIGN section 7): rules over the time-series cache, the Prometheus state machine, silences, the operator
/// workflow, Alertmanager-style grouped notifications and LiteDB persistence. Split by concern: rules, evaluation,
/// instances, silences, receivers, notifications. Thread-safe: state changes happen under one short lock (never across
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
    private readonly Dictionary<string, IAlertChannel> _channels;
    private readonly ResiliencePipeline<AlertChannelResult> _retry;
    private readonly IReadOnlyList<AlertReceiver> _configReceivers;
    private readonly Func<long> _readerDrops;
    private readonly ReceiverNetworkGuard _guard;
    private readonly RetentionArchive? _archive;
    private readonly List<ArchiveResult> _purgeArchives = [];

    // All below guarded by _sync.
    private readonly Dictionary<string, AlertRule> _rules;
    private readonly Dictionary<string, InstanceState> _instances;
    private readonly Dictionary<(string RuleId, string Fingerprint), InstanceState> _open = [];
    private readonly Dictionary<string, Silence> _silences;
    private readonly Dictionary<string, AlertReceiver> _apiReceivers;
    private readonly Dictionary<string, NotifyGroup> _groups;
    private readonly Dictionary<string, string> _ruleErrors = new(StringComparer.Ordinal);
    private readonly HashSet<(string RuleId, string Receiver)> _skipExplained = [];
    private readonly List<(DateTimeOffset At, long Count)> _dropReadings = [];
    private DateTimeOffset? _lastEvaluation;
    private TimeSpan _lastDuration;

    private long _version;
    private long _evaluations;
    private long _failedDeliveries;

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
        _channels = new Dictionary<string, IAlertChannel>(StringComparer.Ordinal);
        foreach (var channel in channels)
        {
            _channels[channel.Kind] = channel;
        }

        _configReceivers = [.. _options.Receivers.Select(r => r.ToReceiver())];
        _guard = networkGuard ?? new ReceiverNetworkGuard(_options.AllowedReceiverNetworks);
        _retry = BuildRetry();

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
        _apiReceivers = _store.LoadReceivers().ToDictionary(r => r.Name, StringComparer.Ordinal);
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
    public IReadOnlyCollection<string> ChannelKinds => _channels.Keys;

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
                    Interlocked.Read(ref _failedDeliveries));
            }
        }
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

        if (receiver.Kind is WebhookKind or "slack" or "teams")
        {
            if (!Uri.TryCreate(receiver.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            {
                errors.Add($"Receiver '{receiver.Name}' needs an absolute http(s) URL (got {ReceiverUrls.SchemeAndHost(receiver.Url)}).");
            }
        }

        return errors;
    }

    /// <inheritdoc />
    public void Dispose() => _dispatchGate.Dispose();

    private ResiliencePipeline<AlertChannelResult> BuildRetry()
    {
        var builder = new ResiliencePipelineBuilder<AlertChannelResult> { TimeProvider = _time };
        if (_options.DeliveryRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<AlertChannelResult>
            {
                MaxRetryAttempts = _options.DeliveryRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
                ShouldHandle = new PredicateBuilder<AlertChannelResult>()
                    .Handle<Exception>(e => e is not OperationCanceledException)
                    .HandleResult(r => !r.Succeeded && r.HttpStatus is null or >= 500 or 408 or 429),
            });
        }

        return builder.Build();
    }

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

    private async Task AuditAsync(string action, string target, Actor actor, Dictionary<string, string>? details, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            return;
        }

        await _audit.AppendAsync(
            new AuditEvent { Actor = actor.Name, Role = actor.Role, Action = action, Target = target, Details = details ?? [], SourceIp = actor.SourceIp },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a change and its audit entry so that both commit or neither (issue 15 item 11): through
    /// <see cref="IAuditLog.AppendWithAsync"/>, which puts the store write and the entry in one LiteDB transaction. The
    /// caller updates its in-memory state only after this returns, so a failed commit leaves memory, disk and trail as
    /// they were. Without an audit log the write runs alone.
    /// </summary>
    private async Task AuditedWriteAsync(string action, string target, Actor actor, Dictionary<string, string>? details, Action write, CancellationToken cancellationToken)
    {
        if (_audit is null)
        {
            write();
            return;
        }

        await _audit.AppendWithAsync(
            new AuditEvent { Actor = actor.Name, Role = actor.Role, Action = action, Target = target, Details = details ?? [], SourceIp = actor.SourceIp },
            write,
            cancellationToken).ConfigureAwait(false);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static string NewId() => Guid.NewGuid().ToString("N")[..16];

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert history could not be archived before its retention purge; nothing was purged and the next evaluation tries again")]
    private static partial void LogArchiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An alert change handler threw")]
    private static partial void LogHandlerFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert rule {RuleId} failed to evaluate: {Error}")]
    private static partial void LogRuleFailed(ILogger logger, string ruleId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification to receiver {Receiver} ({Target}) failed after {Attempts} attempts: {Error}")]
    private static partial void LogDeliveryFailed(ILogger logger, string receiver, string target, int attempts, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiver {Receiver} ({Kind}) is skipped for rule {RuleId}: {Reason}")]
    private static partial void LogReceiverSkipped(ILogger logger, string receiver, string kind, string ruleId, string reason);
}
