using Conciergus.Core.Changes;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.Changes;

public sealed class ChangeFeedTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    [Fact]
    public void Notify_Burst_CallsOnceNowAndOnceAtTheEndOfTheInterval()
    {
        // Arrange
        using var counted = new Counted();

        // Act
        counted.Feed.Notify();
        counted.Feed.Notify();
        counted.Feed.Notify();
        var immediately = counted.Runs;
        counted.Time.Advance(TimeSpan.FromMilliseconds(249));
        var beforeInterval = counted.Runs;
        counted.Time.Advance(TimeSpan.FromMilliseconds(1));
        counted.Time.Advance(TimeSpan.FromSeconds(5));

        // Assert
        Assert.Equal(1, immediately);
        Assert.Equal(1, beforeInterval);
        Assert.Equal(2, counted.Runs);
    }

    [Fact]
    public void Notify_AfterQuietInterval_CallsAtOnce()
    {
        // Arrange
        using var counted = new Counted();
        counted.Feed.Notify();
        counted.Time.Advance(TimeSpan.FromSeconds(1));

        // Act
        counted.Feed.Notify();

        // Assert
        Assert.Equal(2, counted.Runs);
    }

    [Fact]
    public void Notify_WithoutChange_NeverCalls()
    {
        // Arrange
        using var counted = new Counted();

        // Act
        counted.Time.Advance(TimeSpan.FromSeconds(10));

        // Assert
        Assert.Equal(0, counted.Runs);
    }

    [Fact]
    public void Dispose_PendingCall_NeverRunsAndUnsubscribes()
    {
        // Arrange
        var counted = new Counted();
        counted.Feed.Notify();
        counted.Feed.Notify();

        // Act
        counted.Dispose();
        counted.Time.Advance(TimeSpan.FromSeconds(1));
        counted.Feed.Notify();

        // Assert
        Assert.Equal(1, counted.Runs);
        Assert.Equal(0, counted.Feed.SubscriberCount);
    }

    [Fact]
    public async Task Notify_WhileACallRuns_NoOverlapAndTheLastChangeIsDelivered()
    {
        // Arrange: the first call does not finish until released
        var time = new FakeTimeProvider();
        var feed = new ChangeFeed(time);
        var release = new TaskCompletionSource();
        var second = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = 0;
        var maxRunning = 0;
        var runs = 0;
        var seen = new List<int>();
        var state = 0;
        using var subscription = feed.Subscribe(async () =>
        {
            maxRunning = Math.Max(maxRunning, Interlocked.Increment(ref running));
            runs++;
            seen.Add(state);
            if (runs == 1)
            {
                await release.Task.ConfigureAwait(false);
            }

            Interlocked.Decrement(ref running);
            if (runs == 2)
            {
                second.TrySetResult();
            }
        }, Interval);

        // Act: two changes while the first call is in flight, well past the interval
        state = 1;
        feed.Notify();
        time.Advance(TimeSpan.FromSeconds(1));
        state = 2;
        feed.Notify();
        state = 3;
        feed.Notify();
        var whileRunning = runs;
        release.SetResult();

        // The first call ends on a pool thread (the test's synchronization context does not inline it): wait for the second.
        await second.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // Assert: one more call once the first ended (the interval had passed), and it saw the last state
        Assert.Equal(1, whileRunning);
        Assert.Equal(2, runs);
        Assert.Equal(1, maxRunning);
        Assert.Equal([1, 3], seen);
    }

    [Fact]
    public void Notify_CallbackThrows_NotifierUnharmedOthersServedLaterChangesDelivered()
    {
        // Arrange
        var time = new FakeTimeProvider();
        var feed = new ChangeFeed(time);
        var broken = 0;
        var healthy = 0;
        using var throwing = feed.Subscribe(() => { broken++; throw new InvalidOperationException("broken panel"); }, Interval);
        using var faulting = feed.Subscribe(() => Task.FromException(new InvalidOperationException("faulted")), Interval);
        using var fine = feed.Subscribe(() => { healthy++; return Task.CompletedTask; }, Interval);

        // Act
        feed.Notify();
        time.Advance(TimeSpan.FromSeconds(1));
        feed.Notify();

        // Assert
        Assert.Equal(2, broken);
        Assert.Equal(2, healthy);
    }

    [Fact]
    public void Subscribe_OwnClock_ThrottlesByIt()
    {
        // Arrange: the feed runs on another clock than the subscriber
        var subscriberTime = new FakeTimeProvider();
        var feed = new ChangeFeed(new FakeTimeProvider());
        var runs = 0;
        using var subscription = feed.Subscribe(() => { runs++; return Task.CompletedTask; }, Interval, subscriberTime);
        feed.Notify();
        feed.Notify();

        // Act
        subscriberTime.Advance(Interval);

        // Assert
        Assert.Equal(2, runs);
    }

    /// <summary>A feed on a fake clock with one subscriber that counts its calls.</summary>
    private sealed class Counted : IDisposable
    {
        private readonly IDisposable _subscription;

        public Counted()
        {
            Feed = new ChangeFeed(Time);
            _subscription = Feed.Subscribe(() =>
            {
                Runs++;
                return Task.CompletedTask;
            }, Interval);
        }

        public FakeTimeProvider Time { get; } = new();

        public ChangeFeed Feed { get; }

        public int Runs { get; private set; }

        public void Dispose() => _subscription.Dispose();
    }
}
