using Conciergus.Core.Alerts;
using Conciergus.Dashboard.Components.Alerts;
using Conciergus.Core.Audit;

namespace Conciergus.Dashboard.Tests.Alerts;

/// <summary>Issue 22 item 3: alert summaries and notifications show values as the tiles do ("Error rate 9.6% is above 5%").</summary>
public sealed class AlertValueTextTests
{
    public static TheoryData<AlertMetric, double> Values()
    {
        var data = new TheoryData<AlertMetric, double>();
        foreach (var metric in Enum.GetValues<AlertMetric>())
        {
            foreach (var value in new[] { 0, 0.0004, 0.042, 0.096, 0.5, 1, 4.25, 8.5, 245, 999.6, 1250, 12_500, 125_000, 12_345, 1_234_567 })
            {
                data.Add(metric, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Format_EveryMetric_SameTextAsTheDashboard(AlertMetric metric, double value)
    {
        Assert.Equal(AlertFormat.Value(metric, value), AlertValueText.Format(metric, value));
    }

    [Theory]
    [InlineData(0.0004, "p < 0.001")]
    [InlineData(0.047, "p = 0.047")]
    [InlineData(0.9996, "p > 0.999")]
    [InlineData(1, "p > 0.999")]
    public void PValue_SmallAndLarge_NeverBareZeroOrOne(double p, string expected)
    {
        Assert.Equal(expected, AlertValueText.PValue(p));
    }

    [Fact]
    public void Render_BuiltInErrorRateSummary_ReadsAsPercentages()
    {
        var text = AlertLabels.Render(BuiltInRules.ErrorRate.Annotations["summary"], new Dictionary<string, string>(), 0.096, BuiltInRules.ErrorRate);

        Assert.Equal("Error rate 9.6% is above 5%", text);
    }

    [Theory]
    [InlineData("builtin-latency-p95", 12_500, "p95 latency of gpt-4o is 12.5 s, above 10 s")]
    [InlineData("builtin-cost-burn", 1.3, "Today's cost is 130% of the daily budget")]
    [InlineData("builtin-ingestion-drops", 12_345, "12.3k operations were dropped in the last 5 minutes")]
    [InlineData("builtin-experiment-srm", 0.0002, "Experiment tone users do not split as its weights say (p < 0.001)")]
    public void Render_BuiltInSummaries_FormattedForTheirMetric(string ruleId, double value, string expected)
    {
        var rule = BuiltInRules.All.Single(r => r.Id == ruleId);
        var labels = new Dictionary<string, string> { ["model"] = "gpt-4o", ["experiment"] = "tone" };

        Assert.Equal(expected, AlertLabels.Render(rule.Annotations["summary"], labels, value, rule));
    }

    [Theory]
    [InlineData("{{ $value | humanizePercentage }}", "9.6%")]
    [InlineData("{{ $value | printf \"%.3f\" }}", "0.096")]
    [InlineData("{{ $value }}", "0.096")]
    [InlineData("{{ $threshold }}", "0.05")]
    [InlineData("{{$threshold|display}}", "5%")]
    public void Render_Functions_PrometheusAndDisplay(string template, string expected)
    {
        Assert.Equal(expected, AlertLabels.Render(template, new Dictionary<string, string>(), 0.096, BuiltInRules.ErrorRate));
        Assert.Null(AlertLabels.CheckTemplate(template));
    }

    [Fact]
    public void Render_TrendRule_ChangePerMinuteAsTheDashboard()
    {
        var rule = BuiltInRules.LatencyP95 with { Trend = true };

        Assert.Equal("−1.50 s / min", AlertLabels.Render("{{ $value | display }}", new Dictionary<string, string>(), -1500, rule));
        Assert.Equal(AlertFormat.Value(rule, -1500), AlertLabels.Render("{{ $value | display }}", new Dictionary<string, string>(), -1500, rule));
    }

    [Fact]
    public async Task Restart_StoredBuiltInWithFormerSummary_GetsFormattedSummaryButEditedOneIsKept()
    {
        // Arrange: an installation from before, whose stored built-ins still carry the raw summaries; one was edited.
        using var host = new AlertTestHost();
        foreach (var rule in host.Service.Rules().Where(r => r.BuiltIn && BuiltInRules.FormerSummaries.ContainsKey(r.Id)))
        {
            var summary = rule.Id == BuiltInRules.CostBurn.Id ? "Budget gone: {{ $value }}" : BuiltInRules.FormerSummaries[rule.Id];
            var annotations = new Dictionary<string, string>(rule.Annotations, StringComparer.Ordinal) { ["summary"] = summary };
            await host.Service.UpdateRuleAsync(rule.Id, rule with { Annotations = annotations }, Actor.System);
        }

        Assert.Equal(BuiltInRules.FormerSummaries[BuiltInRules.ErrorRate.Id], host.Service.GetRule(BuiltInRules.ErrorRate.Id)!.Annotations["summary"]);

        // Act
        host.Restart();

        // Assert: the former defaults read formatted now, the operator's own text stays.
        Assert.Equal(BuiltInRules.ErrorRate.Annotations["summary"], host.Service.GetRule(BuiltInRules.ErrorRate.Id)!.Annotations["summary"]);
        Assert.Equal(BuiltInRules.ExperimentSrm.Annotations["summary"], host.Service.GetRule(BuiltInRules.ExperimentSrm.Id)!.Annotations["summary"]);
        Assert.Equal("Budget gone: {{ $value }}", host.Service.GetRule(BuiltInRules.CostBurn.Id)!.Annotations["summary"]);
    }
}
