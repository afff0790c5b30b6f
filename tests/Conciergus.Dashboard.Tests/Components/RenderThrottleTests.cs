using Conciergus.Dashboard.Components;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Components;

public sealed class RenderThrottleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void Request_Burst_RunsOnceNowAndOnceAtTheEndOfTheInterval()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var runs = 0;
        using var throttle = new RenderThrottle(Interval, time, () => { runs++; return Task.CompletedTask; });

        // Act
        throttle.Request();
        throttle.Request();
        throttle.Request();
        var immediately = runs;
        time.Advance(TimeSpan.FromMilliseconds(249));
        var beforeInterval = runs;
        time.Advance(TimeSpan.FromMilliseconds(1));

        // Assert
        Assert.Equal(1, immediately);
        Assert.Equal(1, beforeInterval);
        Assert.Equal(2, runs);
    }

    [Fact]
    public void Request_AfterQuietInterval_RunsAtOnce()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var runs = 0;
        using var throttle = new RenderThrottle(Interval, time, () => { runs++; return Task.CompletedTask; });
        throttle.Request();
        time.Advance(TimeSpan.FromSeconds(1));

        // Act
        throttle.Request();

        // Assert
        Assert.Equal(2, runs);
    }

    [Fact]
    public void Dispose_PendingRun_NeverRuns()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var runs = 0;
        var throttle = new RenderThrottle(Interval, time, () => { runs++; return Task.CompletedTask; });
        throttle.Request();
        throttle.Request();

        // Act
        throttle.Dispose();
        time.Advance(TimeSpan.FromSeconds(1));
        throttle.Request();

        // Assert
        Assert.Equal(1, runs);
    }
}
