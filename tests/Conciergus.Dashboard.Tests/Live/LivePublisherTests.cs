using Conciergus.Dashboard.Live;

namespace Conciergus.Dashboard.Tests.Live;

public sealed class LivePublisherTests
{
    [Fact]
    public async Task Tick_AfterRecord_PublishesSummaryOfTheWindow()
    {
        // Arrange
        await using var host = new LiveTestHost();
        var received = new List<LiveSnapshot>();
        using var subscription = host.Publisher.Subscribe(received.Add);
        await host.StartAsync();
        host.Record(inputTokens: 100, outputTokens: 40, costUsd: 0.02m);
        host.Record(inputTokens: 300, outputTokens: 60, costUsd: 0.03m, error: true);

        // Act
        host.Tick();

        // Assert
        var snapshot = Assert.Single(received);
        Assert.Same(snapshot, host.Publisher.Latest);
        Assert.Equal(2, snapshot.Version);
        Assert.Equal(2, snapshot.Summary.Requests);
        Assert.Equal(1, snapshot.Summary.Errors);
        Assert.Equal(400, snapshot.Summary.InputTokens);
        Assert.Equal(100, snapshot.Summary.OutputTokens);
        Assert.Equal(0.05m, snapshot.Summary.CostUsd);
        Assert.Equal(host.Time.GetUtcNow(), snapshot.At);
    }

