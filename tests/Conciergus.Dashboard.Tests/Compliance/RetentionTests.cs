using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Microsoft.Extensions.Logging.Abstractions;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.Compliance;

public sealed class RetentionTests
{
    private static AuditEvent Event(string action = "alert.acknowledge") => new() { Actor = "olivia", Role = "Operator", Action = action, Target = "alert-1" };

    [Fact]
    public async Task Purge_FakeTime_RemovesExactlyWhatIsDueAndBothChainsVerify()
    {
        // GDPR preset: decisions 180 days, audit 365 days.
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3);
        await host.Audit.AppendAsync(Event());
        await host.Audit.AppendAsync(Event());
        host.Time.Advance(TimeSpan.FromDays(100));
        await host.RecordAsync(2);
        await host.Audit.AppendAsync(Event());

        // Day 181: the 3 first decision records are due (recorded 181 days ago); nothing in the audit trail is.
        host.Time.Advance(TimeSpan.FromDays(81));
        var first = await host.Retention.PurgeAsync("system", "System");

        Assert.Equal(3, first.DecisionsDeleted);
        Assert.Equal(0, first.AuditDeleted);
        Assert.Equal(2, host.Decisions.Search(null, null, null).Total);
        Assert.Equal(4, host.Decisions.LoadAnchor()!.Sequence);
        await AssertBothChainsValidAsync(host);

        // Day 366: the 2 remaining decisions (day 100) and the 2 audit entries of day 0 are due; day 100's audit entry is not.
        host.Time.Advance(TimeSpan.FromDays(185));
        var second = await host.Retention.PurgeAsync("system", "System");

        Assert.Equal(2, second.DecisionsDeleted);
        Assert.Equal(2, second.AuditDeleted);
        Assert.Equal(0, host.Decisions.Search(null, null, null).Total);
        Assert.Equal(3, host.Audit.LoadAnchor()!.Sequence);
        await AssertBothChainsValidAsync(host);

