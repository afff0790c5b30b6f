using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>
/// Runs the retention purge on a <see cref="TimeProvider"/> timer (every <see cref="ComplianceOptions.PurgeInterval"/>;
/// the first run is due one interval after the last recorded run, so restarts do not postpone it forever), verifies
/// both chains at start and every <see cref="ComplianceOptions.VerifyInterval"/> (a failure is a violation that
/// alerts), and stops the decision writer at shutdown (after the web server drained, so queued records are written
/// and the shutdown checkpoint signed).
/// </summary>
public sealed partial class ComplianceHostedService(
    ComplianceRetention retention, DecisionLog decisions, IOptions<ComplianceOptions> options, TimeProvider timeProvider, ILogger<ComplianceHostedService> logger,
    ComplianceViolations? violations = null)
    : IHostedLifecycleService, IDisposable
{
    private ITimer? _timer;
    private ITimer? _verifyTimer;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.PurgeInterval;
        var first = interval;
        if (violations is not null)
        {
            var untilDue = violations.RetentionDueAt - timeProvider.GetUtcNow();
            first = untilDue <= TimeSpan.Zero ? TimeSpan.Zero : untilDue < interval ? untilDue : interval;
            var verify = options.Value.VerifyInterval;
            _verifyTimer = timeProvider.CreateTimer(_ => _ = VerifyAsync(), null, TimeSpan.Zero, verify);
        }

        _timer = timeProvider.CreateTimer(_ => _ = RunAsync(), null, first, interval);
        return Task.CompletedTask;
    }

    /// <summary>One scheduled verification of both chains (what the verify timer does); never throws.</summary>
    public async Task VerifyAsync()
    {
        if (violations is null)
        {
            return;
        }

        try
        {
            if (await violations.VerifyChainsAsync().ConfigureAwait(false) > 0)
            {
                LogChainInvalid(decisions.LastVerification?.Reason ?? "", violations.ChainFailures);
            }
        }
        catch (ObjectDisposedException)
        {
        }
#pragma warning disable CA1031 // logged, retried at the next interval
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogVerifyFailed(e);
        }
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

        if (_verifyTimer is not null)
        {
            await _verifyTimer.DisposeAsync().ConfigureAwait(false);
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
    public void Dispose()
    {
        _timer?.Dispose();
        _verifyTimer?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Compliance retention failed")]
    private partial void LogFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Chain verification failed")]
    private partial void LogVerifyFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Critical, Message = "A hash chain does not verify ({Chains} failing; decision chain: {DecisionReason}); see GET /api/v1/audit/verify and /api/v1/decisions/verify")]
    private partial void LogChainInvalid(string decisionReason, int chains);
}
