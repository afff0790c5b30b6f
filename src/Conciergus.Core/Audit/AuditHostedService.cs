using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>Opens the audit log at start, runs retention on a <see cref="TimeProvider"/> timer, and writes the shutdown checkpoint at stop.</summary>
/// <remarks>
/// The log is stopped in <see cref="StoppedAsync"/>, after every hosted service's StopAsync, so the web server has
/// drained its requests first: a request still running at shutdown can audit its action and get its answer.
/// </remarks>
public sealed partial class AuditHostedService(AuditLog log, IOptions<AuditOptions> options, TimeProvider timeProvider, ILogger<AuditHostedService> logger)
    : IHostedLifecycleService, IDisposable
{
    private ITimer? _timer;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.RetentionInterval;
        _timer = timeProvider.CreateTimer(_ => _ = RunRetentionAsync(), null, interval, interval);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task StoppedAsync(CancellationToken cancellationToken) => log.ShutdownAsync();

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One retention run (what the timer does); never throws.</summary>
    public async Task<RetentionResult?> RunRetentionAsync()
    {
        try
        {
            var result = await log.PurgeExpiredAsync().ConfigureAwait(false);
            if (result.PurgeEntry is not null)
            {
                LogPurged(result.Deleted, result.Redacted, result.FirstSequence);
            }

            return result;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
#pragma warning disable CA1031 // a failed purge is logged and retried at the next interval
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(e);
            return null;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Audit retention: {Deleted} entries deleted, {Redacted} reduced to hashes; history starts at {FirstSequence}")]
    private partial void LogPurged(long deleted, long redacted, long firstSequence);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit retention failed")]
    private partial void LogFailed(Exception exception);
}
