using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Experiments;

/// <summary>Writes experiment tallies to LiteDB every <see cref="ExperimentOptions.PersistInterval"/> and at shutdown.</summary>
internal sealed partial class ExperimentPersistenceService(
    ExperimentService experiments,
    TimeProvider timeProvider,
    IOptions<ExperimentOptions> options,
    ILogger<ExperimentPersistenceService> logger) : IHostedService, IDisposable
{
    private ITimer? _timer;
    private int _flushing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.PersistInterval;
        _timer = timeProvider.CreateTimer(_ => Flush(), null, interval, interval);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        Flush();
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    private void Flush()
    {
        if (Interlocked.Exchange(ref _flushing, 1) == 1)
        {
            return;
        }

        try
        {
            experiments.FlushAll();
        }
#pragma warning disable CA1031 // A failed flush is retried at the next tick; it must not kill the timer.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            LogFlushFailed(logger, exception);
        }
        finally
        {
            Volatile.Write(ref _flushing, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing experiment tallies failed; retrying at the next interval")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
