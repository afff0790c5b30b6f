using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Operations;
using Microsoft.Extensions.Logging;

namespace Conciergus.Core.Compliance;

/// <summary>What one retention run did.</summary>
/// <param name="RanAt">When (UTC).</param>
/// <param name="Policy">The policy applied.</param>
/// <param name="AuditDeleted">Audit entries deleted from the start of the chain.</param>
/// <param name="AuditRedacted">Audit entries reduced to hashes (tombstones).</param>
/// <param name="DecisionsDeleted">Decision records deleted from the start of their chain.</param>
/// <param name="RequestsDeleted">Completed data-subject requests deleted.</param>
/// <param name="AuditSequence">The audit entry recording the run.</param>
public sealed record CompliancePurgeResult(DateTimeOffset RanAt, RetentionPolicy Policy, long AuditDeleted, long AuditRedacted, long DecisionsDeleted, long RequestsDeleted, long AuditSequence)
{
    /// <summary>What the run anonymised, per configured data class.</summary>
    public IReadOnlyList<AnonymisationRun> Anonymised { get; init; } = [];
}

/// <summary>One data class's delayed anonymisation in a retention run.</summary>
/// <param name="DataClass">The data class ("operations").</param>
/// <param name="Mode">pseudonym or remove.</param>
/// <param name="Before">Records that started before this had their identifiers anonymised.</param>
/// <param name="Records">Records changed by this run.</param>
public sealed record AnonymisationRun(string DataClass, string Mode, DateTimeOffset Before, long Records);

/// <summary>
/// Enforces the retention policy: the audit trail's own purge (which follows the policy through
/// <see cref="IAuditRetentionSource"/> and records an "audit.retention_purge" entry with its anchor), the decision
/// chain's prefix purge (signed anchor), and completed data-subject requests. Each run is audited as
/// "compliance.retention_purge" with what it removed and the cutoffs, also when nothing was due.
/// </summary>
public sealed partial class ComplianceRetention(
    AuditLog audit, DecisionLog decisions, SubjectRequestWorkflow requests, RetentionPolicyStore policies, TimeProvider timeProvider,
    ILogger<ComplianceRetention> logger, OperationRetention? operations = null, RetentionArchive? archive = null,
    IOperationStore? operationStore = null, AuditKey? key = null, Microsoft.Extensions.Options.IOptions<ComplianceOptions>? options = null) : IDisposable
{
    private const string AnonymisePurpose = "conciergus-anonymise-v1";

    /// <summary>Audit action of a run.</summary>
    public const string PurgeAction = "compliance.retention_purge";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private CompliancePurgeResult? _last;

    /// <summary>The last run since start, if any.</summary>
    public CompliancePurgeResult? Last => Volatile.Read(ref _last);

    /// <summary>Runs retention now for every persisted data class; one run at a time.</summary>
    public async Task<CompliancePurgeResult> PurgeAsync(string actor, string role, string? sourceIp = null, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var policy = policies.Current;
            var now = timeProvider.GetUtcNow().ToUniversalTime();
            var auditResult = await audit.PurgeExpiredAsync().ConfigureAwait(false);
            var decisionCutoff = now - policy.For(DataClasses.Decisions);
            var decisionResult = decisions.PurgeBefore(decisionCutoff, archive);
            var requestCutoff = now - policy.For(DataClasses.SubjectRequests);
            var requestsDeleted = requests.PurgeCompletedBefore(requestCutoff);
            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["framework"] = policy.Framework,
                ["audit.deleted"] = Num(auditResult.Deleted),
                ["audit.redacted"] = Num(auditResult.Redacted),
                ["audit.firstSequence"] = Num(auditResult.FirstSequence),
                ["audit.cutoff"] = AuditCanonical.FormatTimestamp(now - policy.For(DataClasses.Audit)),
                ["decisions.deleted"] = Num(decisionResult?.Deleted ?? 0),
                ["decisions.cutoff"] = AuditCanonical.FormatTimestamp(decisionCutoff),
                ["subjectRequests.deleted"] = Num(requestsDeleted),
                ["subjectRequests.cutoff"] = AuditCanonical.FormatTimestamp(requestCutoff),
            };
            // The "operations" class: the operation store's retention run (it audits its own deletions and archives).
            if (operations is not null)
            {
                var run = await operations.RunAsync(actor, role, cancellationToken).ConfigureAwait(false);
                details["operations.deleted"] = Num(run.Operations);
                details["operations.spansDeleted"] = Num(run.Spans);
                details["operations.cutoff"] = AuditCanonical.FormatTimestamp(run.Cutoff);
            }

            // Delayed anonymisation (after retention: what is deleted needs no anonymising).
            var anonymised = new List<AnonymisationRun>();
            if (operationStore is not null && options?.Value.Anonymise is { Count: > 0 } rules
                && rules.TryGetValue(DataClasses.Operations, out var rule) && operationStore.Status.State == OperationStoreState.Healthy)
            {
                var before = now - rule.After;
                Func<string, string>? pseudonym = rule.Mode == AnonymisationRule.Remove || key is null
                    ? null
                    : id => IOperationStore.AnonymisedPrefix + key.Sign(AnonymisePurpose, id)[..16];
                var changed = await operationStore.AnonymiseBeforeAsync(before, pseudonym, cancellationToken).ConfigureAwait(false);
                var mode = pseudonym is null ? AnonymisationRule.Remove : AnonymisationRule.Pseudonym;
                anonymised.Add(new AnonymisationRun(DataClasses.Operations, mode, before, changed));
                details["operations.anonymised"] = Num(changed);
                details["operations.anonymisedBefore"] = AuditCanonical.FormatTimestamp(before);
                details["operations.anonymiseMode"] = mode;
            }

            if (decisionResult is not null)
            {
                details["decisions.firstSequence"] = Num(decisionResult.FirstSequence);
                details["decisions.anchorHash"] = decisionResult.AnchorHash;
                if (decisionResult.Archive is { } archived)
                {
                    details["decisions.archive"] = Path.GetFileName(archived.Path);
                    details["decisions.archiveSha256"] = archived.Sha256;
                }
            }

            var entry = await audit.AppendAsync(new AuditEvent { Actor = actor, Role = role, Action = PurgeAction, Details = details, SourceIp = sourceIp }, CancellationToken.None)
                .ConfigureAwait(false);
            var result = new CompliancePurgeResult(now, policy, auditResult.Deleted, auditResult.Redacted, decisionResult?.Deleted ?? 0, requestsDeleted, entry.Sequence)
            {
                Anonymised = anonymised,
            };
            Volatile.Write(ref _last, result);
            LogPurged(result.AuditDeleted, result.AuditRedacted, result.DecisionsDeleted, result.RequestsDeleted);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention: {AuditDeleted} audit entries deleted, {AuditRedacted} reduced to hashes, {Decisions} decision records and {Requests} completed requests deleted")]
    private partial void LogPurged(long auditDeleted, long auditRedacted, long decisions, long requests);
}
