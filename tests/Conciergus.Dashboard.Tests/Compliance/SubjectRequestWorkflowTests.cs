using System.Security.Cryptography;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class SubjectRequestWorkflowTests
{
    [Theory]
    [InlineData("2026-11-27T12:00:00Z", "2026-12-27T12:00:00Z")]
    [InlineData("2027-01-31T09:30:00Z", "2027-02-28T09:30:00Z")] // one calendar month, clamped to the month's last day
    [InlineData("2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z")] // leap year
    public async Task ReceiveAsync_DueOneMonthAfterReceipt(string received, string due)
    {
        await using var host = new ComplianceTestHost(start: DateTimeOffset.Parse(received, System.Globalization.CultureInfo.InvariantCulture));

        var request = await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);

        Assert.Equal(DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture), request.DueAt);
        Assert.Equal(SubjectRequestStatuses.Received, request.Status);
        Assert.Equal(host.Pseudonymizer.Pseudonym("alice"), request.Subject);
    }

    [Fact]
    public async Task IsOverdue_AfterTheDueDate_TrueUntilCompleted()
    {
        await using var host = new ComplianceTestHost();
        var request = await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "alice", null, null);

        host.Time.Advance(TimeSpan.FromDays(30));
        Assert.False(Assert.Single(host.Requests.Open()).IsOverdue(host.Time.GetUtcNow()));
        host.Time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        Assert.True(Assert.Single(host.Requests.Open()).IsOverdue(host.Time.GetUtcNow()));

        var erasure = new SubjectErasure("subject:x", new Dictionary<string, long> { ["decisions"] = 3, ["userCosts"] = 2 },
            new AuditEntry { Sequence = 9, Timestamp = host.Time.GetUtcNow(), Actor = "a", Role = "Admin", Action = "subject.erase", PreviousHash = "", Hash = "" });
        var completed = await host.Requests.CompleteErasureAsync("alice", erasure, null, null);

        Assert.Equal(request.Id, completed.Id);
        Assert.False(completed.IsOverdue(host.Time.GetUtcNow()));
        Assert.Equal("decisions=3, userCosts=2; total 5; audit entry 9", completed.Evidence);
        Assert.Empty(host.Requests.Open());
    }

    [Fact]
    public async Task CompleteExportAsync_OpenRequest_CompletedWithTheFileDigest()
    {
        await using var host = new ComplianceTestHost();
        var first = await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);
        host.Time.Advance(TimeSpan.FromDays(2));
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "bob", null, null);
        byte[] file = [.. "{\"userId\":\"alice\"}"u8];

        var completed = await host.Requests.CompleteExportAsync("alice", file, null, null);

        Assert.Equal(first.Id, completed.Id); // the oldest open request of that kind for that subject
        Assert.Equal($"sha256:{Convert.ToHexStringLower(SHA256.HashData(file))} ({file.Length} bytes)", completed.Evidence);
        Assert.Equal(host.Time.GetUtcNow(), completed.CompletedAt);
        Assert.Equal(2, host.Requests.Open().Count);
        var audited = host.Audit.Query(new AuditQuery { Action = "subject.request_" }).Entries;
        Assert.Equal(4, audited.Count);
        Assert.DoesNotContain(audited, e => e.Target!.Contains("alice", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CompleteExportAsync_NoOpenRequest_LoggedReceivedAndCompleted()
    {
        await using var host = new ComplianceTestHost();

        var completed = await host.Requests.CompleteExportAsync("carol", [1, 2, 3], null, null);

        Assert.Equal(completed.ReceivedAt, completed.CompletedAt);
        Assert.Equal(ComplianceTestHost.Start.AddMonths(1), completed.DueAt);
        Assert.Equal(SubjectRequestStatuses.Completed, Assert.Single(host.Requests.List()).Status);
    }

    [Fact]
    public async Task CompleteExportAsync_NoOpenRequestWhileTheClockTicks_CompletedAtNotBeforeReceivedAt()
    {
        await using var host = new ComplianceTestHost();
        // Every clock reading moves 100 microseconds on, like a busy machine between two reads.
        host.Time.AutoAdvanceAmount = TimeSpan.FromTicks(1_000);

        var completed = await host.Requests.CompleteExportAsync("alice", [1, 2, 3], null, null);

        Assert.NotNull(completed.CompletedAt);
        Assert.True(completed.CompletedAt >= completed.ReceivedAt, $"completedAt {completed.CompletedAt:O} is before receivedAt {completed.ReceivedAt:O}");
        var listed = Assert.Single(host.Requests.List());
        Assert.True(listed.CompletedAt >= listed.ReceivedAt);
    }
}
