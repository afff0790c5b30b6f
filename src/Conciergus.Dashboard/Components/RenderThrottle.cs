namespace Conciergus.Dashboard.Components;

/// <summary>
/// Coalesces re-render requests: the first request runs at once, later ones at most once per interval
/// (trailing edge, so the newest state is always rendered). Request may be called from any thread.
/// </summary>
internal sealed class RenderThrottle : IDisposable
{
    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly Func<Task> _action;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private long _lastRun;
    private bool _hasRun;
    private bool _scheduled;
    private bool _disposed;

    public RenderThrottle(TimeSpan interval, TimeProvider timeProvider, Func<Task> action)
    {
        _interval = interval;
        _timeProvider = timeProvider;
        _action = action;
        _timer = timeProvider.CreateTimer(static state => ((RenderThrottle)state!).Run(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Asks for a run; returns at once.</summary>
    public void Request()
    {
        lock (_gate)
        {
            if (_disposed || _scheduled)
            {
                return;
            }

            _scheduled = true;
            var elapsed = _hasRun ? _timeProvider.GetElapsedTime(_lastRun) : _interval;
            if (elapsed < _interval)
            {
                _timer.Change(_interval - elapsed, Timeout.InfiniteTimeSpan);
                return;
            }
        }

        Run();
    }

    private void Run()
    {
        lock (_gate)
        {
            if (_disposed || !_scheduled)
            {
                return;
            }

            _scheduled = false;
            _hasRun = true;
            _lastRun = _timeProvider.GetTimestamp();
        }

        _ = _action();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }
}
