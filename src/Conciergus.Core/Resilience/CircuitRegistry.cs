using System.Collections.Concurrent;

using Conciergus.Core.Changes;
using Conciergus.Core.Errors;
using Conciergus.Core.Model;
using Conciergus.Core.Telemetry;

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;

namespace Conciergus.Core.Resilience;

/// <summary>State of one circuit as the dashboard shows it.</summary>
public enum CircuitStatus
{
    /// <summary>Calls flow.</summary>
    Closed,

    /// <summary>Calls are refused (failure ratio, an operator, or an alert); fallbacks take them.</summary>
    Open,

    /// <summary>The break is over: the next call is a probe that closes the circuit on success.</summary>
    HalfOpen,
}

/// <summary>Who pinned a circuit.</summary>
public enum CircuitForce
{
    /// <summary>Nobody: the breaker decides.</summary>
    None,

    /// <summary>An operator forced it open (maintenance).</summary>
    Open,

    /// <summary>An operator forced it closed: failures are not counted and alerts do not open it.</summary>
    Closed,
}

/// <summary>One circuit, for the API and the pages.</summary>
public sealed record CircuitSnapshot
{
    /// <summary>Provider.</summary>
    public required string Provider { get; init; }

    /// <summary>Model.</summary>
    public required string Model { get; init; }

    /// <summary>Closed, open or half-open.</summary>
    public required CircuitStatus State { get; init; }

    /// <summary>Operator pin.</summary>
    public CircuitForce Forced { get; init; }

    /// <summary>Alerts holding the circuit open (fingerprints), from the open_circuit alert action.</summary>
    public IReadOnlyList<string> HeldByAlerts { get; init; } = [];

    /// <summary>When the state last changed.</summary>
    public DateTimeOffset ChangedAt { get; init; }

    /// <summary>Why it last changed ("failure ratio", "forced open by alice", "alert ...").</summary>
    public string? Reason { get; init; }

    /// <summary>Times the breaker opened since start.</summary>
    public long Opened { get; init; }
}

/// <summary>
/// The circuits of every provider + model (one Polly pipeline each: retry around a failure-ratio circuit breaker
/// with manual control), shared by every resilient client in the process. Operators and the open_circuit alert
/// action pin circuits here; <see cref="Changed"/> drives the live pages.
/// </summary>
public sealed class CircuitRegistry
{
    private readonly ConcurrentDictionary<ModelTarget, CircuitEntry> _entries = new();
    private readonly ResilienceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly IErrorCategorizer _categorizer;
    private readonly Func<double> _jitter;
    private readonly ILogger _logger;
    private readonly HashSet<ErrorCategory> _retryable;
    private long _version;

    /// <summary>Creates the registry; <paramref name="jitter"/> returns uniform [0, 1) draws (tests pass a constant).</summary>
    public CircuitRegistry(
        IOptions<ResilienceOptions> options,
        IErrorCategorizer categorizer,
        TimeProvider? timeProvider = null,
        ILogger<CircuitRegistry>? logger = null,
        Func<double>? jitter = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(categorizer);
        _options = options.Value;
        _categorizer = categorizer;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _jitter = jitter ?? Random.Shared.NextDouble;
        _retryable = [.. _options.Retry.RetryOn.Select(n => ErrorCategoryNames.TryParse(n, out var c) ? c : ErrorCategory.Unknown).Where(c => c != ErrorCategory.Unknown)];
    }

    /// <summary>Notified after any circuit changes.</summary>
    public ChangeFeed Changes { get; } = new();

    /// <summary>Bumped on every change.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>The options in force.</summary>
    public ResilienceOptions Options => _options;

    /// <summary>Every known circuit, by provider then model.</summary>
    public IReadOnlyList<CircuitSnapshot> Snapshot() =>
        [.. _entries.Values.Select(e => e.Snapshot(_timeProvider.GetUtcNow()))
            .OrderBy(s => s.Provider, StringComparer.Ordinal).ThenBy(s => s.Model, StringComparer.Ordinal)];

    /// <summary>One circuit, or null when no call or action has touched it.</summary>
    public CircuitSnapshot? Find(string provider, string model) =>
        _entries.TryGetValue(new ModelTarget(provider.ToLowerInvariant(), model), out var e) ? e.Snapshot(_timeProvider.GetUtcNow()) : null;

    /// <summary>Current state of a circuit (closed when unknown).</summary>
    public CircuitStatus StateOf(ModelTarget target) => Find(target.Provider, target.Model)?.State ?? CircuitStatus.Closed;

    /// <summary>Whether <paramref name="exception"/> is in a retryable category for <paramref name="provider"/>.</summary>
    public bool IsRetryable(Exception exception, string provider)
    {
        ArgumentNullException.ThrowIfNull(exception);
        // OperationCanceledException is left to the categorizer: HttpClient's timeout is one (timeout, retried),
        // the caller's own cancellation is "cancelled" (not retried).
        if (exception is BrokenCircuitException)
        {
            return false;
        }

        ErrorCategory category;
        try
        {
            category = _categorizer.Categorize(ExceptionDescriber.Describe(exception), exception, provider);
        }
#pragma warning disable CA1031 // A broken categorizer means "do not retry", never a new exception.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }

        return _retryable.Contains(category);
    }

