using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;
using Conciergus.Core.Model;
using Conciergus.Dashboard.Tests.TimeSeries;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>Rule metrics over the real time-series cache, ledger and counters.</summary>
public sealed class AlertMetricReaderTests : IDisposable
{
    private readonly AlertTestHost _host = new(o => o.DailyBudgetUsd = 10m);

    public void Dispose() => _host.Dispose();

    private static AlertRule Rule(AlertMetric metric, params string[] groupBy) => new()
    {
        Id = "m",
        Name = "metric",
        Metric = metric,
        Window = TimeSpan.FromMinutes(5),
        GroupBy = groupBy,
        Threshold = -1, // everything breaches: the test reads the values
    };

    private async Task<Dictionary<string, double?>> ValuesAsync(AlertRule rule)
    {
        await _host.AddRuleAsync(rule);
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        return _host.Service.Instances(AlertState.Firing).ToDictionary(
            i => AlertLabels.Key(i.Labels.Where(l => l.Key is not ("alertname" or "severity")).ToDictionary(l => l.Key, l => l.Value)),
            i => i.Value);
    }

    private void Traffic()
    {
        for (var i = 0; i < 20; i++)
        {
            _host.Record("gpt-4o", error: i < 2, durationMs: 1000 + (i * 100), cost: 0.5m, user: i % 2 == 0 ? "ann" : "bob");
        }

        _host.Record("claude", error: true, durationMs: 50, cost: 1m, user: "ann");
    }

    [Fact]
    public async Task ErrorRate_ByModel_OneInstancePerProviderAndModel()
    {
        Traffic();

        var values = await ValuesAsync(Rule(AlertMetric.ErrorRate, "model"));

        Assert.Equal(new Dictionary<string, double?> { ["model=claude,provider=openai"] = 1.0, ["model=gpt-4o,provider=openai"] = 0.1 }, values);
    }

    [Fact]
    public async Task ErrorCount_ByExperiment_KeysAndVariantsWithSlashesStayApart()
    {
        // ("a/b", "c") and ("a", "b/c") read alike as "a/b/c": each experiment still counts only its own calls.
        var now = _host.Time.GetUtcNow();
        _host.Cache.Record(TimeSeriesTestData.Op(now, status: AiOperationStatus.Error, experimentKey: "a/b", experimentVariant: "c"));
        for (var i = 0; i < 2; i++)
        {
            _host.Cache.Record(TimeSeriesTestData.Op(now, status: AiOperationStatus.Error, experimentKey: "a", experimentVariant: "b/c"));
        }

        var values = await ValuesAsync(Rule(AlertMetric.ErrorCount, "experiment"));

        Assert.Equal(new Dictionary<string, double?> { ["experiment=a"] = 2, ["experiment=a/b"] = 1 }, values);
    }

    [Fact]
    public async Task RequestRateAndErrorCount_Total_PerSecondAndCount()
    {
        Traffic();

        Assert.Equal(21 / 300.0, (await ValuesAsync(Rule(AlertMetric.RequestRate)))[""]!.Value, 9);
        await _host.Service.DeleteRuleAsync("m", Actor.System);
        Assert.Equal(3.0, (await ValuesAsync(Rule(AlertMetric.ErrorCount)))[""]);
    }

    [Fact]
    public async Task ErrorCount_ByErrorCategory_UnknownForUncategorised()
    {
        Traffic();

        var values = await ValuesAsync(Rule(AlertMetric.ErrorCount, "error_category"));

        Assert.Equal(new Dictionary<string, double?> { ["error_category=unknown"] = 3 }, values);
    }

    [Fact]
    public async Task LatencyP95_ByModel_WithinSketchAccuracy()
    {
        Traffic();

        var values = await ValuesAsync(Rule(AlertMetric.LatencyP95, "model"));

        // 20 calls 1000..2900 ms: nearest-rank p95 is 2800 ms; the sketch's relative error is at most 2%.
        Assert.InRange(values["model=gpt-4o,provider=openai"]!.Value, 2800 * 0.98, 2900 * 1.02);
    }

    [Fact]
    public async Task CostBurn_TodaysCostOverBudget()
    {
        Traffic(); // 20 x 0.5 + 1 = 11 USD, budget 10

        var values = await ValuesAsync(Rule(AlertMetric.CostBurn));

        Assert.Equal(1.1, values[""]!.Value, 9);
    }

    [Fact]
    public async Task UserCost_PerUser()
    {
        Traffic();

        var values = await ValuesAsync(Rule(AlertMetric.UserCost, "user"));

        Assert.Equal(new Dictionary<string, double?> { ["user=ann"] = 6.0, ["user=bob"] = 5.0 }, values);
    }

    [Fact]
    public async Task IngestionDrops_DeltaOverTheWindow()
    {
        var rule = Rule(AlertMetric.IngestionDrops) with { Threshold = 0, Window = TimeSpan.FromMinutes(1) };
        await _host.AddRuleAsync(rule);
        _host.Drops = 7;
        await _host.StepAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(7, _host.Service.Instances(AlertState.Firing).Single().Value);

        await _host.StepAsync(TimeSpan.FromSeconds(60)); // no new drops for a whole window: resolves

        Assert.Empty(_host.Service.Instances(AlertState.Firing));
    }

    [Theory]
    [InlineData(AlertMetric.ErrorRate, new[] { "model", "application" }, "one series per dimension")]
    [InlineData(AlertMetric.ErrorRate, new[] { "error_category" }, "Only error_count")]
    [InlineData(AlertMetric.IngestionDrops, new[] { "model" }, "leave group-by empty")]
    [InlineData(AlertMetric.LatencyP95, new[] { "region" }, "Unknown group-by label 'region'")]
    public void Validate_UnanswerableGroupBy_ClearMessage(AlertMetric metric, string[] groupBy, string message)
    {
        var errors = _host.Service.Validate(Rule(metric, groupBy));

        Assert.Contains(message, Assert.Single(errors["groupBy"]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0s", 0)]
    [InlineData("90s", 90)]
    [InlineData("2m30s", 150)]
    [InlineData("1h", 3600)]
    [InlineData("1d2h", 93600)]
    [InlineData("500ms", 0.5)]
    public void Duration_ParsesPrometheusStyle(string text, double seconds)
    {
        Assert.True(AlertWire.TryParseDuration(text, out var duration));
        Assert.Equal(TimeSpan.FromSeconds(seconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("1m2h")]
    [InlineData("5x")]
    [InlineData("-1m")]
    public void Duration_Invalid_Refused(string text) => Assert.False(AlertWire.TryParseDuration(text, out _));

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(90, "1m30s")]
    [InlineData(150, "2m30s")]
    [InlineData(86400, "1d")]
    public void Duration_FormatsPrometheusStyle(double seconds, string expected) =>
        Assert.Equal(expected, AlertWire.FormatDuration(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void OptionsValidator_BadValues_SaysWhatIsWrong()
    {
        var options = new AlertsOptions { EvaluationInterval = TimeSpan.Zero, ExternalUrl = "dashboard" };
        options.Receivers.Add(new AlertReceiverOptions { Name = "ops", Url = "ftp://x" });

        var errors = AlertsOptionsValidator.Check(options);

        Assert.Contains(errors, e => e.Contains("EvaluationInterval", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ExternalUrl", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("Receivers:0", StringComparison.Ordinal) && e.Contains("absolute http(s) URL", StringComparison.Ordinal));
    }
}
