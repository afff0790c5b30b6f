using Conciergus.Core.Telemetry;
using Conciergus.Core.TimeSeries;
using Conciergus.Dashboard.Metrics;
using Microsoft.Extensions.Options;
using static Conciergus.Dashboard.Tests.Traces.TraceTestData;

namespace Conciergus.Dashboard.Tests.Metrics;

public sealed class AiMetricCountersTests
{
    [Fact]
    public void Accept_MoreModelsThanTheCap_ExtraGoToOverflowAndTotalsStayExact()
    {
        var counters = new AiMetricCounters(Options.Create(new TimeSeriesOptions { MaxSeriesPerDimension = 2 }));

        for (var i = 0; i < 10; i++)
        {
            counters.Accept(Operation(model: $"model-{i}"));
        }

        var requests = counters.Requests();
        Assert.Equal(3, requests.Length);
        Assert.Equal(10, requests.Sum(r => r.Value.Value));
        Assert.Equal(8, requests.Single(r => r.Key.Model == AiMetricCounters.Overflow).Value.Value);
        Assert.Equal(3, counters.Models().Length);
        Assert.Equal(16, counters.Overflowed);
    }

    [Theory]
    [InlineData(0.01, 0)] // a value equal to a bound is in that bound's bucket (le is inclusive)
    [InlineData(0.015, 1)]
    [InlineData(81.92, 13)]
    [InlineData(100, 14)] // +Inf
    public void Histogram_Observe_CountsInTheFirstBucketWhoseBoundIsNotBelow(double seconds, int bucket)
    {
        var histogram = new Histogram(AiMetricCounters.DurationBounds);

        histogram.Observe(seconds);

        var cumulative = histogram.Cumulative();
        Assert.Equal(bucket == 0 ? 1 : 0, cumulative[0]);
        Assert.Equal(0, bucket > 0 ? cumulative[bucket - 1] : 0);
        Assert.Equal(1, cumulative[bucket]);
        Assert.Equal(1, cumulative[^1]);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a\"b", "a\\\"b")]
    [InlineData("a\\b", "a\\\\b")]
    [InlineData("a\nb", "a\\nb")]
    public void EscapeLabelValue_SpecialCharacters_Escaped(string value, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.EscapeLabelValue(value));

    [Theory]
    [InlineData(0.25, "0.25")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NaN, "NaN")]
    public void FormatDouble_Values_AsPrometheusReadsThem(double value, string expected) =>
        Assert.Equal(expected, PrometheusTextWriter.FormatDouble(value));
}
