using System.Globalization;
using System.Security.Claims;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using LiteDB;

namespace Conciergus.Core.Compliance;

/// <summary>Kinds of data-subject request.</summary>
public static class SubjectRequestKinds
{
    /// <summary>Access / portability (GDPR Art. 15 and 20).</summary>
    public const string Export = "export";

    /// <summary>Erasure (GDPR Art. 17).</summary>
    public const string Erasure = "erasure";
}

/// <summary>Where a request stands.</summary>
public static class SubjectRequestStatuses
{
    /// <summary>Logged, not yet fulfilled.</summary>
    public const string Received = "received";

    /// <summary>Fulfilled, with evidence.</summary>
    public const string Completed = "completed";
}

/// <summary>One tracked data-subject request (no user id: the subject is its pseudonym).</summary>
public sealed record SubjectRequest
{
    /// <summary>Id ("dsr-" + 12 hex).</summary>
    public required string Id { get; init; }

    /// <summary><see cref="SubjectRequestKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The subject's pseudonym ("subject:..." as in the audit trail).</summary>
    public required string Subject { get; init; }

    /// <summary>When it was received (UTC).</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>Due one calendar month after receipt (GDPR Art. 12(3)).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary><see cref="SubjectRequestStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>When it was completed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Evidence: "sha256:..." of the export file, or the erasure report (items per store and the audit entry).</summary>
    public string? Evidence { get; init; }

    /// <summary>Who logged or fulfilled it.</summary>
    public required string Actor { get; init; }

    /// <summary>Overdue at <paramref name="now"/>: open past its due date.</summary>
    public bool IsOverdue(DateTimeOffset now) => Status != SubjectRequestStatuses.Completed && now > DueAt;
}

/// <summary>
/// The data-subject request workflow (LiteDB collection "subject_requests"): received, due in one month, completed
/// with evidence. An export or erasure completes the oldest open request of its kind for the same subject, or logs
/// one received and completed at once. Every step is audited ("subject.request_received", "subject.request_completed")
/// with the request id as target: the subject's pseudonym is in the request, and the export/erasure entry itself.
/// </summary>
public sealed class SubjectRequestWorkflow(ConciergusDatabase database, AuditRecorder recorder, SubjectPseudonymizer pseudonymizer, TimeProvider timeProvider)
{
    /// <summary>Audit action when a request is logged.</summary>
    public const string ReceivedAction = "subject.request_received";

    /// <summary>Audit action when a request is completed.</summary>
    public const string CompletedAction = "subject.request_completed";

    private readonly Lock _gate = new();

    private ILiteCollection<BsonDocument> Requests => database.Database.GetCollection("subject_requests");

