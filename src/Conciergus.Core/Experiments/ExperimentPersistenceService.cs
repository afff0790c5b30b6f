using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Experiments;

/// <summary>
/// Writes experiment tallies to LiteDB every <see cref="ExperimentOptions.PersistInterval"/> and at shutdown, and runs
/// the <see cref="ExperimentAssigner"/>'s background writer of first assignments (drained at shutdown).
/// </summary>
internal sealed partial class ExperimentPersistenceService(
    ExperimentService experiments,
    TimeProvider timeProvider,
    IOptions<ExperimentOptions> options,
    ILogger<ExperimentPersistenceService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private ITimer? _timer;
    private Task _assignmentWriter = Task.CompletedTask;
    private int _flushing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.PersistInterval;
        _timer = timeProvider.CreateTimer(_ => Flush(), null, interval, interval);
        _assignmentWriter = Task.Run(() => experiments.Assigner.RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _assignmentWriter.ConfigureAwait(false);

        // FlushAll drains the assignments queued after the writer stopped, then writes the tallies.
        Flush();
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _stopping.Dispose();
    }

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
