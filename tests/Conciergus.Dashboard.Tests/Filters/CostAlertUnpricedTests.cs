using Conciergus.Core.Alerts;
using Conciergus.Core.Model;
using Conciergus.Dashboard.Tests.Alerts;

namespace Conciergus.Dashboard.Tests.Filters;

/// <summary>Issue 16 item 3: a cost rule over a series with unpriced calls says so in the alert's annotations.</summary>
public sealed class CostAlertUnpricedTests : IDisposable
{
    private readonly AlertTestHost _host = new();

    public void Dispose() => _host.Dispose();

    [Theory]
    [InlineData(2, "2 calls on unpriced models")]
    [InlineData(0, null)]
    public async Task Evaluate_CostRuleWithUnpricedCalls_AnnotationSaysHowMany(int unpriced, string? expected)
    {
        // Arrange: a cost rule over all traffic, one priced call above the threshold, and some calls on an unpriced model
        await _host.DisableBuiltInsAsync();
        await _host.AddRuleAsync(new AlertRule
        {
            Id = "cost",
            Name = "Cost",
            Metric = AlertMetric.Cost,
            Window = TimeSpan.FromMinutes(5),
            Threshold = 0.005,
            Annotations = new Dictionary<string, string> { ["summary"] = "cost {{ $value }}" },
        });
        _host.Record(cost: 0.01m);
        for (var i = 0; i < unpriced; i++)
        {
            _host.Cache.Record(new AiOperation
            {
                OperationId = "u" + i,
                StartTime = _host.Time.GetUtcNow().AddMilliseconds(-50),
                DurationMs = 10,
                Provider = "acme",
                RequestModel = "mystery-1",
                Pricing = PricingStatus.Unpriced,
            });
        }

        // Act
        await _host.StepAsync(TimeSpan.FromSeconds(10));

        // Assert: firing on the priced cost; the unpriced calls are named, never read as $0 silently
        var instance = Assert.Single(_host.Service.Instances(), i => i.RuleId == "cost");
        Assert.Equal(AlertState.Firing, instance.State);
        if (expected is null)
        {
            Assert.False(instance.Annotations.ContainsKey("unpriced"));
        }
        else
        {
            Assert.StartsWith(expected, instance.Annotations["unpriced"], StringComparison.Ordinal);
        }
    }
}