        // The chain goes on after the anchor, across a restart.
        await host.RecordAsync(2);
        await host.RestartAsync();
        await AssertBothChainsValidAsync(host);
        Assert.Equal(7, host.Decisions.Search(null, null, null).Records[0].Sequence);
    }

    [Fact]
    public async Task Purge_IsAuditedWithCutoffsEvenWhenNothingIsDue()
    {
        await using var host = new ComplianceTestHost();

        var result = await host.Retention.PurgeAsync("alice", "Admin");

        var entry = host.Audit.ReadAfter(result.AuditSequence - 1, 1).Single();
        Assert.Equal(ComplianceRetention.PurgeAction, entry.Action);
        Assert.Equal("alice", entry.Actor);
        Assert.Equal("0", entry.Details!["decisions.deleted"]);
        Assert.Equal(AuditCanonical.FormatTimestamp(ComplianceTestHost.Start.AddDays(-180)), entry.Details["decisions.cutoff"]);
        Assert.Equal(AuditCanonical.FormatTimestamp(ComplianceTestHost.Start.AddDays(-365)), entry.Details["audit.cutoff"]);
    }

    [Fact]
    public async Task Purge_CompletedRequestsOnly_OpenOnesStay()
    {
        await using var host = new ComplianceTestHost();
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Export, "alice", null, null);
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "bob", null, null);
        await host.Requests.CompleteExportAsync("alice", [1, 2, 3], null, null);

        host.Time.Advance(TimeSpan.FromDays(1096));
        var result = await host.Retention.PurgeAsync("system", "System");

        Assert.Equal(1, result.RequestsDeleted);
        var left = Assert.Single(host.Requests.List());
        Assert.Equal(SubjectRequestKinds.Erasure, left.Kind);
    }

    [Fact]
    public async Task AuditRetention_FollowsThePolicy_SoxKeepsSevenYears()
    {
        await using var host = new ComplianceTestHost(framework: RetentionPresets.Sox);
        await host.Audit.AppendAsync(Event());

        host.Time.Advance(TimeSpan.FromDays(2554));
        Assert.Equal(0, (await host.Audit.PurgeExpiredAsync()).Deleted);
        host.Time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(1, (await host.Audit.PurgeExpiredAsync()).Deleted);
        Assert.True((await host.Audit.VerifyAsync()).Valid);
    }

    [Fact]
    public async Task AuditRetention_ConfiguredAndNoPolicySaved_ConfigurationApplies_UntilAnAdminSavesOne()
    {
        await using var host = new ComplianceTestHost();
        var auditOptions = MsOptions.Create(new AuditOptions { Retention = new(StringComparer.OrdinalIgnoreCase) { ["default"] = "30d" } });
        var store = new RetentionPolicyStore(host.Database, MsOptions.Create(host.Options), auditOptions);

        Assert.Null(store.AuditRetention());
        Assert.Equal(30, store.Current.Days[DataClasses.Audit]); // the report shows what applies

        store.Save(RetentionPresets.Gdpr, RetentionPresets.Find(RetentionPresets.Gdpr)!.Days, "alice", host.Time.GetUtcNow());

        Assert.Equal(TimeSpan.FromDays(365), store.AuditRetention()![AuditOptions.DefaultCategory]);
    }

    [Fact]
    public async Task Save_BelowTheFrameworkFloor_Refused()
    {
        await using var host = new ComplianceTestHost();
        var days = new Dictionary<string, int>(RetentionPresets.Find(RetentionPresets.Sox)!.Days) { [DataClasses.Audit] = 365 };

        var error = Assert.Throws<ArgumentException>(() => host.Policies.Save(RetentionPresets.Sox, days, "alice", host.Time.GetUtcNow()));

        Assert.Contains("audit: SOX asks for at least 2555 days (got 365)", error.Message, StringComparison.Ordinal);
        Assert.Equal(RetentionPresets.Gdpr, host.Policies.Current.Framework);
    }

    [Fact]
    public async Task Save_ValidPolicy_PersistsAcrossRestart()
    {
        await using var host = new ComplianceTestHost();
        var days = new Dictionary<string, int>(RetentionPresets.Find(RetentionPresets.EuAiAct)!.Days) { [DataClasses.Decisions] = 400 };

        host.Policies.Save(RetentionPresets.EuAiAct, days, "alice", host.Time.GetUtcNow());
        await host.RestartAsync();

        Assert.Equal(RetentionPresets.EuAiAct, host.Policies.Current.Framework);
        Assert.Equal(400, host.Policies.Current.Days[DataClasses.Decisions]);
        Assert.Equal("alice", host.Policies.Current.UpdatedBy);
    }

    [Theory]
    [InlineData(RetentionPresets.Gdpr, 30, 180, 365)]
    [InlineData(RetentionPresets.Ccpa, 30, 180, 730)]
    [InlineData(RetentionPresets.Hipaa, 30, 2190, 2190)]
    [InlineData(RetentionPresets.Sox, 30, 2555, 2555)]
    [InlineData(RetentionPresets.EuAiAct, 30, 183, 365)]
    public void Presets_Values_AsDocumented(string framework, int operations, int decisions, int audit)
    {
        var preset = RetentionPresets.Find(framework)!;

        Assert.Equal(operations, preset.Days[DataClasses.Operations]);
        Assert.Equal(decisions, preset.Days[DataClasses.Decisions]);
        Assert.Equal(audit, preset.Days[DataClasses.Audit]);
        Assert.Empty(RetentionPresets.Validate(framework, preset.Days));
    }

    [Fact]
    public async Task HostedService_TimerElapses_RunsThePurge()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(2);
        using var service = new ComplianceHostedService(host.Retention, host.Decisions, MsOptions.Create(host.Options), host.Time,
            NullLogger<ComplianceHostedService>.Instance);
        await service.StartAsync(CancellationToken.None);

        host.Time.Advance(TimeSpan.FromDays(181)); // the daily timer fires; the records are 181 days old at the last tick

        // The timer callbacks run the purge in the background: wait for its effect, not for a fixed time.
        Assert.True(SpinWait.SpinUntil(() => host.Decisions.Search(null, null, null).Total == 0, TimeSpan.FromSeconds(30)));
        await service.StopAsync(CancellationToken.None);
        Assert.True(SpinWait.SpinUntil(() => host.Audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction, Limit = 100 }).Entries
            .Any(e => e.Actor == "system" && e.Details!["decisions.deleted"] == "2"), TimeSpan.FromSeconds(30)));
        await AssertBothChainsValidAsync(host);
    }

    private static async Task AssertBothChainsValidAsync(ComplianceTestHost host)
    {
        var audit = await host.Audit.VerifyAsync();
        Assert.True(audit.Valid, audit.Reason);
        var decisions = await host.Decisions.VerifyAsync();
        Assert.True(decisions.Valid, decisions.Reason);
    }
}
