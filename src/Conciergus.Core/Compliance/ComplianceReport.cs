using Conciergus.Core.Audit;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Whether a control is in place.</summary>
public enum ControlStatus
{
    /// <summary>In place and verified.</summary>
    InPlace = 0,

    /// <summary>In place but needs attention (overdue requests, drops, ...).</summary>
    Attention = 1,

    /// <summary>Not in place.</summary>
    Missing = 2,
}

/// <summary>One control of the report.</summary>
/// <param name="Name">Control.</param>
/// <param name="Status">Whether it is in place.</param>
/// <param name="Evidence">What shows it, in words.</param>
/// <param name="Frameworks">Frameworks the control supports, with the provision.</param>
public sealed record ComplianceControl(string Name, ControlStatus Status, string Evidence, IReadOnlyList<string> Frameworks);

/// <summary>One obligation of a framework, with the state of the control that meets it.</summary>
/// <param name="Framework">GDPR, CCPA, HIPAA, SOX or EU AI Act.</param>
/// <param name="Provision">The provision, as cited by the control.</param>
/// <param name="Control">The control that meets it.</param>
/// <param name="Status">The control's status.</param>
public sealed record FrameworkObligation(string Framework, string Provision, string Control, ControlStatus Status);

/// <summary>A compliance report: the state of every control at <see cref="GeneratedAt"/>.</summary>
public sealed record ComplianceReport
{
    /// <summary>When it was built (UTC).</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>The retention policy in force.</summary>
    public required RetentionPolicy Retention { get; init; }

    /// <summary>The framework preset of the policy.</summary>
    public required RetentionPreset Preset { get; init; }

    /// <summary>Audit chain verification.</summary>
    public required AuditVerification Audit { get; init; }

    /// <summary>When the audit chain was verified.</summary>
    public required DateTimeOffset AuditVerifiedAt { get; init; }

    /// <summary>Decision chain verification.</summary>
    public required DecisionVerification Decisions { get; init; }

    /// <summary>Decision writer counters.</summary>
    public required DecisionLogStats DecisionStats { get; init; }

    /// <summary>The last retention run since start.</summary>
    public CompliancePurgeResult? LastPurge { get; init; }

    /// <summary>How often retention runs.</summary>
    public required TimeSpan PurgeInterval { get; init; }

    /// <summary>Opt-in (true) or opt-out consent.</summary>
    public required bool RequireConsent { get; init; }

    /// <summary>Users with a stored consent state, and how many refuse each purpose.</summary>
    public required (int Users, int AnalyticsRefused, int ExperimentationRefused) Consent { get; init; }

    /// <summary>Open data-subject requests, soonest due first.</summary>
    public required IReadOnlyList<SubjectRequest> OpenRequests { get; init; }

    /// <summary>Requests completed (kept under retention).</summary>
    public required int CompletedRequests { get; init; }

    /// <summary>The controls, in display order.</summary>
    public required IReadOnlyList<ComplianceControl> Controls { get; init; }

    /// <summary>Each framework's obligations (from the provisions the controls cite), framework by framework.</summary>
    public IReadOnlyList<FrameworkObligation> Obligations { get; init; } = [];

    /// <summary>The violations being watched (and alerted on) now; null when not registered.</summary>
    public ComplianceViolationSnapshot? Violations { get; init; }
}

