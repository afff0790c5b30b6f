using System.Text;
using System.Text.Json;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;

namespace Conciergus.Dashboard.Tests.Compliance;

/// <summary>Each of the six rights end to end: logged, verified, fulfilled, its effect visible in the stores, every step audited.</summary>
public sealed class SubjectRightsTests
{
    private static readonly string[] Steps =
        [SubjectRequestWorkflow.ReceivedAction, SubjectRequestWorkflow.VerifiedAction, SubjectRequestWorkflow.StartedAction, SubjectRequestWorkflow.CompletedAction];

    [Fact]
    public async Task Access_VerifiedAndFulfilled_FileHoldsTheSubjectsDataAndEveryStepAudited()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("alice", analytics: true, experimentation: false, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.RecordAsync(3, "alice");

        var request = await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Access, UserId = "alice" }, null, null);
        await host.Requests.VerifyAsync(request.Id, "email reply from the registered address", null, null);
        var fulfilled = await host.Requests.FulfilAsync(request.Id, "alice", null, null);
        var file = await host.Requests.FileAsync(request.Id, null, null);

        Assert.Equal(SubjectRequestStatuses.Fulfilled, fulfilled.Status);
        Assert.StartsWith("sha256:", fulfilled.Evidence, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(file!);
        Assert.Equal("alice", json.RootElement.GetProperty("userId").GetString());
        Assert.False(json.RootElement.GetProperty("stores").GetProperty("consent").GetProperty("consent").GetProperty("experimentation").GetBoolean());
        Assert.Equal(3, json.RootElement.GetProperty("stores").GetProperty("userCosts")[0].GetProperty("requests").GetInt64());
        Assert.Equal([.. Steps, SubjectRequestWorkflow.FileAction], StepsOf(host, request.Id));
    }

    [Fact]
    public async Task Portability_AutoFulfilConfigured_FulfilledAtReceiptAsJson()
    {
        await using var host = new ComplianceTestHost();
        host.Options.AutoFulfil.Add(SubjectRequestKinds.Portability);
        await host.RestartAsync();
        await host.RecordAsync(2, "bob");

        var request = await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Portability, UserId = "bob" }, null, null);

        Assert.Equal(SubjectRequestStatuses.Fulfilled, request.Status);
        Assert.Contains("\"bob\"", Encoding.UTF8.GetString((await host.Requests.FileAsync(request.Id, null, null))!), StringComparison.Ordinal);
        Assert.Equal(Steps, StepsOf(host, request.Id).Take(4));
        Assert.Contains(host.Audit.Query(new AuditQuery { Action = SubjectRequestWorkflow.VerifiedAction }).Entries, e => e.Details!["method"].StartsWith("auto-fulfil", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Erasure_Fulfilled_SubjectGoneFromEveryStore()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("carol", true, true, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.RecordAsync(2, "carol");
        var request = await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Erasure, UserId = "carol" }, null, null);
        await host.Requests.VerifyAsync(request.Id, "signed form", null, null);

        var fulfilled = await host.Requests.FulfilAsync(request.Id, "carol", null, null);

        Assert.Contains("consent=1", fulfilled.Evidence, StringComparison.Ordinal);
        Assert.Null(host.Consent.Get("carol"));
        Assert.Empty(host.Ledger.ExportUser("carol"));
        Assert.Equal(0, host.Decisions.Search("carol", null, null).Total);
        Assert.Single(host.Audit.Query(new AuditQuery { Action = SubjectRequests.EraseAction }).Entries);
        Assert.Equal(Steps, StepsOf(host, request.Id));
    }

    [Fact]
    public async Task Rectification_UserIdCorrected_ConsentAndDecisionRecordsFollowTheCorrectedId()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("dave-typo", analytics: false, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        host.Subjects.ReferenceFor("dave-typo");
        var request = await host.Requests.ReceiveAsync(
            new SubjectRequestSpec { Kind = SubjectRequestKinds.Rectification, UserId = "dave-typo", Field = "userId", Value = "dave" }, null, null);
        await host.Requests.VerifyAsync(request.Id, "support ticket", null, null);

        var fulfilled = await host.Requests.FulfilAsync(request.Id, "dave-typo", null, null);

        Assert.Null(host.Consent.Get("dave-typo"));
        Assert.False(host.Consent.Get("dave")!.Analytics);
        Assert.Null(host.Subjects.Find("dave-typo"));
        Assert.NotNull(host.Subjects.Find("dave"));
        Assert.Contains("operation store", fulfilled.Evidence, StringComparison.Ordinal);
        Assert.Equal(Steps, StepsOf(host, request.Id));
    }

    [Fact]
    public async Task Restriction_Fulfilled_ExcludedFromAnalyticsUntilLifted()
    {
        await using var host = new ComplianceTestHost();
        var request = await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Restriction, UserId = "erin" }, null, null);
        await host.Requests.VerifyAsync(request.Id, "phone call", null, null);
        await host.Requests.FulfilAsync(request.Id, "erin", null, null);

        await host.RecordAsync(2, "erin");

        Assert.False(host.Consent.Allows("erin", ConsentPurposes.Analytics));
        Assert.False(host.Consent.Allows("erin", ConsentPurposes.Experimentation));
        Assert.Empty(host.Ledger.ExportUser("erin"));
        Assert.Equal(0, host.Decisions.Search("erin", null, null).Total);
        Assert.Equal(1, host.Consent.RestrictedCount);

        Assert.True(await host.Requests.LiftRestrictionAsync("erin", null, null));
        await host.RecordAsync(1, "erin");

        Assert.True(host.Consent.Allows("erin", ConsentPurposes.Analytics));
        Assert.Single(host.Ledger.ExportUser("erin"));
        Assert.Single(host.Audit.Query(new AuditQuery { Action = SubjectRequestWorkflow.LiftedAction }).Entries);
        Assert.Equal(Steps, StepsOf(host, request.Id));
    }

    [Fact]
    public async Task Restriction_SurvivesARestart()
    {
        await using var host = new ComplianceTestHost();
        host.Options.AutoFulfil.Add(SubjectRequestKinds.Restriction);
        await host.RestartAsync();
        await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Restriction, UserId = "erin" }, null, null);

        await host.RestartAsync();

        Assert.True(host.Consent.IsRestricted("erin"));
    }

    [Fact]
    public async Task Objection_Fulfilled_RecordedAsConsentWithdrawalAndEnforced()
    {
        await using var host = new ComplianceTestHost();
        var request = await host.Requests.ReceiveAsync(
            new SubjectRequestSpec { Kind = SubjectRequestKinds.Objection, UserId = "frank", Purposes = ["experimentation"] }, null, null);
        await host.Requests.VerifyAsync(request.Id, "in-app form", null, null);

        await host.Requests.FulfilAsync(request.Id, "frank", null, null);

        var state = host.Consent.Get("frank")!;
        Assert.True(state.Analytics);
        Assert.False(state.Experimentation);
        Assert.Equal("objection:" + request.Id, state.Source);
        Assert.False(host.Consent.Allows("frank", ConsentPurposes.Experimentation));
        var withdrawal = Assert.Single(host.Audit.Query(new AuditQuery { Action = ConsentStore.UpdateAction }).Entries);
        Assert.Equal("refused", withdrawal.Details!["experimentation"]);
        Assert.Equal(Steps, StepsOf(host, request.Id));
    }

    [Fact]
    public async Task Reject_WithReason_ClosedNotOverdueAndAudited()
    {
        await using var host = new ComplianceTestHost();
        var request = await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "gina", null, null);

        var rejected = await host.Requests.RejectAsync(request.Id, "identity could not be verified", null, null);
        host.Time.Advance(TimeSpan.FromDays(60));

        Assert.Equal(SubjectRequestStatuses.Rejected, rejected.Status);
        Assert.Equal("identity could not be verified", host.Requests.Get(request.Id)!.Reason);
        Assert.False(host.Requests.Get(request.Id)!.IsOverdue(host.Time.GetUtcNow()));
        Assert.Equal("identity could not be verified", Assert.Single(host.Audit.Query(new AuditQuery { Action = SubjectRequestWorkflow.RejectedAction }).Entries).Details!["reason"]);
    }

    [Fact]
    public async Task Fulfil_NotVerifiedOrOtherSubject_Refused()
    {
        await using var host = new ComplianceTestHost();
        var request = await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "hank", null, null);

        await Assert.ThrowsAsync<SubjectRequestException>(() => host.Requests.FulfilAsync(request.Id, "hank", null, null));
        await host.Requests.VerifyAsync(request.Id, "id card", null, null);
        await Assert.ThrowsAsync<SubjectRequestException>(() => host.Requests.FulfilAsync(request.Id, "not-hank", null, null));
        Assert.Equal(SubjectRequestStatuses.Verified, host.Requests.Get(request.Id)!.Status);
    }

    [Theory]
    [InlineData("GDPR", "2027-01-31T10:00:00Z", "2027-02-28T10:00:00Z")] // one calendar month, clamped to the month's end
    [InlineData("CCPA", "2027-01-31T10:00:00Z", "2027-03-17T10:00:00Z")] // 45 days
    [InlineData("HIPAA", "2027-01-31T10:00:00Z", "2027-03-02T10:00:00Z")] // 30 days
    public async Task Receive_Framework_DueDateByItsDeadline(string framework, string received, string due)
    {
        await using var host = new ComplianceTestHost(start: DateTimeOffset.Parse(received, System.Globalization.CultureInfo.InvariantCulture));

        var request = await host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = SubjectRequestKinds.Access, UserId = "ivy", Framework = framework }, null, null);

        Assert.Equal(DateTimeOffset.Parse(due, System.Globalization.CultureInfo.InvariantCulture), request.DueAt);
        Assert.Equal(framework, request.Framework);
    }

    [Theory]
    [InlineData("objection", null, null)]
    [InlineData("rectification", "email", "x@example.com")]
    [InlineData("complaint", null, null)]
    public async Task Receive_IncompleteOrUnknown_Refused(string kind, string? field, string? value)
    {
        await using var host = new ComplianceTestHost();

        await Assert.ThrowsAsync<Conciergus.Core.Refusals.RefusalException>(() => host.Requests.ReceiveAsync(new SubjectRequestSpec { Kind = kind, UserId = "jo", Field = field, Value = value }, null, null));
    }

    private static List<string> StepsOf(ComplianceTestHost host, string requestId) =>
        [.. host.Audit.Query(new AuditQuery { Target = requestId, Limit = 100 }).Entries.Where(e => e.Target == requestId).OrderBy(e => e.Sequence).Select(e => e.Action)];
}
