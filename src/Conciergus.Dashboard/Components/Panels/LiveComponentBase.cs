using Conciergus.Core.Changes;
using Microsoft.AspNetCore.Components;

namespace Conciergus.Dashboard.Components.Panels;

/// <summary>
/// The one live component base for pages and panels: <see cref="Listen"/> subscribes to a service's
/// <see cref="ChangeFeed"/> with a minimum interval, every change then runs <see cref="OnLiveChangeAsync"/> on the
/// renderer's dispatcher (one at a time, the last change always delivered), a failure goes to the circuit's error
/// handling instead of a lost task, and every subscription ends with the component.
/// </summary>
public abstract class LiveComponentBase : ComponentBase, IDisposable
{
    private readonly List<IDisposable> _subscriptions = [];
    private bool _disposed;

    /// <summary>Whether the component has been disposed (late callbacks do nothing then).</summary>
    protected bool IsDisposed => _disposed;

    /// <summary>
    /// Calls <see cref="OnLiveChangeAsync"/> after changes of <paramref name="feed"/>, at most once per
    /// <paramref name="minimumInterval"/> timed by <paramref name="clock"/> (the feed's clock when null).
    /// </summary>
    protected void Listen(ChangeFeed feed, TimeSpan minimumInterval, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(feed);
        _subscriptions.Add(feed.Subscribe(() => _disposed ? Task.CompletedTask : InvokeAsync(RunAsync), minimumInterval, clock));
    }

    /// <summary>Re-reads and re-renders after a change (runs on the renderer's dispatcher).</summary>
    protected abstract Task OnLiveChangeAsync();

    private async Task RunAsync()
    {
        if (_disposed)
        {
            return;
        }

        try
        {
            await OnLiveChangeAsync();
        }
#pragma warning disable CA1031 // Surfaced to the circuit's error handling rather than lost on a fire-and-forget task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            await DispatchExceptionAsync(ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the subscriptions; derived components free their own resources here (and call the base).</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (disposing)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }
}
