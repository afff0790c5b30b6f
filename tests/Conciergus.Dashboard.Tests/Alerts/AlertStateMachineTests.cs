using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>
/// The Prometheus / Grafana state machine, evaluation by evaluation. Reference behaviour: Prometheus
/// rules/alerting.go (AlertingRule.Eval: pending when active, firing once ts - activeAt >= for, keep_firing_for with
/// KeepFiringSince reset, pending that clears is dropped, stale series resolve) and Grafana's alerting docs (pending
/// period example, recovery threshold example).
/// </summary>
public sealed class AlertStateMachineTests : IDisposable
{
    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private static string StateName(AlertInstance? i) => i is null ? "inactive" : AlertWire.Name(i.State);

    [Fact]
    public async Task Evaluate_GrafanaPendingPeriodExample_Evaluation1NormalTwoToFourPendingFiveAlerting()
    {
        // Grafana docs: interval 30 s, pending period 90 s; evaluation 1 normal, 2-4 pending, 5 alerting.
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromSeconds(90)));
        var expected = new[] { "inactive", "pending", "pending", "pending", "firing" };
        var values = new[] { 10.0, 2000, 2000, 2000, 2000 };
        var seen = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            _host.Values["exp"] = values[i];
            await _host.StepAsync(TimeSpan.FromSeconds(30));
            seen.Add(StateName(_host.InstanceOf("exp")));
        }

        Assert.Equal(expected, seen);
        var firing = _host.InstanceOf("exp")!;
        Assert.Equal(AlertTestHost.Start.AddSeconds(60), firing.ActiveAt);
        Assert.Equal(AlertTestHost.Start.AddSeconds(150), firing.StartsAt);
        Assert.Equal(["pending", "firing"], firing.History.Select(h => h.Event));
    }

    [Fact]
    public async Task Evaluate_ForZero_FiresOnFirstBreachingEvaluation()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["exp"] = 1001;

        await _host.StepAsync(TimeSpan.FromSeconds(10));

        var instance = _host.InstanceOf("exp")!;
        Assert.Equal(AlertState.Firing, instance.State);
        Assert.Equal(instance.ActiveAt, instance.StartsAt);
        Assert.Equal(1, _host.Service.FiringCount);
    }

    [Theory]
    //          values (> 1000, recover below 900)        expected states
    [InlineData(new[] { 1010.0, 990, 1020 }, new[] { "firing", "firing", "firing" })] // Grafana example: stays firing
    [InlineData(new[] { 1010.0, 950, 899, 950 }, new[] { "firing", "firing", "resolved", "resolved" })] // 950 after resolve does not breach 1000
    [InlineData(new[] { 950.0, 1010, 899 }, new[] { "inactive", "firing", "resolved" })]
    public async Task Evaluate_RecoveryThreshold_StaysFiringUntilValuePassesIt(double[] values, string[] expected)
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(threshold: 1000, recovery: 900));
        var seen = new List<string>();
        foreach (var value in values)
        {
            _host.Values["exp"] = value;
            await _host.StepAsync(TimeSpan.FromSeconds(10));
            seen.Add(StateName(_host.InstanceOf("exp")));
        }

        Assert.Equal(expected, seen);
    }

    [Fact]
    public async Task Evaluate_KeepFiringFor_HoldsFiringAndResetsWhenConditionReturns()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(keepFiringFor: TimeSpan.FromSeconds(30)));
        // t=10 fire; 20,30 clear (kept since 20); 40 breach again (reset); 50,60,70 clear (kept since 50); 80 = 50+30 resolves.
        var values = new[] { 2000.0, 0, 0, 2000, 0, 0, 0, 0 };
        var expected = new[] { "firing", "firing", "firing", "firing", "firing", "firing", "firing", "resolved" };
        var seen = new List<string>();
        foreach (var value in values)
        {
            _host.Values["exp"] = value;
            await _host.StepAsync(TimeSpan.FromSeconds(10));
            seen.Add(StateName(_host.InstanceOf("exp")));
        }

        Assert.Equal(expected, seen);
        Assert.Equal(AlertTestHost.Start.AddSeconds(80), _host.InstanceOf("exp")!.EndsAt);
        Assert.Single(_host.Service.Instances(), i => i.Labels["experiment"] == "exp");
    }

    [Fact]
    public async Task Evaluate_PendingThatClears_GoesBackToInactiveWithoutResolvedInstance()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromMinutes(1)));
        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(AlertState.Pending, _host.InstanceOf("exp")!.State);

        _host.Values["exp"] = 10;
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Null(_host.InstanceOf("exp"));
        Assert.Empty(_host.Service.Instances(AlertState.Resolved));
    }

    [Fact]
    public async Task Evaluate_StaleSeries_ResolvesWhileOthersKeepFiring()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["a"] = 2000;
        _host.Values["b"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        _host.Values.TryRemove("b", out _);
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AlertState.Firing, _host.InstanceOf("a")!.State);
        Assert.Equal(AlertState.Resolved, _host.InstanceOf("b")!.State);
    }

    [Theory]
    [InlineData(AlertNoDataPolicy.Ok, "resolved")]
    [InlineData(AlertNoDataPolicy.KeepLastState, "firing")]
    [InlineData(AlertNoDataPolicy.Alerting, "firing")]
    [InlineData(AlertNoDataPolicy.NoData, "resolved")]
    public async Task Evaluate_NoDataPolicy_DecidesWhatAFiringInstanceDoes(AlertNoDataPolicy policy, string expected)
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(noData: policy));
        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        _host.Values.Clear();
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(expected, StateName(_host.InstanceOf("exp")));
        var noDataAlert = _host.Service.Instances(AlertState.Firing).Where(i => i.Labels.ContainsKey("alertstate")).ToList();
        if (policy == AlertNoDataPolicy.NoData)
        {
            Assert.Equal("nodata", Assert.Single(noDataAlert).Labels["alertstate"]);
        }
        else
        {
            Assert.Empty(noDataAlert);
        }
    }

    [Fact]
    public async Task Evaluate_NoDataAlertingWithoutInstances_FiresOneInstanceWithRuleLabelsOnly()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(noData: AlertNoDataPolicy.Alerting));

        await _host.StepAsync(TimeSpan.FromSeconds(10));

        var instance = Assert.Single(_host.Service.Instances(AlertState.Firing));
        Assert.Equal(["alertname", "severity"], instance.Labels.Keys.Order());
        Assert.Null(instance.Value);
    }

    [Fact]
    public async Task Evaluate_BreachAfterResolve_OpensNewInstanceWithNewId()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        var first = _host.InstanceOf("exp")!;
        _host.Values["exp"] = 0;
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        var all = _host.Service.Instances().Where(i => i.Labels["experiment"] == "exp").ToList();
        Assert.Equal(2, all.Count);
        Assert.Equal(AlertState.Firing, all[0].State);
        Assert.NotEqual(first.Id, all[0].Id);
        Assert.Equal(first.Id, all[1].Id);
        Assert.Equal(AlertState.Resolved, all[1].State);
        Assert.Equal(first.Fingerprint, all[0].Fingerprint);
    }

    [Fact]
    public async Task ResolveAsync_ConditionStillTrue_NextEvaluationOpensNewInstance()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule(pending: TimeSpan.FromSeconds(20)));
        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        await _host.StepAsync(TimeSpan.FromSeconds(20));
        var first = _host.InstanceOf("exp")!;
        Assert.Equal(AlertState.Firing, first.State);

        var resolved = await _host.Service.ResolveAsync(first.Id, new Actor("ann", "Operator"), "fixed the key");
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal("ann", resolved.ResolvedBy);
        Assert.Equal("resolved_by_hand", resolved.History[^1].Event);
        var second = _host.InstanceOf("exp")!;
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(AlertState.Pending, second.State);
    }

    [Fact]
    public async Task Evaluate_Annotations_RenderLabelsAndValue()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule() with
        {
            Annotations = new Dictionary<string, string> { ["summary"] = "{{ $labels.experiment }} at {{ $value | printf \"%.2f\" }} ({{$value}}) {{ $labels.nope }}" },
        });
        _host.Values["checkout"] = 1234.5678;

        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("checkout at 1234.57 (1234.5678) <no value>", _host.InstanceOf("checkout")!.Annotations["summary"]);
    }

    [Fact]
    public async Task Evaluate_RuleError_IsRecordedInStatusAndHistoryNotSilent()
    {
        await _host.AddRuleAsync(AlertTestHost.Rule());
        _host.Values["exp"] = 2000;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        _host.SourceError = "experiment store unavailable";
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("experiment store unavailable", _host.Service.Status.RuleErrors["r1"]);
        var instance = _host.InstanceOf("exp")!;
        Assert.Equal(AlertState.Firing, instance.State); // errors keep the last state
        Assert.Equal("error", instance.History[^1].Event);
        Assert.Equal("experiment store unavailable", instance.History[^1].Comment);

        _host.SourceError = null;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        Assert.Empty(_host.Service.Status.RuleErrors);
    }
}