    /// <summary>Logs a request received now (e.g. by email), due in one month.</summary>
    public async Task<SubjectRequest> ReceiveAsync(string kind, string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        if (kind is not (SubjectRequestKinds.Export or SubjectRequestKinds.Erasure))
        {
            throw new ArgumentException($"kind must be '{SubjectRequestKinds.Export}' or '{SubjectRequestKinds.Erasure}'.", nameof(kind));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var request = New(kind, pseudonymizer.Pseudonym(userId), actor, timeProvider.GetUtcNow().ToUniversalTime());
        Requests.Insert(ToDocument(request));
        await recorder.RecordAsync(actor, ReceivedAction, request.Id,
            new Dictionary<string, string> { ["kind"] = kind, ["due"] = Format(request.DueAt) }, sourceIp, cancellationToken).ConfigureAwait(false);
        return request;
    }

    /// <summary>Records that a subject's data was exported: evidence is the SHA-256 of the file handed out.</summary>
    public Task<SubjectRequest> CompleteExportAsync(string userId, byte[] file, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file));
        return CompleteAsync(SubjectRequestKinds.Export, userId, digest + $" ({file.Length} bytes)", actor, sourceIp, cancellationToken);
    }

    /// <summary>Records that a subject's data was erased: evidence is the erasure report.</summary>
    public Task<SubjectRequest> CompleteErasureAsync(string userId, SubjectErasure erasure, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        var report = string.Join(", ", erasure.Stores.Select(p => $"{p.Key}={p.Value}")) + $"; total {erasure.Total}; audit entry {erasure.Entry.Sequence}";
        return CompleteAsync(SubjectRequestKinds.Erasure, userId, report, actor, sourceIp, cancellationToken);
    }

    /// <summary>Every request, open ones first (by due date), then completed ones newest first.</summary>
    public IReadOnlyList<SubjectRequest> List()
    {
        var all = Requests.FindAll().Select(FromDocument).ToList();
        return [.. all.Where(r => r.Status != SubjectRequestStatuses.Completed).OrderBy(r => r.DueAt),
            .. all.Where(r => r.Status == SubjectRequestStatuses.Completed).OrderByDescending(r => r.CompletedAt)];
    }

    /// <summary>Open requests, soonest due first.</summary>
    public IReadOnlyList<SubjectRequest> Open() => [.. List().Where(r => r.Status != SubjectRequestStatuses.Completed)];

    /// <summary>Deletes completed requests completed before <paramref name="cutoff"/> (retention); open ones are never purged.</summary>
    public int PurgeCompletedBefore(DateTimeOffset cutoff) =>
        Requests.DeleteMany(Query.And(Query.EQ("status", SubjectRequestStatuses.Completed), Query.LT("completedAt", Format(cutoff))));

    private async Task<SubjectRequest> CompleteAsync(string kind, string userId, string evidence, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken)
    {
        var subject = pseudonymizer.Pseudonym(userId);
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        SubjectRequest completed;
        lock (_gate)
        {
            var open = Requests.Find(Query.And(Query.EQ("subject", subject), Query.EQ("kind", kind), Query.EQ("status", SubjectRequestStatuses.Received)))
                .Select(FromDocument).OrderBy(r => r.ReceivedAt).FirstOrDefault();
            // One clock reading for a request received and completed in the same call (an export or erasure
            // without an earlier request), so completedAt is never before receivedAt.
            var request = open ?? New(kind, subject, actor, now);
            completed = request with
            {
                Status = SubjectRequestStatuses.Completed,
                CompletedAt = now < request.ReceivedAt ? request.ReceivedAt : now,
                Evidence = evidence,
                Actor = ActorName(actor),
            };
            Requests.Upsert(ToDocument(completed));
        }

        await recorder.RecordAsync(actor, CompletedAction, completed.Id,
            new Dictionary<string, string> { ["kind"] = kind, ["evidence"] = evidence }, sourceIp, cancellationToken).ConfigureAwait(false);
        return completed;
    }

    private static SubjectRequest New(string kind, string subject, ClaimsPrincipal? actor, DateTimeOffset now) =>
        new()
        {
            Id = "dsr-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)),
            Kind = kind,
            Subject = subject,
            ReceivedAt = now,
            DueAt = now.AddMonths(1),
            Status = SubjectRequestStatuses.Received,
            Actor = ActorName(actor),
        };

    private static string ActorName(ClaimsPrincipal? actor) => actor?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "system";

    private static string Format(DateTimeOffset time) => AuditCanonical.FormatTimestamp(time);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static BsonDocument ToDocument(SubjectRequest r) => new()
    {
        ["_id"] = r.Id,
        ["kind"] = r.Kind,
        ["subject"] = r.Subject,
        ["receivedAt"] = Format(r.ReceivedAt),
        ["dueAt"] = Format(r.DueAt),
        ["status"] = r.Status,
        ["completedAt"] = r.CompletedAt is { } c ? Format(c) : BsonValue.Null,
        ["evidence"] = r.Evidence is null ? BsonValue.Null : r.Evidence,
        ["actor"] = r.Actor,
    };

    private static SubjectRequest FromDocument(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Kind = d["kind"].AsString,
        Subject = d["subject"].AsString,
        ReceivedAt = Parse(d["receivedAt"].AsString),
        DueAt = Parse(d["dueAt"].AsString),
        Status = d["status"].AsString,
        CompletedAt = d["completedAt"].IsNull ? null : Parse(d["completedAt"].AsString),
        Evidence = d["evidence"].IsNull ? null : d["evidence"].AsString,
        Actor = d["actor"].AsString,
    };
}
