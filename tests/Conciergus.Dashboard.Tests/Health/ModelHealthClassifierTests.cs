using Conciergus.Core.Health;

namespace Conciergus.Dashboard.Tests.Health;

public sealed class ModelHealthClassifierTests
{
    private readonly ModelHealthClassifier _classifier = new(new ModelHealthOptions());

    // Defaults: degraded from 5% errors or p95 10 s, critical from 25% or 30 s, down from 95%; errors judged from 5 requests.
    [Theory]
    [InlineData(100, 0.00, 800.0, ModelHealthStatus.Healthy)]
    [InlineData(100, 0.049, 9_999.0, ModelHealthStatus.Healthy)]
    [InlineData(100, 0.05, 800.0, ModelHealthStatus.Degraded)]
    [InlineData(100, 0.00, 10_000.0, ModelHealthStatus.Degraded)]
    [InlineData(100, 0.25, 800.0, ModelHealthStatus.Critical)]
    [InlineData(100, 0.10, 30_000.0, ModelHealthStatus.Critical)]
    [InlineData(100, 0.95, 800.0, ModelHealthStatus.Down)]
    [InlineData(100, 1.00, null, ModelHealthStatus.Down)]
    [InlineData(4, 1.00, 800.0, ModelHealthStatus.Healthy)] // too few requests to judge errors
    [InlineData(4, 1.00, 31_000.0, ModelHealthStatus.Critical)] // latency still counts
    [InlineData(0, 0.00, null, ModelHealthStatus.Healthy)]
    public void Classify_ErrorRateAndP95_GivesTheWorstStatus(long requests, double errorRate, double? p95, ModelHealthStatus expected) =>
        Assert.Equal(expected, _classifier.Classify(requests, errorRate, p95).Status);

    [Fact]
    public void Validate_UnorderedThresholds_SaysWhatIsWrong()
    {
        var failures = new ModelHealthOptions { DegradedErrorRate = 0.5, CriticalErrorRate = 0.2 }.Validate();
        Assert.Contains(failures, f => f.Contains("DegradedErrorRate <= CriticalErrorRate", StringComparison.Ordinal));
    }
}