    /// <summary>Operator: pins the circuit open until closed or reset.</summary>
    public Task<CircuitSnapshot> ForceOpenAsync(string provider, string model, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(provider, model, e => e.Forced = CircuitForce.Open, $"forced open by {actor}", cancellationToken);

    /// <summary>Operator: pins the circuit closed (maintenance over, or a flapping breaker) until opened or reset.</summary>
    public Task<CircuitSnapshot> ForceCloseAsync(string provider, string model, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(provider, model, e => e.Forced = CircuitForce.Closed, $"forced closed by {actor}", cancellationToken);

    /// <summary>Operator: removes the pin; the breaker (and alert holds) decide again, starting closed.</summary>
    public Task<CircuitSnapshot> ResetAsync(string provider, string model, string actor, CancellationToken cancellationToken = default) =>
        ChangeAsync(provider, model, e => e.Forced = CircuitForce.None, $"reset by {actor}", cancellationToken);

    /// <summary>Alert action: holds the circuit open while the alert <paramref name="holder"/> fires.</summary>
    public Task<CircuitSnapshot> HoldOpenAsync(string provider, string model, string holder, CancellationToken cancellationToken = default) =>
        ChangeAsync(provider, model, e => e.Holders.Add(holder), $"alert {holder} firing", cancellationToken);

    /// <summary>Alert action: releases every circuit <paramref name="holder"/> holds; returns the circuits released.</summary>
    public async Task<IReadOnlyList<CircuitSnapshot>> ReleaseAsync(string holder, CancellationToken cancellationToken = default)
    {
        var released = new List<CircuitSnapshot>();
        foreach (var entry in _entries.Values.Where(e => e.HasHolder(holder)).ToList())
        {
            released.Add(await ChangeAsync(entry.Target.Provider, entry.Target.Model, e => e.Holders.Remove(holder), $"alert {holder} resolved", cancellationToken).ConfigureAwait(false));
        }

        return released;
    }

    /// <summary>Known circuits for a model (any provider).</summary>
    public IReadOnlyList<ModelTarget> TargetsFor(string model) =>
        [.. _entries.Keys.Where(k => k.Model.Equals(model, StringComparison.OrdinalIgnoreCase))];

    /// <summary>The pipeline (retry + breaker) of one provider + model, created on first use.</summary>
    internal ResiliencePipeline PipelineFor(ModelTarget target) => Entry(target).Pipeline;

    private CircuitEntry Entry(ModelTarget target) =>
        _entries.GetOrAdd(target with { Provider = target.Provider.ToLowerInvariant() }, static (key, registry) => new CircuitEntry(key, registry), this);

    private async Task<CircuitSnapshot> ChangeAsync(string provider, string model, Action<CircuitEntry> change, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        var entry = Entry(new ModelTarget(provider, model));
        await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            entry.Mutate(change);
            entry.Reason = reason;
            entry.ChangedAt = _timeProvider.GetUtcNow();

            // Isolate (Polly's manual open) while pinned open or held by an alert, unless an operator pinned it closed.
            var isolate = entry.Forced == CircuitForce.Open || (entry.Forced == CircuitForce.None && entry.HolderCount > 0);
            if (isolate)
            {
                await entry.Control.IsolateAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await entry.Control.CloseAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            entry.Gate.Release();
        }

        LogChanged(entry.Target, reason);
        RaiseChanged();
        return entry.Snapshot(_timeProvider.GetUtcNow());
    }

    private void RaiseChanged()
    {
        Interlocked.Increment(ref _version);
        Changes.Notify();
    }

    private void LogChanged(ModelTarget target, string reason)
    {
        if (_logger.IsEnabled(LogLevel.Information))
        {
#pragma warning disable CA1848, CA1873 // Rare event; not worth a source-generated logger in this class.
            _logger.LogInformation("Circuit {Provider}/{Model}: {Reason}.", target.Provider, target.Model, reason);
#pragma warning restore CA1848, CA1873
        }
    }

    private TimeSpan Backoff(int retryIndex)
    {
        var retry = _options.Retry;
        var exponential = retry.BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retryIndex, 30));
        var capped = Math.Min(exponential, retry.MaxDelay.TotalMilliseconds);
        var factor = 1 + (retry.JitterFraction * ((2 * _jitter()) - 1));
        return TimeSpan.FromMilliseconds(capped * factor);
    }

