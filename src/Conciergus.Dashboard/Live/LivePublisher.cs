using Conciergus.Core.Analytics;
using Conciergus.Core.Collector;
using Conciergus.Core.Changes;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Live;

/// <summary>
/// Builds small <see cref="LiveSnapshot"/>s from the read models on a <see cref="TimeProvider"/> timer and
/// hands them to subscribers (Blazor panels). It polls <see cref="AiOperationCollector.Version"/> every tick
/// and publishes when something was recorded, when a second that received data has completed, or on the
/// heartbeat so windows keep sliding. Publishing runs on the timer's thread, never on a request thread, and
/// a throwing subscriber is counted, never allowed to stop the others.
/// </summary>
public sealed partial class LivePublisher : IHostedService, IAsyncDisposable
{
    private static readonly TimeSpan PointStep = TimeSpan.FromSeconds(1);

    private readonly AiOperationCollector _collector;
    private readonly AnalyticsService _analytics;
    private readonly TimeSeriesCache _cache;
    private readonly TimeProvider _timeProvider;
    private readonly LiveOptions _options;
    private readonly ILogger<LivePublisher> _logger;

    // Subscribers are copy-on-write: publishing iterates an immutable array without holding the lock.
    private readonly Lock _subscribersGate = new();
    private Subscription[] _subscribers = [];

    // Recent points for late subscribers; written only by the tick (guarded by _ticking), read under _historyGate.
    private readonly Lock _historyGate = new();
    private readonly Queue<LivePoint> _history;

    private ITimer? _timer;
    private int _ticking;

    // Tick state: only touched by the tick, which never runs twice at once (_ticking).
    private long _lastVersion = -1;
    private DateTimeOffset _lastPublishAt = DateTimeOffset.MinValue;
    private DateTimeOffset? _pointsPublishedUntil;
    private DateTimeOffset? _owedPointUntil;
    private bool _failing;

    private LiveSnapshot? _latest;
    private long _publishes;
    private long _subscriberFailures;
    private long _tickFailures;
    private long _lastPublishedTicks;
    private string? _lastError;

    /// <summary>Creates the publisher; the timer starts with <see cref="StartAsync"/>.</summary>
    public LivePublisher(
        AiOperationCollector collector,
        AnalyticsService analytics,
        TimeSeriesCache cache,
        TimeProvider timeProvider,
        IOptions<LiveOptions> options,
        ILogger<LivePublisher> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _collector = collector;
        _analytics = analytics;
        _cache = cache;
        _timeProvider = timeProvider;
        _options = options.Value;
        _logger = logger;
        _history = new Queue<LivePoint>(_options.HistoryPoints);
    }

    /// <summary>The newest snapshot, or null before the first publish. Panels render it at once on load.</summary>
    public LiveSnapshot? Latest => Volatile.Read(ref _latest);

    /// <summary>Settings in force.</summary>
    public LiveOptions Options => _options;

    /// <summary>Health figures for the health page.</summary>
    public LivePublisherStatus Status
    {
        get
        {
            var ticks = Interlocked.Read(ref _lastPublishedTicks);
            return new LivePublisherStatus(
                Volatile.Read(ref _timer) is not null,
                ticks > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null,
                Interlocked.Read(ref _publishes),
                Volatile.Read(ref _subscribers).Length + Changes.SubscriberCount,
                Interlocked.Read(ref _subscriberFailures),
                Interlocked.Read(ref _tickFailures),
                Volatile.Read(ref _lastError));
        }
    }

    /// <summary>The most recent published per-second points (up to <see cref="LiveOptions.HistoryPoints"/>), oldest first.</summary>
    public IReadOnlyList<LivePoint> RecentPoints()
    {
        lock (_historyGate)
        {
            return [.. _history];
        }
    }

    /// <summary>
    /// Notified after every published snapshot: pages and panels subscribe here (with their minimum interval) and read
    /// <see cref="Latest"/> and the read models; <see cref="Subscribe"/> is for readers of every snapshot's deltas (the hub).
    /// </summary>
    public ChangeFeed Changes { get; } = new();

