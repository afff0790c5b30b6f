using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conciergus.Core.Alerts;

/// <summary>Runs <see cref="AlertService.EvaluateAsync"/> every <see cref="AlertsOptions.EvaluationInterval"/> on the app's <see cref="TimeProvider"/>.</summary>
public sealed partial class AlertEvaluator : BackgroundService
{
    private readonly AlertService _service;
    private readonly TimeProvider _time;
    private readonly ILogger<AlertEvaluator> _logger;

    /// <summary>Creates the evaluator.</summary>
    public AlertEvaluator(AlertService service, TimeProvider timeProvider, ILogger<AlertEvaluator> logger)
    {
        _service = service;
        _time = timeProvider;
        _logger = logger;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The timer starts with the host, so ticks that fall due while history is restored collapse into one evaluation
        // right after it (a PeriodicTimer remembers a tick nobody waited for).
        using var timer = new PeriodicTimer(_service.Options.EvaluationInterval, _time);

        // Not before history is restored: on a half-filled cache a firing rule would read "cleared" and resolve.
        if (_service.Readiness is { } readiness)
        {
            try
            {
                await readiness.WhenReadyAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }

        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await _service.EvaluateAsync(_time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
#pragma warning disable CA1031 // One failed evaluation is logged; the next interval tries again.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogEvaluationFailed(_logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert evaluation failed; the next interval tries again")]
    private static partial void LogEvaluationFailed(ILogger logger, Exception exception);
}
