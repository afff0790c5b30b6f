using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>
/// Grouping like Alertmanager's dispatcher (dispatch.go aggregation groups, notify.go DedupStage.needsUpdate):
/// group_wait before the first notification of a new group, group_interval between notifications about changes,
/// repeat_interval for an unchanged firing group; resolved alerts are sent once; nothing is sent twice across a restart.
/// </summary>
public sealed class AlertNotificationTests : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(10);
    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private async Task StepUntilAsync(TimeSpan sinceStart)
    {
        while (_host.Time.GetUtcNow() - AlertTestHost.Start < sinceStart)
        {
            await _host.StepAsync(Tick);
        }
    }

    private static string Describe(AlertNotification n) =>
        n.Status + ":" + string.Join(",", n.Alerts.Select(a => a.Labels["experiment"] + "=" + a.Status));

    [Fact]
    public async Task Dispatch_GroupTiming_FollowsGroupWaitIntervalAndRepeat()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["a"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(_host.Channel.Sent); // t=10 fired, group waits 30 s

        await StepUntilAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(["firing:a=firing"], _host.Channel.Sent.Select(Describe));

        _host.Values["b"] = 2000; // joins at t=50; the group flushes every 5 min after t=40
        await StepUntilAsync(TimeSpan.FromSeconds(330));
        Assert.Single(_host.Channel.Sent);
        await StepUntilAsync(TimeSpan.FromSeconds(340));
        Assert.Equal("firing:a=firing,b=firing", Describe(_host.Channel.Sent[^1]));

        // Unchanged: nothing until repeat_interval (4 h after the last send) at a flush tick.
        while (_host.Time.GetUtcNow() < AlertTestHost.Start.AddSeconds(340) + TimeSpan.FromHours(4) - TimeSpan.FromMinutes(5))
        {
            await _host.StepAsync(TimeSpan.FromMinutes(5));
        }

        Assert.Equal(2, _host.Channel.Sent.Count);
        await _host.StepAsync(TimeSpan.FromMinutes(5));
        Assert.Equal(3, _host.Channel.Sent.Count);
        Assert.Equal("firing:a=firing,b=firing", Describe(_host.Channel.Sent[^1]));
    }

    [Fact]
    public async Task Dispatch_Resolved_SentOnceAtNextGroupInterval()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["a"] = 2000;
        _host.Values["b"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(40));
        _host.Values["a"] = 0; // resolves at t=50

        await StepUntilAsync(TimeSpan.FromSeconds(340));
        await StepUntilAsync(TimeSpan.FromSeconds(1000));

        Assert.Equal(["firing:a=firing,b=firing", "firing:b=firing,a=resolved"], _host.Channel.Sent.Select(Describe));
        var resolved = _host.Channel.Sent[^1].Alerts.Single(a => a.Status == "resolved");
        Assert.Equal(AlertTestHost.Start.AddSeconds(50), resolved.EndsAt);
    }

    [Fact]
    public async Task Dispatch_AllResolved_StatusResolvedAndGroupEnds()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["a"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(40));
        _host.Values["a"] = 0;
        await StepUntilAsync(TimeSpan.FromSeconds(340));

        _host.Values["a"] = 2000; // a new breach after the group ended: a new instance, a new group, group_wait again
        await StepUntilAsync(TimeSpan.FromSeconds(350));
        Assert.Equal(2, _host.Channel.Sent.Count);
        await StepUntilAsync(TimeSpan.FromSeconds(380));

        Assert.Equal(["firing:a=firing", "resolved:a=resolved", "firing:a=firing"], _host.Channel.Sent.Select(Describe));
        Assert.NotEqual(_host.Channel.Sent[0].Alerts[0].GeneratorUrl, _host.Channel.Sent[2].Alerts[0].GeneratorUrl); // new instance id
    }

    [Fact]
    public async Task Dispatch_FiredAndResolvedWithinGroupWait_SendsNothing()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["a"] = 2000;
        await _host.StepAsync(Tick);
        _host.Values["a"] = 0;

        await StepUntilAsync(TimeSpan.FromMinutes(20));

        Assert.Empty(_host.Channel.Sent);
    }

    [Fact]
    public async Task Dispatch_Acknowledged_NoMoreFiringNotificationsButResolutionIsSent()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule() with { Receivers = ["ops"] });
        _host.Values["a"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(40));
        var instance = _host.InstanceOf("a")!;

        var acked = await _host.Service.AcknowledgeAsync(instance.Id, new Actor("ann", "Operator", "10.0.0.1"), "looking");
        for (var i = 0; i < 60; i++)
        {
            await _host.StepAsync(TimeSpan.FromMinutes(5)); // 5 h: past repeat_interval
        }

        Assert.Single(_host.Channel.Sent);
        Assert.True(acked.Acknowledged);
        Assert.Equal("ann", acked.AcknowledgedBy);
        Assert.Equal(0, _host.Service.FiringCount);
        var audit = Assert.Single(_host.Audit.Events, e => e.Action == "alert.acknowledge");
        Assert.Equal(("ann", "Operator", "10.0.0.1", instance.Id), (audit.Actor, audit.Role, audit.SourceIp, audit.Target));
        Assert.Equal("looking", audit.Details!["comment"]);

        await _host.Service.ResolveAsync(instance.Id, new Actor("ann", "Operator"), "done");
        _host.Values.Clear();
        await _host.StepAsync(TimeSpan.FromMinutes(5));
        await _host.StepAsync(TimeSpan.FromMinutes(5));

        Assert.Equal(["firing:a=firing", "resolved:a=resolved"], _host.Channel.Sent.Select(Describe));
        Assert.Contains(_host.Audit.Events, e => e.Action == "alert.resolve" && e.Details!["comment"] == "done");
    }

    [Fact]
    public async Task Dispatch_FailedDelivery_RetriedThenNotResentAfterSuccess()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Channel.Script.Enqueue(new AlertChannelResult(false, 503, "unavailable"));
        _host.Values["a"] = 2000;

        await StepUntilAsync(TimeSpan.FromSeconds(40));
        await StepUntilAsync(TimeSpan.FromMinutes(30));

        Assert.Equal(2, _host.Channel.Sent.Count); // first attempt 503, retry succeeded; no later duplicate
        var delivery = Assert.Single(_host.Service.Deliveries());
        Assert.True(delivery.Succeeded);
        Assert.Equal(2, delivery.Attempts);
        Assert.Equal("ops", delivery.Receiver);
    }

    [Fact]
    public async Task Dispatch_FailedAfterAllRetries_CountedLoggedAndRetriedAtNextGroupInterval()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        for (var i = 0; i < 4; i++)
        {
            _host.Channel.Script.Enqueue(new AlertChannelResult(false, 500, "boom"));
        }

        _host.Values["a"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(40));
        Assert.Equal(4, _host.Channel.Sent.Count); // 1 + 3 retries
        Assert.Equal(1, _host.Service.Status.FailedDeliveries);
        Assert.False(_host.Service.Deliveries()[0].Succeeded);

        await StepUntilAsync(TimeSpan.FromSeconds(340));

        Assert.Equal(5, _host.Channel.Sent.Count);
        Assert.True(_host.Service.Deliveries()[0].Succeeded);
    }

    [Fact]
    public async Task Restart_MidFiring_StateContinuesAndNothingIsSentTwice()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromSeconds(20)));
        _host.Values["a"] = 2000;
        _host.Values["b"] = 2000;
        await StepUntilAsync(TimeSpan.FromSeconds(60));
        Assert.Single(_host.Channel.Sent);
        var before = _host.Service.Instances();

        _host.Restart();
        await StepUntilAsync(TimeSpan.FromMinutes(20));

        Assert.Empty(_host.Channel.Sent);
        Assert.Equal(before.Select(i => (i.Id, i.State, i.StartsAt)), _host.Service.Instances().Select(i => (i.Id, i.State, i.StartsAt)));

        _host.Values.TryRemove("a", out _);
        await StepUntilAsync(TimeSpan.FromMinutes(30));
        Assert.Equal(["firing:b=firing,a=resolved"], _host.Channel.Sent.Select(Describe));
    }

    [Fact]
    public async Task Restart_PendingInstance_KeepsActiveAtSoForContinues()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromSeconds(60)));
        _host.Values["a"] = 2000;
        await _host.StepAsync(Tick); // pending since t=10
        await _host.StepAsync(Tick);

        _host.Restart();
        await _host.StepAsync(TimeSpan.FromSeconds(40)); // t=60: 50 s pending
        Assert.Equal(AlertState.Pending, _host.InstanceOf("a")!.State);
        await _host.StepAsync(Tick); // t=70: 60 s

        Assert.Equal(AlertState.Firing, _host.InstanceOf("a")!.State);
        Assert.Equal(AlertTestHost.Start.AddSeconds(10), _host.InstanceOf("a")!.ActiveAt);
    }
}