    [Fact]
    public async Task Tick_NothingNew_PublishesOnlyOnHeartbeat()
    {
        // Arrange
        await using var host = new LiveTestHost();
        var count = 0;
        using var subscription = host.Publisher.Subscribe(_ => count++);
        await host.StartAsync();
        host.Tick(); // the first tick always publishes (nothing was published yet)
        Assert.Equal(1, count);

        // Act: just under one heartbeat of quiet ticks, then the tick that completes it
        var quietTicks = (int)(host.Options.HeartbeatInterval / host.Options.TickInterval) - 1;
        for (var i = 0; i < quietTicks; i++)
        {
            host.Tick();
        }

        var afterQuiet = count;
        host.Tick();

        // Assert
        Assert.Equal(1, afterQuiet);
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task Tick_RecordInOpenSecond_PublishesThatSecondOnceItCompletes()
    {
        // Arrange: start 100 ms into a second so the record lands in an open second
        await using var host = new LiveTestHost(start: LiveTestHost.Start.AddMilliseconds(100));
        var received = new List<LiveSnapshot>();
        using var subscription = host.Publisher.Subscribe(received.Add);
        await host.StartAsync();
        host.Tick(); // t = .350: initial publish of the (empty) history
        received.Clear();
        host.Record();
        host.Record();
        host.Record(error: true);

        // Act
        host.Tick(); // t = .600: version changed; the second .000-1.000 is still open
        host.Tick(); // t = .850: nothing new
        host.Tick(); // t = 1.100: the second completed -> its point is owed

        // Assert
        Assert.Equal(2, received.Count);
        Assert.Empty(received[0].NewPoints);
        var point = Assert.Single(received[1].NewPoints);
        Assert.Equal(LiveTestHost.Start, point.Start);
        Assert.Equal(3, point.Requests);
        Assert.Equal(1, point.Errors);
        Assert.Equal(point, host.Publisher.RecentPoints()[^1]);
    }

    [Fact]
    public async Task Tick_FirstPublish_BackfillsCompletedSecondsOfTheHistory()
    {
        // Arrange: operations 10 s and 3 s ago, before the publisher started
        await using var host = new LiveTestHost(new LiveOptions { HistoryPoints = 30 });
        host.Record(endsAgo: TimeSpan.FromSeconds(10));
        host.Record(endsAgo: TimeSpan.FromSeconds(3));
        host.Record(endsAgo: TimeSpan.FromSeconds(3));
        LiveSnapshot? first = null;
        using var subscription = host.Publisher.Subscribe(s => first ??= s);
        await host.StartAsync();

        // Act
        host.Tick();

        // Assert: 30 one-second points ending at the last completed second, newest data where recorded
        Assert.NotNull(first);
        Assert.Equal(30, first.NewPoints.Count);
        Assert.Equal(LiveTestHost.Start.AddSeconds(-30), first.NewPoints[0].Start);
        Assert.Equal(3, first.NewPoints.Sum(p => p.Requests));
        Assert.Equal(2, first.NewPoints.Single(p => p.Start == LiveTestHost.Start.AddSeconds(-3)).Requests);
        Assert.Equal(30, host.Publisher.RecentPoints().Count);
    }

    [Fact]
    public async Task Tick_ConsecutivePublishes_NeverRepeatAPoint()
    {
        // Arrange
        await using var host = new LiveTestHost(new LiveOptions { HistoryPoints = 5 });
        var starts = new List<DateTimeOffset>();
        using var subscription = host.Publisher.Subscribe(s => starts.AddRange(s.NewPoints.Select(p => p.Start)));
        await host.StartAsync();

        // Act: 12 s of traffic, one operation per tick
        for (var i = 0; i < 48; i++)
        {
            host.Record();
            host.Tick();
        }

        // Assert
        Assert.Equal(starts.Count, starts.Distinct().Count());
        Assert.Equal(starts.Order(), starts);
        Assert.Equal(5, host.Publisher.RecentPoints().Count);
    }

    [Fact]
    public async Task Subscribe_Disposed_StopsCallbacks()
    {
        // Arrange
        await using var host = new LiveTestHost();
        var count = 0;
        var subscription = host.Publisher.Subscribe(_ => count++);
        await host.StartAsync();
        host.Record();
        host.Tick();
        Assert.Equal(1, count);

        // Act
        subscription.Dispose();
        host.Record();
        host.Tick();
        host.Time.Advance(host.Options.HeartbeatInterval * 2);

        // Assert
        Assert.Equal(1, count);
        Assert.Equal(0, host.Publisher.Status.Subscribers);
        Assert.True(host.Publisher.Status.Publishes >= 2);
    }

    [Fact]
    public async Task Subscribe_ThrowingSubscriber_OthersServedAndFailureCounted()
    {
        // Arrange
        await using var host = new LiveTestHost();
        var before = 0;
        var after = 0;
        using var first = host.Publisher.Subscribe(_ => before++);
        using var throwing = host.Publisher.Subscribe(_ => throw new InvalidOperationException("broken panel"));
        using var last = host.Publisher.Subscribe(_ => after++);
        await host.StartAsync();

        // Act
        host.Record();
        host.Tick();
        host.Record();
        host.Tick();

        // Assert
        Assert.Equal(2, before);
        Assert.Equal(2, after);
        var status = host.Publisher.Status;
        Assert.Equal(2, status.SubscriberFailures);
        Assert.Equal(3, status.Subscribers);
        Assert.Equal(2, status.Publishes);
        Assert.Equal(0, status.TickFailures);
    }

    [Fact]
    public async Task Status_AfterPublish_ReportsLastPublishTime()
    {
        // Arrange
        await using var host = new LiveTestHost();
        Assert.Null(host.Publisher.Status.LastPublishedAt);
        Assert.False(host.Publisher.Status.Running);
        await host.StartAsync();

        // Act
        host.Record();
        host.Tick();

        // Assert
        var status = host.Publisher.Status;
        Assert.True(status.Running);
        Assert.Equal(host.Time.GetUtcNow(), status.LastPublishedAt);
        Assert.Null(status.LastError);
    }

    [Fact]
    public async Task StopAsync_StopsTheTimer()
    {
        // Arrange
        await using var host = new LiveTestHost();
        var count = 0;
        using var subscription = host.Publisher.Subscribe(_ => count++);
        await host.StartAsync();
        host.Tick();

        // Act
        await host.Publisher.StopAsync(CancellationToken.None);
        host.Record();
        host.Time.Advance(TimeSpan.FromSeconds(30));

        // Assert
        Assert.Equal(1, count);
        Assert.False(host.Publisher.Status.Running);
    }
}