/// <summary>Builds the report from live state: verifies both chains now, reads the policy, consent and requests.</summary>
public sealed class ComplianceReportBuilder(
    AuditLog audit, DecisionLog decisions, RetentionPolicyStore policies, ComplianceRetention retention, ConsentStore consent,
    SubjectRequestWorkflow requests, IOptions<ComplianceOptions> options, TimeProvider timeProvider, ComplianceViolations? violations = null)
{
    /// <summary>The frameworks whose obligations the report lists, by the prefix their provisions are cited with.</summary>
    public static IReadOnlyList<string> Frameworks { get; } = ["GDPR", "CCPA", "HIPAA", "SOX", "EU AI Act"];

    /// <summary>Verifies the chains and assembles the report.</summary>
    public async Task<ComplianceReport> BuildAsync(CancellationToken cancellationToken = default)
    {
        var auditVerification = await audit.VerifyAsync(cancellationToken).ConfigureAwait(false);
        var auditAt = timeProvider.GetUtcNow();
        var decisionVerification = await decisions.VerifyAsync(cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow();
        var policy = policies.Current;
        var preset = RetentionPresets.Find(policy.Framework) ?? RetentionPresets.All[0];
        var all = requests.List();
        var open = all.Where(r => !SubjectRequestStatuses.IsClosed(r.Status)).ToList();
        var stats = decisions.Stats;
        var consentSummary = consent.Summary();
        var last = retention.Last;
        var interval = options.Value.PurgeInterval;

        var controls = new List<ComplianceControl>
        {
            new("Tamper-evident audit trail",
                auditVerification.Valid ? ControlStatus.InPlace : ControlStatus.Missing,
                auditVerification.Valid
                    ? $"Hash chain of {auditVerification.Entries} entries verified at {Time(auditAt)} (history from entry {auditVerification.FirstSequence}, signed checkpoint at {auditVerification.CheckpointSequence?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none yet"})."
                    : $"Verification at {Time(auditAt)} FAILED: {auditVerification.Reason}",
                ["SOX § 404 (IT general controls)", "HIPAA 164.312(b) audit controls", "GDPR Art. 5(2) accountability", "EU AI Act Art. 12"]),
            new("AI decision records",
                !stats.Enabled ? ControlStatus.Missing : !decisionVerification.Valid ? ControlStatus.Missing : stats.Dropped > 0 || stats.Failed > 0 ? ControlStatus.Attention : ControlStatus.InPlace,
                !stats.Enabled
                    ? "Off (Conciergus:Compliance:RecordAiDecisions is false)."
                    : decisionVerification.Valid
                        ? $"On. {decisionVerification.Records} records verified at {Time(decisionVerification.VerifiedAt)}; {stats.Dropped} dropped under overload, {stats.Failed} failed since start."
                        : $"On, but verification at {Time(decisionVerification.VerifiedAt)} FAILED: {decisionVerification.Reason}",
                ["EU AI Act Art. 12 and 19 (record-keeping)", "GDPR Art. 22 (automated decisions: what ran)"]),
            new("Retention enforced",
                last is null ? ControlStatus.Attention : ControlStatus.InPlace,
                $"{preset.Title} policy: " + string.Join(", ", DataClasses.All.Select(c => $"{c} {policy.Days[c]} days"))
                    + $". Purge runs every {interval.TotalHours:0.#} h; "
                    + (last is null ? "no run since start yet." : $"last run {Time(last.RanAt)} (audit entry {last.AuditSequence}): {last.AuditDeleted} audit entries deleted, {last.AuditRedacted} reduced to hashes, {last.DecisionsDeleted} decision records, {last.RequestsDeleted} requests."),
                ["GDPR Art. 5(1)(e) storage limitation", "CCPA § 1798.100(a)(3)", "HIPAA 164.316(b)(2)", "SOX § 802", "EU AI Act Art. 19"]),
            new("Consent enforced",
                ControlStatus.InPlace,
                $"{(options.Value.RequireConsent ? "Opt-in" : "Opt-out")}: {consentSummary.Users} users with a consent state; {consentSummary.AnalyticsRefused} refuse analytics (aggregated without user id), {consentSummary.ExperimentationRefused} refuse experimentation (served control, not counted).",
                ["GDPR Art. 6(1)(a) and 7", "CCPA § 1798.120 (opt-out)"]),
            new("Data-subject requests",
                open.Any(r => r.IsOverdue(now)) ? ControlStatus.Attention : ControlStatus.InPlace,
                open.Count == 0
                    ? $"No open requests; {all.Count - open.Count} completed with evidence."
                    : $"{open.Count} open ({open.Count(r => r.IsOverdue(now))} overdue), next due {Time(open[0].DueAt)}; {all.Count - open.Count} completed with evidence.",
                ["GDPR Art. 12(3), 15, 16, 17, 18, 20, 21", "CCPA § 1798.105, 1798.106, 1798.120, 1798.130"]),
            Anonymisation(last),
        };
        var snapshot = violations?.Snapshot();
        if (snapshot is not null)
        {
            var found = new List<string>();
            AddIf(found, snapshot.OverdueRequests, "overdue data-subject requests");
            AddIf(found, snapshot.ChainFailures, "chains failing verification");
            if (snapshot.RetentionOverdueHours > 0)
            {
                found.Add($"retention {snapshot.RetentionOverdueHours:0.#} h late");
            }

            AddIf(found, violations!.ConsentMissing.CountSince(TimeSpan.FromDays(1)), "operations processed without consent in the last 24 h");
            AddIf(found, violations.ContentCaptured?.CountSince(TimeSpan.FromDays(1)) ?? 0, "content texts received while capture is off in the last 24 h");
            controls.Add(new ComplianceControl("Violations detected and alerted",
                found.Count == 0 ? ControlStatus.InPlace : ControlStatus.Attention,
                (found.Count == 0 ? "No violation now. " : "Now: " + string.Join("; ", found) + ". ")
                    + "Watched as /metrics families conciergus_compliance_* and five built-in alert rules (category=compliance) notifying the configured receivers; chains verified every "
                    + $"{options.Value.VerifyInterval.TotalHours:0.#} h.",
                ["GDPR Art. 5(2) accountability, 33 (breach awareness)", "HIPAA 164.308(a)(1)(ii)(D) information system activity review", "SOX § 404 (monitoring)"]));
        }

        var obligations = Frameworks.SelectMany(f => controls.SelectMany(c => c.Frameworks
                .Where(p => p.StartsWith(f, StringComparison.Ordinal))
                .Select(p => new FrameworkObligation(f, p[f.Length..].Trim(), c.Name, c.Status))))
            .ToList();

        return new ComplianceReport
        {
            Obligations = obligations,
            Violations = snapshot,
            GeneratedAt = now,
            Retention = policy,
            Preset = preset,
            Audit = auditVerification,
            AuditVerifiedAt = auditAt,
            Decisions = decisionVerification,
            DecisionStats = stats,
            LastPurge = last,
            PurgeInterval = interval,
            RequireConsent = options.Value.RequireConsent,
            Consent = consentSummary,
            OpenRequests = open,
            CompletedRequests = all.Count - open.Count,
            Controls = controls,
        };
    }

    private ComplianceControl Anonymisation(CompliancePurgeResult? last)
    {
        var rules = options.Value.Anonymise;
        var ran = last?.Anonymised ?? [];
        var evidence = rules.Count == 0
            ? "Not configured: identifiers are kept until retention deletes the records (Conciergus:Compliance:Anonymise)."
            : string.Join(" ", rules.Select(r => $"{r.Key}: user and session ids after {r.Value.After.TotalDays:0.#} days, {(r.Value.Mode == AnonymisationRule.Remove ? "removed" : "replaced by a keyed pseudonym")}."))
                + (ran.Count == 0
                    ? " Not run since start yet."
                    : " Last run " + string.Join("; ", ran.Select(a => $"{Time(last!.RanAt)}: {a.Records} {a.DataClass} records that started before {Time(a.Before)} anonymised ({a.Mode})")) + ".");
        return new ComplianceControl("Delayed anonymisation", ControlStatus.InPlace, evidence,
            ["GDPR Art. 5(1)(c) data minimisation, 5(1)(e) storage limitation, 25 (by design and by default), 89(1) pseudonymisation"]);
    }

    private static void AddIf(List<string> found, long count, string what)
    {
        if (count > 0)
        {
            found.Add($"{count} {what}");
        }
    }

    internal static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