    /// <summary>
    /// Calls <paramref name="onSnapshot"/> with every future snapshot, on the publisher's thread (marshal to
    /// the UI with InvokeAsync). Dispose the result to stop; no callback starts after Dispose returns.
    /// </summary>
    public IDisposable Subscribe(Action<LiveSnapshot> onSnapshot)
    {
        ArgumentNullException.ThrowIfNull(onSnapshot);
        var subscription = new Subscription(this, onSnapshot);
        lock (_subscribersGate)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var timer = _timeProvider.CreateTimer(static state => ((LivePublisher)state!).Tick(), this, _options.TickInterval, _options.TickInterval);
        if (Interlocked.CompareExchange(ref _timer, timer, null) is not null)
        {
            timer.Dispose();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _timer, null) is { } timer)
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);

    /// <summary>One timer tick. Skipped when the previous tick is still running (a slow query never piles up ticks).</summary>
    internal void Tick()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
        {
            return;
        }

        try
        {
            TickCore();
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void TickCore()
    {
        LiveSnapshot snapshot;
        try
        {
            var now = _timeProvider.GetUtcNow();
            var version = _collector.Version;
            var completedUntil = FloorToSecond(now);
            var changed = version != _lastVersion;
            var owesPoint = _owedPointUntil is { } owed && completedUntil >= owed;
            var heartbeat = now - _lastPublishAt >= _options.HeartbeatInterval;
            if (!changed && !owesPoint && !heartbeat)
            {
                return;
            }

            var summary = _analytics.Summary(_options.SummaryWindow);
            var from = _pointsPublishedUntil ?? completedUntil - (PointStep * _options.HistoryPoints);
            var points = from < completedUntil ? ReadPoints(from, completedUntil) : [];
            snapshot = new LiveSnapshot(now, version, summary, points);

            // Operations recorded now land in the current, still open second: publish once more when it completes.
            if (changed && version > 0)
            {
                _owedPointUntil = completedUntil + PointStep;
            }
            else if (owesPoint)
            {
                _owedPointUntil = null;
            }

            _lastVersion = version;
            _lastPublishAt = now;
            _pointsPublishedUntil = completedUntil;
            Remember(points);
            Volatile.Write(ref _latest, snapshot);
            Interlocked.Increment(ref _publishes);
            Interlocked.Exchange(ref _lastPublishedTicks, now.UtcTicks);
            if (_failing)
            {
                _failing = false;
                Volatile.Write(ref _lastError, null);
                LogRecovered(_logger);
            }
        }
#pragma warning disable CA1031 // A timer callback must not throw: the failure is counted and shown on the health page.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _tickFailures);
            Volatile.Write(ref _lastError, ex.Message);
            if (!_failing)
            {
                _failing = true;
                LogTickFailed(_logger, ex);
            }

            return;
        }

        foreach (var subscription in Volatile.Read(ref _subscribers))
        {
            subscription.Deliver(snapshot);
        }

        Changes.Notify();
    }

    private LivePoint[] ReadPoints(DateTimeOffset from, DateTimeOffset to)
    {
        var buckets = _cache.Range(SeriesKey.Total, from, to, PointStep);
        var points = new LivePoint[buckets.Count];
        for (var i = 0; i < buckets.Count; i++)
        {
            points[i] = new LivePoint(buckets[i].Start, buckets[i].Aggregate.Requests, buckets[i].Aggregate.Errors);
        }

        return points;
    }

    private void Remember(IReadOnlyList<LivePoint> points)
    {
        lock (_historyGate)
        {
            foreach (var point in points)
            {
                if (_history.Count == _options.HistoryPoints)
                {
                    _history.Dequeue();
                }

                _history.Enqueue(point);
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_subscribersGate)
        {
            var index = Array.IndexOf(_subscribers, subscription);
            if (index >= 0)
            {
                _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
            }
        }
    }

    private static DateTimeOffset FloorToSecond(DateTimeOffset time) =>
        new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Live publisher could not build a snapshot; panels keep showing the last one until it recovers")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live publisher recovered")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A live subscriber threw; it stays subscribed and the others were served")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);

    private sealed class Subscription(LivePublisher owner, Action<LiveSnapshot> callback) : IDisposable
    {
        private readonly Lock _gate = new();
        private bool _disposed;

        public void Deliver(LiveSnapshot snapshot)
        {
            // Holding the gate while calling back makes Dispose wait for a running callback, so no callback
            // runs after Dispose returns. Callbacks are expected to be short (store and InvokeAsync).
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                try
                {
                    callback(snapshot);
                }
#pragma warning disable CA1031 // One broken subscriber must not stop the publisher or the other subscribers.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    if (Interlocked.Increment(ref owner._subscriberFailures) == 1)
                    {
                        LogSubscriberFailed(owner._logger, ex);
                    }
                }
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                _disposed = true;
            }

            owner.Unsubscribe(this);
        }
    }
}
