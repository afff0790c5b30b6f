namespace Conciergus.Core.Audit;

/// <summary>
/// The tamper-evident audit trail (DESIGN.md section 9). Every operator and system action that matters goes
/// through <see cref="AppendAsync"/>; the entry is durable in LiteDB when the returned task completes.
/// </summary>
public interface IAuditLog
{
    /// <summary>Appends one entry to the hash chain and persists it before completing.</summary>
    ValueTask<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="write"/> (a change to the database the log lives in) and appends the entry that records it,
    /// so that both commit together or neither does (issue 15 item 11); a failure of either fails the task and keeps
    /// neither. <see cref="AuditLog"/> runs both in one LiteDB transaction. This default, for logs that share no
    /// transaction with the change, runs the write and then appends (not atomic).
    /// </summary>
    ValueTask<AuditEntry> AppendWithAsync(AuditEvent auditEvent, Action write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        write();
        return AppendAsync(auditEvent, cancellationToken);
    }
}

/// <summary>What happened, as the caller describes it (the log adds sequence, time and hashes).</summary>
public sealed record AuditEvent
{
    /// <summary>Who did it: a user name, "api-key:&lt;id&gt;" or "system". Pseudonymous where possible.</summary>
    public required string Actor { get; init; }

    /// <summary>The actor's role (Viewer, Operator, Admin, System).</summary>
    public string Role { get; init; } = "System";

    /// <summary>What was done, dotted lower case: "auth.login", "auth.login_failed", "alert.acknowledge", "experiment.start", ...</summary>
    public required string Action { get; init; }

    /// <summary>What it was done to (alert instance id, experiment key, user name, ...).</summary>
    public string? Target { get; init; }

    /// <summary>Small structured details (no personal data: use pseudonymous ids).</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    /// <summary>Source IP of the request, when there was one.</summary>
    public string? SourceIp { get; init; }
}

/// <summary>One persisted audit entry.</summary>
public sealed record AuditEntry
{
    /// <summary>Position in the chain, from 1, gapless.</summary>
    public required long Sequence { get; init; }

    /// <summary>UTC time the entry was appended.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Who.</summary>
    public required string Actor { get; init; }

    /// <summary>Role.</summary>
    public required string Role { get; init; }

    /// <summary>Action.</summary>
    public required string Action { get; init; }

    /// <summary>Target.</summary>
    public string? Target { get; init; }

    /// <summary>Details.</summary>
    public IReadOnlyDictionary<string, string>? Details { get; init; }

    /// <summary>Source IP.</summary>
    public string? SourceIp { get; init; }

    /// <summary>Hash of the previous entry (hex), or the anchor's value for the first kept entry.</summary>
    public required string PreviousHash { get; init; }

    /// <summary>SHA-256 (hex) over the canonical serialization of this entry including <see cref="PreviousHash"/>.</summary>
    public required string Hash { get; init; }

    /// <summary>SHA-256 (hex) of the canonical body (actor, role, target, source IP, details); see Audit/README.md.</summary>
    public string? BodyHash { get; init; }

    /// <summary>True when retention removed the body (actor, role, target, details, source IP) of this expired entry; its hashes still link the chain.</summary>
    public bool ContentPurged { get; init; }
}

/// <summary>
/// A store that holds data about end users (identified by the user id the apps send). Every such store
/// registers one, so data-subject export (GDPR Art. 15/20) and erasure (Art. 17) reach all of them.
/// </summary>
public interface ISubjectDataStore
{
    /// <summary>Short name of the store, used as the key in the export ("operations", "userCosts", "traces", ...).</summary>
    string Name { get; }

    /// <summary>Everything this store holds about the user, as JSON-serialisable objects.</summary>
    ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>Erases or irreversibly pseudonymises everything held about the user; returns how many items changed.</summary>
    ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default);

    /// <summary>What <see cref="EraseAsync"/> counts, in words ("traces removed", "error samples dropped"); shown in the erasure result.</summary>
    string ErasedUnit => "items erased";
}
