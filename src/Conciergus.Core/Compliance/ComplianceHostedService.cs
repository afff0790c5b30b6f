using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>
/// Runs the retention purge on a <see cref="TimeProvider"/> timer (every <see cref="ComplianceOptions.PurgeInterval"/>)
/// and stops the decision writer at shutdown (after the web server drained, so queued records are written and the
/// shutdown checkpoint signed).
/// </summary>
public sealed partial class ComplianceHostedService(
    ComplianceRetention retention, DecisionLog decisions, IOptions<ComplianceOptions> options, TimeProvider timeProvider, ILogger<ComplianceHostedService> logger)
    : IHostedLifecycleService, IDisposable
{
    private ITimer? _timer;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.PurgeInterval;
        _timer = timeProvider.CreateTimer(_ => _ = RunAsync(), null, interval, interval);
        return Task.CompletedTask;
    }

    /// <summary>One scheduled run (what the timer does); never throws.</summary>
    public async Task<CompliancePurgeResult?> RunAsync()
    {
        try
        {
            return await retention.PurgeAsync("system", "System").ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
#pragma warning disable CA1031 // logged, retried at the next interval
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(e);
            return null;
        }
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
    public Task StoppedAsync(CancellationToken cancellationToken) => decisions.ShutdownAsync();

    /// <inheritdoc />
    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public void Dispose() => _timer?.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Compliance retention failed")]
    private partial void LogFailed(Exception exception);
}
