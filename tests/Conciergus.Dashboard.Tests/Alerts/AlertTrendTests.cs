using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Core.Refusals;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>
/// Issue 18 item 4: an alert rule can fire on a trend ("p95 of gpt-4o increasing for 15 minutes"). The value of a trend
/// rule is the least-squares slope per minute of the metric over the window's steps, 0 unless the slope is significant.
/// </summary>
public sealed class AlertTrendTests : IDisposable
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10); // 20 steps of 30 s

    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    private static AlertRule TrendRule(AlertMetric metric, double threshold = 0, AlertOperator op = AlertOperator.GreaterThan, params string[] groupBy) => new()
    {
        Id = "trend",
        Name = "trend",
        Metric = metric,
        Window = Window,
        GroupBy = groupBy,
        Operator = op,
        Threshold = threshold,
        Trend = true,
    };

    /// <summary>One call in the middle of each 30-second step of the last 10 minutes, with the duration the step gives.</summary>
    private void OneCallPerStep(Func<int, double> durationMs, string model = "gpt-4o", Func<int, bool>? error = null)
    {
        var now = _host.Time.GetUtcNow();
        for (var i = 0; i < 20; i++)
        {
            var end = now - Window + TimeSpan.FromSeconds((30 * i) + 20);
            _host.Record(model, error: error?.Invoke(i) ?? false, durationMs: durationMs(i), at: end);
        }
    }

    private async Task<AlertInstance?> EvaluateAsync(AlertRule rule)
    {
        await _host.AddRuleAsync(rule);
        await _host.StepAsync(TimeSpan.FromSeconds(5)); // still inside the step that follows the last point
        return _host.Service.Instances().SingleOrDefault(i => i.RuleId == rule.Id);
    }

    [Fact]
    public async Task LatencyRisingByTenPercentAStep_FiresWithTheSlopePerMinute()
    {
        OneCallPerStep(i => 1000 + (100 * i)); // +100 ms per 30 s step: +200 ms per minute

        var instance = await EvaluateAsync(TrendRule(AlertMetric.LatencyP95, groupBy: "model"));

        Assert.NotNull(instance);
        Assert.Equal(AlertState.Firing, instance.State);
        Assert.Equal("gpt-4o", instance.Labels["model"]);
        Assert.InRange(instance.Value!.Value, 200 * 0.95, 200 * 1.05); // the sketch's 2% relative error per point
    }

    [Fact]
    public async Task LatencyFlat_ValueZeroAndNoAlert()
    {
        OneCallPerStep(_ => 1200);

        var breachAll = await EvaluateAsync(TrendRule(AlertMetric.LatencyP95, threshold: -1));

        Assert.Equal(0, breachAll!.Value);
        Assert.Null(await EvaluateAsync(TrendRule(AlertMetric.LatencyP95) with { Id = "rising-only" }));
    }

    [Fact]
    public async Task NoisyButLevel_NotSignificant_ValueZero()
    {
        // Alternating 800 / 1400 ms: a least-squares slope exists but the t-test does not call it a trend.
        OneCallPerStep(i => i % 2 == 0 ? 800 : 1400);

        var instance = await EvaluateAsync(TrendRule(AlertMetric.LatencyP95, threshold: -1));

        Assert.Equal(0, instance!.Value);
    }

    [Fact]
    public async Task ErrorRateFalling_NegativeSlope_FiresOnLessThanZero()
    {
        // Two calls per step; the first ten steps fail both, the last ten neither: a falling error rate.
        OneCallPerStep(_ => 100, error: i => i < 10);
        OneCallPerStep(_ => 100, error: i => i < 10);

        var instance = await EvaluateAsync(TrendRule(AlertMetric.ErrorRate, op: AlertOperator.LessThan));

        Assert.Equal(AlertState.Firing, instance!.State);
        Assert.True(instance.Value < 0, $"slope {instance.Value}");
    }

    [Fact]
    public async Task ThresholdAsksForAtLeastThatMuchChangePerMinute()
    {
        OneCallPerStep(i => 1000 + (100 * i)); // +200 ms per minute

        Assert.Null(await EvaluateAsync(TrendRule(AlertMetric.LatencyP95, threshold: 500)));
    }

    [Theory]
    [InlineData(AlertMetric.UserCost, "1h")]
    [InlineData(AlertMetric.CostBurn, "1h")]
    [InlineData(AlertMetric.ExperimentSrm, "1h")]
    [InlineData(AlertMetric.LatencyP95, "30s")]
    public async Task Create_TrendWithoutAMeaning_RefusedOnTheTrendField(AlertMetric metric, string window)
    {
        Assert.True(AlertWire.TryParseDuration(window, out var span));
        var rule = TrendRule(metric) with { Window = span, GroupBy = metric == AlertMetric.UserCost ? ["user"] : [], BudgetUsd = 10 };

        var e = await Assert.ThrowsAsync<RefusalException>(() => _host.Service.CreateRuleAsync(rule, Actor.System));

        Assert.Equal(RefusalKind.Invalid, e.Kind);
        Assert.Contains("trend", e.Errors.Keys);
    }

    [Theory]
    [InlineData(1, 3)]          // 1 min / 20 = 3 s, a multiple of the 1 s ring
    [InlineData(15, 45)]        // 45 s
    [InlineData(60, 180)]       // 3 min, a multiple of the 1 min ring
    [InlineData(4320, 14_400)]  // 3 days / 20 = 3.6 h, rounded up to whole hours: 4 h
    public void TrendStep_WholeMultipleOfARingStep(int windowMinutes, int expectedSeconds)
    {
        TimeSpan[] rings = [TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1)];

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Conciergus.Core.Health.Trend.StepFor(TimeSpan.FromMinutes(windowMinutes), rings));
    }

    [Fact]
    public void Format_TrendRule_SaysChangePerMinute()
    {
        var rule = TrendRule(AlertMetric.LatencyP95, groupBy: "model");

        Assert.Equal("+200 ms / min", AlertFormat.Value(rule, 200));
        Assert.Equal("−1.50 s / min", AlertFormat.Value(rule, -1500));
        Assert.Equal("stable", AlertFormat.Value(rule, 0));
        Assert.StartsWith("trend(latency_p95) per minute > 0 over 10m by model", AlertFormat.Expression(rule), StringComparison.Ordinal);
    }
}
