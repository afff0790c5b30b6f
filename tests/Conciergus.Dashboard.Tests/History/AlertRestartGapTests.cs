using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Tests.Alerts;
using Microsoft.Extensions.Logging.Abstractions;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>
/// The time the process was down counts as no data, never as "condition cleared": a rule whose window reaches back before
/// the restart keeps its instances' state; once the window lies wholly after the restart it evaluates as usual.
/// </summary>
public sealed class AlertRestartGapTests : IDisposable
{
    private static readonly TimeSpan Downtime = TimeSpan.FromMinutes(10);
    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Fact]
    public async Task Evaluate_FiringBeforeRestartAndNoDataAfter_StaysFiringUntilTheWindowLiesAfterTheRestart()
    {
        var firing = await FireTrafficRuleAsync();
        var restartAt = RestartAfterDowntime();

        await _host.StepAsync(TimeSpan.FromSeconds(10));
        await _host.StepAsync(TimeSpan.FromMinutes(4));
        var held = _host.Service.Instances().Single(i => i.RuleId == "traffic");
        Assert.Equal(AlertState.Firing, held.State);
        Assert.Equal(firing.Id, held.Id);
        Assert.Equal(firing.StartsAt, held.StartsAt);
        Assert.DoesNotContain(held.History, h => h.Event == "resolved");

        // Window [now - 5m, now) now starts after the restart: no traffic in it is real, the instance resolves.
        _host.Time.SetUtcNow(restartAt + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await _host.Service.EvaluateAsync(_host.Time.GetUtcNow());
        Assert.Equal(AlertState.Resolved, _host.Service.Instances().Single(i => i.Id == firing.Id).State);
    }

    [Fact]
    public async Task Evaluate_WithoutHistoryReadiness_ResolvesOnTheEmptyWindow()
    {
        // The behaviour the readiness prevents (and the proof that the test above can fail).
        var firing = await FireTrafficRuleAsync();
        _host.Time.Advance(Downtime);
        _host.Restart();

        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AlertState.Resolved, _host.Service.Instances().Single(i => i.Id == firing.Id).State);
    }

    [Fact]
    public async Task Evaluate_DataAfterRestartStillBreaches_KeepsFiringAndAFreshBreachStillFires()
    {
        var firing = await FireTrafficRuleAsync();
        await _host.Service.CreateRuleAsync(TrafficRule("more") with { Threshold = 0.05 }, Actor.System);
        RestartAfterDowntime();

        // Live traffic after the restart: the breach is real evidence even on a window with a hole in it.
        _host.Record();
        _host.Record();
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20; i++)
        {
            _host.Record();
        }

        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AlertState.Firing, _host.Service.Instances().Single(i => i.Id == firing.Id).State);
        Assert.Equal(AlertState.Firing, _host.Service.Instances().Single(i => i.RuleId == "more").State);
    }

    [Fact]
    public async Task Evaluate_BelowRuleAcrossTheGap_DoesNotFireOnTheHoleThenFiresOnRealSilence()
    {
        await _host.DisableBuiltInsAsync();
        await _host.Service.CreateRuleAsync(TrafficRule("quiet") with { Operator = AlertOperator.LessThan, Threshold = 0.001 }, Actor.System);
        _host.Record();
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_host.Service.Instances());
        var restartAt = RestartAfterDowntime();

        await _host.StepAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_host.Service.Instances());

        _host.Time.SetUtcNow(restartAt + TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await _host.Service.EvaluateAsync(_host.Time.GetUtcNow());
        Assert.Equal(AlertState.Firing, Assert.Single(_host.Service.Instances()).State);
    }

    [Fact]
    public async Task Evaluator_BeforeHistoryIsRestored_DoesNotEvaluate()
    {
        var readiness = new ManualReadiness();
        _host.Readiness = readiness;
        _host.Restart();
        var first = new TaskCompletionSource<AlertEvaluatorStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        _host.Service.Evaluated += status => first.TrySetResult(status);
        using var evaluator = new AlertEvaluator(_host.Service, _host.Time, NullLogger<AlertEvaluator>.Instance);
        await evaluator.StartAsync(CancellationToken.None);

        // Intervals pass while restoring: no evaluation may happen at any of these instants.
        for (var i = 0; i < 3; i++)
        {
            _host.Time.Advance(_host.Service.Options.EvaluationInterval);
            await Task.Yield();
        }

        var readyAt = _host.Time.GetUtcNow();
        readiness.Ready.SetResult();
        while (!first.Task.IsCompleted)
        {
            _host.Time.Advance(_host.Service.Options.EvaluationInterval);
            await Task.WhenAny(first.Task, Task.Delay(20)); // the evaluator's loop runs on the thread pool; give it a turn
        }

        var status = await first.Task;
        Assert.True(status.LastEvaluation >= readyAt, $"evaluated at {status.LastEvaluation:O}, before history was restored at {readyAt:O}");
        await evaluator.StopAsync(CancellationToken.None);
    }

    private static AlertRule TrafficRule(string id) => new()
    {
        Id = id,
        Name = "Traffic " + id,
        Metric = AlertMetric.RequestRate,
        Window = TimeSpan.FromMinutes(5),
        Operator = AlertOperator.GreaterThan,
        Threshold = 0,
        Severity = AlertSeverity.High,
    };

    private async Task<AlertInstance> FireTrafficRuleAsync()
    {
        await _host.DisableBuiltInsAsync();
        await _host.Service.CreateRuleAsync(TrafficRule("traffic"), Actor.System);
        _host.Record();
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        var firing = _host.Service.Instances().Single(i => i.RuleId == "traffic");
        Assert.Equal(AlertState.Firing, firing.State);
        return firing;
    }

    /// <summary>The process is down for <see cref="Downtime"/>, then starts and restores history (the cache keeps what it had).</summary>
    private DateTimeOffset RestartAfterDowntime()
    {
        _host.Time.Advance(Downtime);
        var restartAt = _host.Time.GetUtcNow();
        var readiness = new ManualReadiness { DataCompleteSince = restartAt };
        readiness.Ready.SetResult();
        _host.Readiness = readiness;
        _host.Restart();
        return restartAt;
    }

    private sealed class ManualReadiness : IAlertDataReadiness
    {
        public TaskCompletionSource Ready { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public DateTimeOffset? DataCompleteSince { get; init; }

        public Task WhenReadyAsync(CancellationToken cancellationToken) => Ready.Task.WaitAsync(cancellationToken);
    }
}
