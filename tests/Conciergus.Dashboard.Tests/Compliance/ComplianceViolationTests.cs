using Conciergus.Core.Alerts;
using Conciergus.Core.Audit;
using Conciergus.Core.Compliance;
using Conciergus.Core.Traces;
using Conciergus.Dashboard.Tests.Alerts;
using Conciergus.Dashboard.Tests.Traces;
using Microsoft.Extensions.Compliance.Classification;
using Microsoft.Extensions.Compliance.Redaction;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Conciergus.Dashboard.Tests.Compliance;

/// <summary>
/// Issue 19 item 6: each compliance violation as a value (what /metrics and the rule read) and its built-in alert rule
/// firing through a receiver and resolving, on a fake clock shared by the compliance features and the alert service.
/// </summary>
public sealed class ComplianceViolationTests
{
    private static AlertTestHost AlertsOn(ComplianceTestHost host) =>
        new(time: host.Time, compliance: (metric, window, at) => AlertsServiceCollectionExtensions.ComplianceSource(host.Violations)(metric, window, at));

    /// <summary>Evaluates now and returns the rule's newest instance (null when none).</summary>
    private static async Task<AlertInstance?> EvaluateAsync(AlertTestHost alerts, AlertRule rule)
    {
        await alerts.Service.EvaluateAsync(alerts.Time.GetUtcNow());
        return alerts.Service.Instances().Where(i => i.RuleId == rule.Id).OrderByDescending(i => i.ActiveAt).FirstOrDefault();
    }