    /// <summary>
    /// One circuit: its Polly pipeline, manual control and pins. Changes are serialised by <see cref="Gate"/>, which
    /// <see cref="ChangeAsync"/> holds across the awaits of Polly's manual control; the holder set itself is guarded by
    /// a separate lock that is never held across an await, so readers (snapshots, <see cref="HasHolder"/>) never wait
    /// for an operator change to finish and never block a thread on the semaphore.
    /// </summary>
    private sealed class CircuitEntry
    {
        private readonly CircuitRegistry _registry;
        private readonly CircuitBreakerStateProvider _state = new();
        private DateTimeOffset _blockedUntil;
        private long _opened;

        public CircuitEntry(ModelTarget target, CircuitRegistry registry)
        {
            Target = target;
            _registry = registry;
            ChangedAt = registry._timeProvider.GetUtcNow();
            Pipeline = Build();
        }

        public ModelTarget Target { get; }

        public CircuitBreakerManualControl Control { get; } = new();

        public ResiliencePipeline Pipeline { get; }

        public SemaphoreSlim Gate { get; } = new(1, 1);

        // Guards _holders only; taken for a few instructions, never across an await.
        private readonly Lock _holdersLock = new();
        private readonly HashSet<string> _holders = new(StringComparer.Ordinal);

        public HashSet<string> Holders => _holders;

        public int HolderCount
        {
            get
            {
                lock (_holdersLock)
                {
                    return _holders.Count;
                }
            }
        }

        public volatile CircuitForce Forced;

        public DateTimeOffset ChangedAt { get; set; }

        public string? Reason { get; set; }

        /// <summary>Applies a change to the pins under the holder lock (synchronous: no await inside).</summary>
        public void Mutate(Action<CircuitEntry> change)
        {
            lock (_holdersLock)
            {
                change(this);
            }
        }

        public bool HasHolder(string holder)
        {
            lock (_holdersLock)
            {
                return _holders.Contains(holder);
            }
        }

        public CircuitSnapshot Snapshot(DateTimeOffset now)
        {
            string[] holders;
            lock (_holdersLock)
            {
                holders = [.. _holders];
            }

            // Polly moves Open -> HalfOpen lazily, on the next call after the break; show it as due.
            var state = _state.CircuitState switch
            {
                CircuitState.Closed => CircuitStatus.Closed,
                CircuitState.HalfOpen => CircuitStatus.HalfOpen,
                CircuitState.Open when now >= _blockedUntil => CircuitStatus.HalfOpen,
                _ => CircuitStatus.Open,
            };
            return new CircuitSnapshot
            {
                Provider = Target.Provider,
                Model = Target.Model,
                State = state,
                Forced = Forced,
                HeldByAlerts = holders,
                ChangedAt = ChangedAt,
                Reason = Reason,
                Opened = Interlocked.Read(ref _opened),
            };
        }

        private ResiliencePipeline Build()
        {
            var options = _registry._options;
            var builder = new ResiliencePipelineBuilder { Name = $"conciergus:{Target}", TimeProvider = _registry._timeProvider };
            if (options.Retry.MaxRetries > 0)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.Retry.MaxRetries,
                    ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome.Exception)),
                    DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                        RetryAfter.From(args.Outcome.Exception, _registry._timeProvider.GetUtcNow()) ?? _registry.Backoff(args.AttemptNumber)),
                });
            }

            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreaker.FailureRatio,
                MinimumThroughput = options.CircuitBreaker.MinimumThroughput,
                SamplingDuration = options.CircuitBreaker.SamplingDuration,
                BreakDuration = options.CircuitBreaker.BreakDuration,
                ManualControl = Control,
                StateProvider = _state,

                // Pinned closed: failures do not count, so the breaker cannot open behind the operator's back.
                ShouldHandle = args => ValueTask.FromResult(
                    Forced != CircuitForce.Closed && args.Outcome.Exception is { } e && _registry.IsRetryable(e, Target.Provider)),
                OnOpened = args =>
                {
                    _blockedUntil = args.IsManual ? DateTimeOffset.MaxValue : _registry._timeProvider.GetUtcNow() + args.BreakDuration;
                    Interlocked.Increment(ref _opened);
                    return Transition(args.IsManual ? null : "failure ratio reached");
                },
                OnHalfOpened = _ => Transition("half-open: probing"),
                OnClosed = args => Transition(args.IsManual ? null : "probe succeeded"),
            });
            return builder.Build();
        }

        private bool ShouldRetry(Exception? exception)
        {
            if (exception is null || !_registry.IsRetryable(exception, Target.Provider))
            {
                return false;
            }

            // A Retry-After longer than we may wait: leave this model to the fallback chain now.
            var retryAfter = RetryAfter.From(exception, _registry._timeProvider.GetUtcNow());
            return retryAfter is null || retryAfter <= _registry._options.Retry.MaxRetryAfter;
        }

        private ValueTask Transition(string? reason)
        {
            // Manual transitions are reported by ChangeAsync with the operator's reason.
            if (reason is not null)
            {
                Reason = reason;
                ChangedAt = _registry._timeProvider.GetUtcNow();
                _registry.LogChanged(Target, reason);
                _registry.RaiseChanged();
            }

            return ValueTask.CompletedTask;
        }
    }
}
