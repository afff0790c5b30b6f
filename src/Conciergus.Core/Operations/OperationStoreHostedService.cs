using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Operations;

/// <summary>
/// Runs the store's retention and disk cap every <see cref="OperationStoreOptions.PurgeInterval"/> (on the
/// <see cref="TimeProvider"/>), and on host stop commits everything queued, so a graceful stop (SIGTERM) loses nothing.
/// </summary>
public sealed partial class OperationStoreHostedService(
    IOperationStore store,
    OperationRetention retention,
    IOptions<OperationStoreOptions> options,
    TimeProvider timeProvider,
    ILogger<OperationStoreHostedService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private int _running;
    private int _disposed;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            var period = options.Value.PurgeInterval;
            _timer = timeProvider.CreateTimer(static state => _ = ((OperationStoreHostedService)state!).PurgeOnceAsync(), this, period, period);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>
    /// A stop that comes after <see cref="Dispose"/> has nothing left to do (the host that disposed this already stopped
    /// it; a test host's second stop races the first), so it returns instead of touching disposed state.
    /// </remarks>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_timer is not null)
            {
                await _timer.DisposeAsync().ConfigureAwait(false);
            }

            await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            // disposed while this stop ran: the first stop and the disposal already did the work
        }
    }

    /// <summary>One retention pass (skipped while one is running or the store is not open).</summary>
    internal async Task PurgeOnceAsync()
    {
        if (Interlocked.Exchange(ref _running, 1) != 0)
        {
            return;
        }

        try
        {
            if (store.Status.State == OperationStoreState.Healthy)
            {
                await retention.RunAsync(cancellationToken: _stopping.Token).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // A failed pass is logged and retried on the next interval; it must not crash the host.
        catch (Exception e) when (!_stopping.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogPurgeFailed(logger, e);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Volatile.Write(ref _disposed, 1);
        _timer?.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 1411, Level = LogLevel.Warning, Message = "Operation store retention failed; it runs again on the next interval")]
    private static partial void LogPurgeFailed(ILogger logger, Exception exception);
}
