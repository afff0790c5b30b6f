namespace Conciergus.Core.Changes;

/// <summary>
/// "Something changed" from a service to whoever shows it: the one way pages, panels and background readers learn about
/// changes. Each subscriber names a minimum interval and is called back as the Aspire dashboard's Subscription with its
/// CallbackThrottler does: the first change at once, later ones at most once per interval (measured from the start of the
/// previous call), the last change always delivered, calls of one subscriber never overlapping, and an exception or a
/// faulted task of a callback contained (it never reaches the notifier or other subscribers).
/// <see cref="Notify"/> never blocks and never throws; while a call is already due it costs one volatile read per subscriber.
/// </summary>
public sealed class ChangeFeed(TimeProvider? timeProvider = null)
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly Lock _gate = new();
    private Subscription[] _subscriptions = [];

    /// <summary>Subscribers now (for tests and diagnostics).</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriptions).Length;

    /// <summary>
    /// Calls <paramref name="callback"/> after changes, at most once per <paramref name="minimumInterval"/>, timed by
    /// <paramref name="timeProvider"/> (else the feed's clock). A call that is due runs on the notifying thread, a
    /// deferred one on a timer thread. Dispose the result to stop.
    /// </summary>
    public IDisposable Subscribe(Func<Task> callback, TimeSpan minimumInterval, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(callback);
        ArgumentOutOfRangeException.ThrowIfLessThan(minimumInterval, TimeSpan.Zero);
        var subscription = new Subscription(this, callback, minimumInterval, timeProvider ?? _time);
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions, subscription];
        }

        return subscription;
    }

    /// <summary>Says that something changed; every subscriber is called back (now or when its interval allows).</summary>
    public void Notify()
    {
        foreach (var subscription in Volatile.Read(ref _subscriptions))
        {
            subscription.Signal();
        }
    }

    private void Remove(Subscription subscription)
    {
        lock (_gate)
        {
            _subscriptions = [.. _subscriptions.Where(s => !ReferenceEquals(s, subscription))];
        }
    }

    /// <summary>One subscriber's throttle. Every state change happens under <see cref="_gate"/>; callbacks run outside it.</summary>
    private sealed class Subscription(ChangeFeed feed, Func<Task> callback, TimeSpan interval, TimeProvider time) : IDisposable
    {
        private readonly Lock _gate = new();
        private ITimer? _timer;
        private bool _pending;    // a change not yet handed to a call that started after it
        private bool _running;    // a call is in flight (calls never overlap)
        private bool _timerArmed; // a deferred call is waiting for the interval to pass
        private bool _hasRun;
        private long _lastStart;
        private bool _disposed;

        public void Signal()
        {
            // Fast path, safe without the lock: while _pending is true a call is still to start (the armed timer or the
            // end of the call in flight starts it), and it starts after this change, so it sees it.
            if (Volatile.Read(ref _pending))
            {
                return;
            }

            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _pending = true;
                if (!TryStart())
                {
                    return;
                }
            }

            Run();
        }

        // Under _gate. True when the caller must run the callback now; otherwise a call is in flight, a timer is armed
        // (armed here when the interval has not passed yet), or there is nothing to deliver.
        private bool TryStart()
        {
            if (_running || _timerArmed || !_pending || _disposed)
            {
                return false;
            }

            if (_hasRun && interval - time.GetElapsedTime(_lastStart) is var wait && wait > TimeSpan.Zero)
            {
                _timer ??= time.CreateTimer(static s => ((Subscription)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _timer.Change(wait, Timeout.InfiniteTimeSpan);
                _timerArmed = true;
                return false;
            }

            Volatile.Write(ref _pending, false);
            _running = true;
            _hasRun = true;
            _lastStart = time.GetTimestamp();
            return true;
        }

        private void OnTimer()
        {
            lock (_gate)
            {
                _timerArmed = false;
                if (!TryStart())
                {
                    return;
                }
            }

            Run();
        }

        // Runs calls while they complete synchronously and another one is due at once (a loop, not recursion).
        private void Run()
        {
            while (true)
            {
                Task task;
                try
                {
                    task = callback();
                }
#pragma warning disable CA1031 // Contained by design: a broken subscriber must not break the notifier or the other subscribers.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    task = Task.FromException(ex);
                }

                if (!task.IsCompleted)
                {
                    _ = FinishAfterAsync(task);
                    return;
                }

                _ = task.Exception; // observed: contained
                if (!Finish())
                {
                    return;
                }
            }
        }

        private async Task FinishAfterAsync(Task task)
        {
            try
            {
                await task.ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Contained by design (see Run).
            catch (Exception)
#pragma warning restore CA1031
            {
            }

            if (Finish())
            {
                Run();
            }
        }

        // The call ended: true when the next one is due at once (a change came meanwhile and the interval passed).
        private bool Finish()
        {
            lock (_gate)
            {
                _running = false;
                return TryStart();
            }
        }

        public void Dispose()
        {
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
            }

            _timer?.Dispose();
            feed.Remove(this);
        }
    }
}