    /// <summary>Steps the clock 10 s at a time for <paramref name="span"/> (the group waits 30 s before its first notification).</summary>
    private static async Task StepAsync(AlertTestHost alerts, TimeSpan span)
    {
        for (var t = TimeSpan.Zero; t < span; t += TimeSpan.FromSeconds(10))
        {
            await alerts.StepAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static void AssertNotified(AlertTestHost alerts, AlertRule rule, string status)
    {
        Assert.Contains(alerts.Channel.Sent, n => n.Receiver == "ops" && n.Alerts.Any(a => a.Status == status && a.Labels["alertname"] == rule.Name
            && a.Labels["category"] == "compliance"));
    }

    [Fact]
    public async Task OverdueRequests_OpenPastDue_CountedFiresAndResolvesWhenFulfilled()
    {
        await using var host = new ComplianceTestHost();
        using var alerts = AlertsOn(host);
        var rule = BuiltInRules.ComplianceOverdueRequests;
        var request = await host.Requests.ReceiveAsync(SubjectRequestKinds.Access, "alice", null, null);
        await host.Requests.ReceiveAsync(SubjectRequestKinds.Erasure, "bob", null, null);

        Assert.Equal(0, host.Violations.OverdueRequests());
        Assert.Null(await EvaluateAsync(alerts, rule));

        // GDPR: one calendar month (2026-11-27 -> 2026-12-27); a day later both are overdue.
        host.Time.Advance(request.DueAt - host.Time.GetUtcNow() + TimeSpan.FromDays(1));
        Assert.Equal(2, host.Violations.OverdueRequests());
        Assert.Equal(2, host.Violations.Snapshot().OverdueRequests);
        var instance = await EvaluateAsync(alerts, rule);
        Assert.Equal(AlertState.Firing, instance?.State);
        Assert.Equal(2, instance!.Value);
        await StepAsync(alerts, TimeSpan.FromSeconds(40));
        AssertNotified(alerts, rule, "firing");

        await host.Requests.RejectAsync(request.Id, "identity not verified", null, null);
        Assert.Equal(1, host.Violations.OverdueRequests());
        var open = host.Requests.Open().Single();
        await host.Requests.RejectAsync(open.Id, "duplicate", null, null);
        Assert.Equal(0, host.Violations.OverdueRequests());
        Assert.Equal(AlertState.Resolved, (await EvaluateAsync(alerts, rule))?.State);
    }

    [Fact]
    public async Task ChainFailures_AuditTampered_CountedAfterVerificationFiresCritical()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(3);
        await host.Consent.SetAsync("alice", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        Assert.Equal(0, await host.Violations.VerifyChainsAsync());
        Assert.Equal(0, host.Violations.ChainFailures);

        await host.CloseAsync();
        host.Tamper(db =>
        {
            var audit = db.GetCollection("audit");
            var doc = audit.FindById(1);
            doc["actor"] = "mallory";
            audit.Update(doc);
        });
        host.Open();
        using var alerts = AlertsOn(host);
        var rule = BuiltInRules.ComplianceChainFailures;

        Assert.Equal(0, host.Violations.ChainFailures); // not verified since the restart: no verdict yet
        Assert.Null(await EvaluateAsync(alerts, rule));

        Assert.Equal(1, await host.Violations.VerifyChainsAsync());
        Assert.Equal(1, host.Violations.ChainFailures);
        Assert.False(host.Audit.LastVerification!.Valid);
        var instance = await EvaluateAsync(alerts, rule);
        Assert.Equal(AlertState.Firing, instance?.State);
        Assert.Equal(AlertSeverity.Critical, instance!.Severity);
        await StepAsync(alerts, TimeSpan.FromSeconds(40));
        AssertNotified(alerts, rule, "firing");
    }

    [Fact]
    public async Task ChainFailures_ScheduledVerification_RunsAtStartOnTheHostedService()
    {
        await using var host = new ComplianceTestHost();
        await host.Consent.SetAsync("alice", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        await host.CloseAsync();
        host.Tamper(db =>
        {
            var audit = db.GetCollection("audit");
            var doc = audit.FindById(1);
            doc["action"] = "forged";
            audit.Update(doc);
        });
        host.Open();
        using var service = new ComplianceHostedService(host.Retention, host.Decisions, MsOptions.Create(host.Options), host.Time,
            NullLogger<ComplianceHostedService>.Instance, host.Violations);

        await service.StartAsync(CancellationToken.None);

        // The first verification is due at start; it runs on the timer's thread: wait for its verdict.
        Assert.True(SpinWait.SpinUntil(() => host.Violations.ChainFailures == 1, TimeSpan.FromSeconds(60)));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task RetentionOverdue_NoRunPastIntervalAndGrace_HoursLateFiresAndResolvesAfterARun()
    {
        await using var host = new ComplianceTestHost();
        await host.RecordAsync(1); // the audit trail starts now: the first run is due one interval later
        using var alerts = AlertsOn(host);
        var rule = BuiltInRules.ComplianceRetentionOverdue;

        host.Time.Advance(host.Options.PurgeInterval + host.Options.RetentionGrace); // due, within grace
        Assert.Equal(0, host.Violations.RetentionOverdueHours(host.Time.GetUtcNow()));
        Assert.Null(await EvaluateAsync(alerts, rule));

        host.Time.Advance(TimeSpan.FromHours(3));
        Assert.Equal(3, host.Violations.RetentionOverdueHours(host.Time.GetUtcNow()), 6);
        var instance = await EvaluateAsync(alerts, rule);
        Assert.Equal(AlertState.Firing, instance?.State);
        Assert.Equal(3, instance!.Value!.Value, 6);
        await StepAsync(alerts, TimeSpan.FromSeconds(40));
        AssertNotified(alerts, rule, "firing");

        var run = await host.Retention.PurgeAsync("admin", "Admin");
        Assert.Equal(run.RanAt, host.Violations.RetentionLastRun);
        Assert.Equal(0, host.Violations.RetentionOverdueHours(host.Time.GetUtcNow()));
        Assert.Equal(AlertState.Resolved, (await EvaluateAsync(alerts, rule))?.State);
    }

    [Fact]
    public async Task RetentionOverdue_RestartedMoreOftenThanTheInterval_LateFromTheLastRecordedRunAndRunsAtStart()
    {
        await using var host = new ComplianceTestHost();
        var run = await host.Retention.PurgeAsync("system", "System");

        // Restarts every 20 hours: a timer that always starts a full interval later would never fire.
        for (var i = 0; i < 3; i++)
        {
            host.Time.Advance(TimeSpan.FromHours(20));
            await host.RestartAsync();
        }

        Assert.Equal(run.RanAt, host.Violations.RetentionLastRun); // read back from the audit trail
        Assert.Equal(60 - 24 - 1, host.Violations.RetentionOverdueHours(host.Time.GetUtcNow()), 6);

        using var service = new ComplianceHostedService(host.Retention, host.Decisions, MsOptions.Create(host.Options), host.Time,
            NullLogger<ComplianceHostedService>.Instance, host.Violations);
        await service.StartAsync(CancellationToken.None);

        // Overdue at start: the first run is due now, not one interval later.
        Assert.True(SpinWait.SpinUntil(() => host.Retention.Last is not null, TimeSpan.FromSeconds(60)));
        await service.StopAsync(CancellationToken.None);
        Assert.Equal(0, host.Violations.RetentionOverdueHours(host.Time.GetUtcNow()));
    }

    [Fact]
    public async Task ConsentMissing_ExperimentTagsWithoutConsent_CountedInTheWindowFiresAndResolves()
    {
        await using var host = new ComplianceTestHost();
        using var alerts = AlertsOn(host);
        var rule = BuiltInRules.ComplianceConsentMissing;
        var now = host.Time.GetUtcNow();
        await host.Consent.SetAsync("refuses", analytics: true, experimentation: false, "api", "Ingestion", null, now);
        await host.Consent.SetAsync("no-analytics", analytics: false, experimentation: true, "api", "Ingestion", null, now);

        host.Collector.Record(host.Operation("consents", experimentKey: "prompt-v2", variant: "b")); // consent by default (opt-out)
        host.Collector.Record(host.Operation("no-analytics")); // user id stripped by design: not a violation
        host.Collector.Record(host.Operation("refuses")); // no experiment: nothing processed for it
        Assert.Equal(0, host.Violations.ConsentMissing.Total);
        Assert.Null(await EvaluateAsync(alerts, rule));

        host.Collector.Record(host.Operation("refuses", experimentKey: "prompt-v2", variant: "b"));
        host.Collector.Record(host.Operation("refuses", experimentKey: "prompt-v2", variant: "a"));
        Assert.Equal(2, host.Violations.ConsentMissing.Total);
        Assert.Equal(2, host.Violations.Value(ComplianceViolationKind.ConsentMissing, TimeSpan.FromHours(1), host.Time.GetUtcNow()));
        var instance = await EvaluateAsync(alerts, rule);
        Assert.Equal(AlertState.Firing, instance?.State);
        Assert.Equal(2, instance!.Value);
        await StepAsync(alerts, TimeSpan.FromSeconds(40));
        AssertNotified(alerts, rule, "firing");

        // Out of the rule's one-hour window: the count falls to 0, the instance resolves; the total stays for /metrics.
        host.Time.Advance(TimeSpan.FromMinutes(62));
        Assert.Equal(0, host.Violations.Value(ComplianceViolationKind.ConsentMissing, rule.Window, host.Time.GetUtcNow()));
        Assert.Equal(AlertState.Resolved, (await EvaluateAsync(alerts, rule))?.State);
        Assert.Equal(2, host.Violations.Snapshot().ConsentMissingTotal);
    }

    [Fact]
    public async Task ConsentMissing_RestrictedOrOptInWithoutRecord_Counted()
    {
        await using var host = new ComplianceTestHost(requireConsent: true);
        host.Collector.Record(host.Operation("never-asked", experimentKey: "e", variant: "a")); // opt-in: no record, no consent
        Assert.Equal(1, host.Violations.ConsentMissing.Total);

        await host.Consent.SetAsync("restricted", analytics: true, experimentation: true, "api", "Ingestion", null, host.Time.GetUtcNow());
        host.Consent.Restrict("restricted", "req-1", host.Time.GetUtcNow());
        host.Collector.Record(host.Operation("restricted", experimentKey: "e", variant: "a"));
        Assert.Equal(2, host.Violations.ConsentMissing.Total);
    }

    [Fact]
    public async Task ContentCaptured_ContentArrivesWhileCaptureOff_CountedFiresAndResolves()
    {
        await using var host = new ComplianceTestHost();
        using var alerts = AlertsOn(host);
        var rule = BuiltInRules.ComplianceContentCaptured;
        var store = new TraceStore(MsOptions.Create(new TraceOptions()), host.Time, host.Content);
        var trace = TraceTestData.TraceId(1);

        store.Add(TraceTestData.Span(trace, TraceTestData.SpanId(1), name: "chat gpt-4o",
            attributes: new() { ["gen_ai.request.model"] = "gpt-4o" })); // no content attribute
        Assert.Equal(0, host.Violations.ContentCaptured!.Total);
        Assert.Null(await EvaluateAsync(alerts, rule));

        store.Add(TraceTestData.Span(trace, TraceTestData.SpanId(2), name: "chat gpt-4o",
            attributes: new() { ["gen_ai.input.messages"] = "my card is 4111 1111 1111 1111", ["gen_ai.output.messages"] = "noted" }));
        Assert.Equal(2, host.Violations.ContentCaptured.Total);
        Assert.DoesNotContain(store.Get(trace)!.Spans, s => s.Span.Attributes.Values.Any(v => v.Contains("4111", StringComparison.Ordinal))); // withheld, not stored
        var instance = await EvaluateAsync(alerts, rule);
        Assert.Equal(AlertState.Firing, instance?.State);
        Assert.Equal(2, instance!.Value);
        await StepAsync(alerts, TimeSpan.FromSeconds(40));
        AssertNotified(alerts, rule, "firing");

        host.Time.Advance(TimeSpan.FromMinutes(62));
        Assert.Equal(AlertState.Resolved, (await EvaluateAsync(alerts, rule))?.State);
    }

    [Fact]
    public async Task ContentCaptured_CaptureOn_NotCounted()
    {
        await using var host = new ComplianceTestHost();
        var capturing = new ContentCapturePolicy(MsOptions.Create(new PrivacyOptions { CaptureContent = true }), new NoRedactors(), host.Time);
        var store = new TraceStore(MsOptions.Create(new TraceOptions()), host.Time, capturing);

        store.Add(TraceTestData.Span(TraceTestData.TraceId(1), TraceTestData.SpanId(1), attributes: new() { ["gen_ai.input.messages"] = "hello" }));

        Assert.Equal(0, capturing.Withheld.Total);
    }

    [Fact]
    public void WindowedCounter_EventsAcrossMinutes_CountsOnlyTheWindowAndForgetsPastTheHorizon()
    {
        var time = new FakeTimeProvider(ComplianceTestHost.Start);
        var counter = new WindowedCounter(time);
        counter.Add();
        time.Advance(TimeSpan.FromMinutes(30));
        counter.Add();
        counter.Add();

        Assert.Equal(3, counter.CountSince(TimeSpan.FromHours(1)));
        Assert.Equal(2, counter.CountSince(TimeSpan.FromMinutes(10)));

        time.Advance(WindowedCounter.Horizon); // every slot is reused for a newer minute or out of range
        counter.Add();
        Assert.Equal(1, counter.CountSince(WindowedCounter.Horizon));
        Assert.Equal(4, counter.Total);
    }

    [Fact]
    public void BuiltInRules_Compliance_OnePerViolationValidAndNotTrendable()
    {
        var rules = BuiltInRules.All.Where(r => AlertMetricReader.IsCompliance(r.Metric)).ToList();

        Assert.Equal(Enum.GetValues<ComplianceViolationKind>().Length, rules.Count);
        Assert.Equal(rules.Count, rules.Select(r => r.Metric).Distinct().Count());
        Assert.All(rules, r => Assert.Null(AlertMetricReader.SourceOf(r).Error));
        Assert.All(rules, r => Assert.False(AlertMetricReader.CanTrend(r.Metric)));
        Assert.NotNull(AlertMetricReader.SourceOf(rules[0] with { GroupBy = ["model"] }).Error);
        Assert.All(rules, r => Assert.True(AlertWire.TryParseMetric(AlertWire.Name(r.Metric), out var m) && m == r.Metric));
    }

    private sealed class NoRedactors : IRedactorProvider
    {
        public Redactor GetRedactor(DataClassificationSet classifications) => NullRedactor.Instance;
    }
}
