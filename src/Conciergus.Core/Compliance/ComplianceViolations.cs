using Conciergus.Core.Audit;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>The compliance violations the dashboard detects (issue 19 item 6), each a /metrics family and a built-in alert rule.</summary>
public enum ComplianceViolationKind
{
    /// <summary>Open data-subject requests past their due date (a gauge).</summary>
    OverdueRequests,

    /// <summary>Chains (audit trail, decision records) whose last verification failed (a gauge, 0 to 2).</summary>
    ChainFailures,

    /// <summary>Hours the retention run is late beyond its interval and grace (a gauge, 0 when on time).</summary>
    RetentionOverdue,

    /// <summary>Operations processed for a purpose the user did not consent to (events in the window).</summary>
    ConsentMissing,

    /// <summary>Prompt or response text that arrived while content capture is off (events in the window).</summary>
    ContentCaptured,
}

/// <summary>The value of every violation at one instant.</summary>
/// <param name="At">When it was read.</param>
/// <param name="OverdueRequests">Open requests past due.</param>
/// <param name="ChainFailures">Chains whose last verification failed.</param>
/// <param name="RetentionLastRun">The last retention run (from the audit trail across restarts), or when the watch started.</param>
/// <param name="RetentionOverdueHours">Hours late beyond interval + grace (0 when on time).</param>
/// <param name="ConsentMissingTotal">Operations processed without consent since start.</param>
/// <param name="ContentCapturedTotal">Content values withheld because capture is off, since start.</param>
public sealed record ComplianceViolationSnapshot(
    DateTimeOffset At, int OverdueRequests, int ChainFailures, DateTimeOffset RetentionLastRun, double RetentionOverdueHours,
    long ConsentMissingTotal, long ContentCapturedTotal);

/// <summary>
/// Reads the compliance violations from the features that hold them: the request workflow (overdue), the last
/// verification of both chains (<see cref="AuditLog.LastVerification"/>, <see cref="DecisionLog.LastVerification"/>,
/// refreshed by <see cref="VerifyChainsAsync"/> every <see cref="ComplianceOptions.VerifyInterval"/>), the retention
/// runs (the last <c>compliance.retention_purge</c> entry survives restarts, so an app restarted more often than the
/// interval shows as late), consent and the content-capture policy (events per minute, <see cref="WindowedCounter"/>).
/// </summary>
public sealed class ComplianceViolations
{
    private readonly AuditLog _audit;
    private readonly DecisionLog _decisions;
    private readonly SubjectRequestWorkflow _requests;
    private readonly ComplianceRetention _retention;
    private readonly ConsentStore _consent;
    private readonly ContentCapturePolicy? _content;
    private readonly ComplianceOptions _options;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _retentionBaseline;

    /// <summary>Reads the last retention run recorded in the audit trail (or, before any, the trail's first entry or now).</summary>
    public ComplianceViolations(AuditLog audit, DecisionLog decisions, SubjectRequestWorkflow requests, ComplianceRetention retention, ConsentStore consent,
        IOptions<ComplianceOptions> options, TimeProvider timeProvider, ContentCapturePolicy? content = null)
    {
        ArgumentNullException.ThrowIfNull(audit);
        ArgumentNullException.ThrowIfNull(options);
        _audit = audit;
        _decisions = decisions;
        _requests = requests;
        _retention = retention;
        _consent = consent;
        _content = content;
        _options = options.Value;
        _time = timeProvider;
        _retentionBaseline = RetentionBaseline(audit, timeProvider.GetUtcNow());
    }

    /// <summary>The last retention run: this process's, else the newest <c>compliance.retention_purge</c> entry, else the first audit entry (or the start).</summary>
    public DateTimeOffset RetentionLastRun => _retention.Last is { } last && last.RanAt > _retentionBaseline ? last.RanAt : _retentionBaseline;

    /// <summary>When the next retention run is due.</summary>
    public DateTimeOffset RetentionDueAt => RetentionLastRun + _options.PurgeInterval;

    /// <summary>Operations processed without consent (events per minute).</summary>
    public WindowedCounter ConsentMissing => _consent.ProcessedWithoutConsent;

    /// <summary>Content withheld because capture is off (null when no capture policy is registered).</summary>
    public WindowedCounter? ContentCaptured => _content?.Withheld;

    /// <summary>Verifies both chains now; the results become <see cref="ComplianceViolationKind.ChainFailures"/>.</summary>
    public async Task<int> VerifyChainsAsync(CancellationToken cancellationToken = default)
    {
        var audit = await _audit.VerifyAsync(cancellationToken).ConfigureAwait(false);
        var decisions = await _decisions.VerifyAsync(cancellationToken).ConfigureAwait(false);
        return (audit.Valid ? 0 : 1) + (decisions.Valid ? 0 : 1);
    }

    /// <summary>Chains whose last verification failed (0 before the first verification).</summary>
    public int ChainFailures => (_audit.LastVerification is { Valid: false } ? 1 : 0) + (_decisions.LastVerification is { Valid: false } ? 1 : 0);

    /// <summary>Open data-subject requests past their due date now.</summary>
    public int OverdueRequests()
    {
        var now = _time.GetUtcNow();
        return _requests.Open().Count(r => r.IsOverdue(now));
    }

    /// <summary>Hours the retention run is late at <paramref name="now"/> beyond its interval and <see cref="ComplianceOptions.RetentionGrace"/>.</summary>
    public double RetentionOverdueHours(DateTimeOffset now) => Math.Max(0, (now - (RetentionDueAt + _options.RetentionGrace)).TotalHours);

    /// <summary>
    /// One violation's value at <paramref name="at"/>: gauges as they are now, events (consent, content) over
    /// [at - window, at]. Null when the feature it reads is not there (content capture policy not registered).
    /// </summary>
    public double? Value(ComplianceViolationKind kind, TimeSpan window, DateTimeOffset at) => kind switch
    {
        ComplianceViolationKind.OverdueRequests => OverdueRequests(),
        ComplianceViolationKind.ChainFailures => ChainFailures,
        ComplianceViolationKind.RetentionOverdue => RetentionOverdueHours(at),
        ComplianceViolationKind.ConsentMissing => ConsentMissing.CountBetween(at - window, at),
        ComplianceViolationKind.ContentCaptured => ContentCaptured?.CountBetween(at - window, at),
        _ => null,
    };

    /// <summary>Every violation now (for /metrics and the report).</summary>
    public ComplianceViolationSnapshot Snapshot()
    {
        var now = _time.GetUtcNow();
        return new ComplianceViolationSnapshot(now, OverdueRequests(), ChainFailures, RetentionLastRun, RetentionOverdueHours(now),
            ConsentMissing.Total, ContentCaptured?.Total ?? 0);
    }

    private static DateTimeOffset RetentionBaseline(AuditLog audit, DateTimeOffset now)
    {
        if (audit.Query(new AuditQuery { Action = ComplianceRetention.PurgeAction, Limit = 1 }).Entries is [var lastRun])
        {
            return lastRun.Timestamp;
        }

        // Never ran: count from the oldest kept entry (a trail older than the interval with no run is late), else from now.
        return audit.ReadAfter(0, 1) is [var first] && first.Timestamp < now ? first.Timestamp : now;
    }
}
