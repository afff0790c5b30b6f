using System.Globalization;
using System.Security.Claims;
using Conciergus.Core.Audit;
using Conciergus.Core.Refusals;
using Conciergus.Core.Storage;
using System.Text.Json;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Kinds of data-subject request (GDPR Art. 15-21; CCPA know, delete, correct, opt out).</summary>
public static class SubjectRequestKinds
{
    /// <summary>Access (GDPR Art. 15; CCPA right to know): a copy of everything held.</summary>
    public const string Access = "access";

    /// <summary>Portability (GDPR Art. 20): the same data, machine-readable (JSON).</summary>
    public const string Portability = "portability";

    /// <summary>Access / portability as logged before the six kinds existed; treated as <see cref="Access"/>.</summary>
    public const string Export = "export";

    /// <summary>Erasure (GDPR Art. 17; CCPA delete).</summary>
    public const string Erasure = "erasure";

    /// <summary>Rectification (GDPR Art. 16; CCPA correct): a field and its corrected value.</summary>
    public const string Rectification = "rectification";

    /// <summary>Restriction of processing (GDPR Art. 18): kept, but excluded from analytics, experiments and exports until lifted.</summary>
    public const string Restriction = "restriction";

    /// <summary>Objection (GDPR Art. 21; CCPA opt-out): no further processing for the named purposes, recorded as consent withdrawal.</summary>
    public const string Objection = "objection";

    /// <summary>Every kind a request can be logged with.</summary>
    public static IReadOnlyList<string> All { get; } = [Access, Portability, Erasure, Rectification, Restriction, Objection, Export];

    /// <summary>Whether <paramref name="kind"/> exports the subject's data.</summary>
    public static bool IsExport(string kind) => kind is Access or Portability or Export;
}

/// <summary>Where a request stands: received → verified → in progress → fulfilled, or rejected with a reason.</summary>
public static class SubjectRequestStatuses
{
    /// <summary>Logged, identity not yet verified.</summary>
    public const string Received = "received";

    /// <summary>The requester's identity was verified.</summary>
    public const string Verified = "verified";

    /// <summary>Being carried out.</summary>
    public const string InProgress = "in_progress";

    /// <summary>Fulfilled, with evidence.</summary>
    public const string Fulfilled = "fulfilled";

    /// <summary>Rejected, with the reason.</summary>
    public const string Rejected = "rejected";

    /// <summary>Fulfilled (the name before the workflow had its five states; read as <see cref="Fulfilled"/>).</summary>
    public const string Completed = Fulfilled;

    /// <summary>Whether a request in <paramref name="status"/> is finished (fulfilled or rejected).</summary>
    public static bool IsClosed(string status) => status is Fulfilled or Rejected;
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

    /// <summary>Due date by framework: GDPR one calendar month (Art. 12(3)), CCPA 45 days (Cal. Civ. Code 1798.130(a)(2)), HIPAA 30 days (45 CFR 164.524(b)(2)).</summary>
    public required DateTimeOffset DueAt { get; init; }

    /// <summary><see cref="SubjectRequestStatuses"/>.</summary>
    public required string Status { get; init; }

    /// <summary>When it was fulfilled or rejected.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>Evidence: "sha256:..." of the export file, or what changed per store.</summary>
    public string? Evidence { get; init; }

    /// <summary>Who logged or last moved it.</summary>
    public required string Actor { get; init; }

    /// <summary>The framework whose deadline applies (GDPR, CCPA, ...).</summary>
    public string Framework { get; init; } = RetentionPresets.Gdpr;

    /// <summary>Why it was rejected.</summary>
    public string? Reason { get; init; }

    /// <summary>Rectification: the field to correct ("userId").</summary>
    public string? Field { get; init; }

    /// <summary>Rectification: the corrected value.</summary>
    public string? Value { get; init; }

    /// <summary>Objection: the purposes objected to ("analytics", "experimentation").</summary>
    public IReadOnlyList<string>? Purposes { get; init; }

    /// <summary>Overdue at <paramref name="now"/>: open past its due date.</summary>
    public bool IsOverdue(DateTimeOffset now) => !SubjectRequestStatuses.IsClosed(Status) && now > DueAt;
}

/// <summary>A request as it arrives.</summary>
public sealed record SubjectRequestSpec
{
    /// <summary><see cref="SubjectRequestKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The subject's user id (only its pseudonym is stored).</summary>
    public required string UserId { get; init; }

    /// <summary>Framework for the deadline; null: the retention policy's framework.</summary>
    public string? Framework { get; init; }

    /// <summary>Rectification: the field ("userId").</summary>
    public string? Field { get; init; }

    /// <summary>Rectification: the corrected value.</summary>
    public string? Value { get; init; }

    /// <summary>Objection: purposes.</summary>
    public IReadOnlyList<string>? Purposes { get; init; }
}

/// <summary>A workflow step refused (wrong state, wrong subject, unsupported field): its message says why.</summary>
public sealed class SubjectRequestException(string message) : InvalidOperationException(message);

/// <summary>
/// The data-subject request workflow (LiteDB collection "subject_requests"): received → verified → in progress →
/// fulfilled (with evidence) or rejected (with a reason), due by framework. Fulfilment carries the right out: access and
/// portability export every store into a JSON file kept with the request (<see cref="File"/>), erasure erases every
/// store, rectification moves a user id's records, restriction and objection change what consent allows. A kind listed
/// in <see cref="ComplianceOptions.AutoFulfil"/> is verified and fulfilled at receipt. Every step is audited
/// ("subject.request_received", "_verified", "_started", "_completed", "_rejected") with the request id as target.
/// The request never holds the user id: a step that needs it takes it again and checks it against the pseudonym.
/// </summary>
public sealed class SubjectRequestWorkflow(ConciergusDatabase database, AuditRecorder recorder, SubjectPseudonymizer pseudonymizer, TimeProvider timeProvider,
    SubjectRequests? subjects = null, ConsentStore? consent = null, DecisionSubjects? decisionSubjects = null, RetentionPolicyStore? policies = null,
    IOptions<ComplianceOptions>? options = null)
{
    /// <summary>Audit action when a request is logged.</summary>
    public const string ReceivedAction = "subject.request_received";

    /// <summary>Audit action when the requester's identity is verified.</summary>
    public const string VerifiedAction = "subject.request_verified";

    /// <summary>Audit action when fulfilment starts.</summary>
    public const string StartedAction = "subject.request_started";

    /// <summary>Audit action when a request is fulfilled.</summary>
    public const string CompletedAction = "subject.request_completed";

    /// <summary>Audit action when a request is rejected.</summary>
    public const string RejectedAction = "subject.request_rejected";

    /// <summary>Audit action when a restriction is lifted.</summary>
    public const string LiftedAction = "subject.restriction_lifted";

    /// <summary>Audit action when a request's export file is downloaded.</summary>
    public const string FileAction = "subject.request_file";

    private readonly Lock _gate = new();
    private readonly HashSet<string> _autoFulfil = new(options?.Value.AutoFulfil ?? [], StringComparer.OrdinalIgnoreCase);

    private ILiteCollection<BsonDocument> Requests => database.Database.GetCollection("subject_requests");

    private ILiteCollection<BsonDocument> Files => database.Database.GetCollection("subject_request_files");

    /// <summary>Logs a request received now (e.g. by email), due in one month (GDPR).</summary>
    public Task<SubjectRequest> ReceiveAsync(string kind, string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default) =>
        ReceiveAsync(new SubjectRequestSpec { Kind = kind, UserId = userId }, actor, sourceIp, cancellationToken);

    /// <summary>Logs a request received now, due by its framework; fulfils it at once when <see cref="ComplianceOptions.AutoFulfil"/> lists its kind.</summary>
    public async Task<SubjectRequest> ReceiveAsync(SubjectRequestSpec spec, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        var framework = spec.Framework?.ToUpperInvariant() ?? policies?.Current.Framework ?? RetentionPresets.Gdpr;
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        var request = New(spec.Kind, pseudonymizer.Pseudonym(spec.UserId), actor, now, framework) with
        {
            Field = spec.Field,
            Value = spec.Value,
            Purposes = spec.Purposes,
        };
        Requests.Insert(ToDocument(request));
        var details = new Dictionary<string, string> { ["kind"] = spec.Kind, ["due"] = Format(request.DueAt), ["framework"] = framework };
        if (spec.Field is not null)
        {
            details["field"] = spec.Field;
        }

        if (spec.Purposes is { Count: > 0 })
        {
            details["purposes"] = string.Join(',', spec.Purposes);
        }

        await recorder.RecordAsync(actor, ReceivedAction, request.Id, details, sourceIp, cancellationToken).ConfigureAwait(false);
        if (!_autoFulfil.Contains(spec.Kind))
        {
            return request;
        }

        await VerifyAsync(request.Id, "auto-fulfil: " + (spec.Kind), actor, sourceIp, cancellationToken).ConfigureAwait(false);
        return await FulfilAsync(request.Id, spec.UserId, actor, sourceIp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Records that the requester's identity was verified (how, in <paramref name="method"/>).</summary>
    public Task<SubjectRequest> VerifyAsync(string id, string method, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default) =>
        MoveAsync(id, SubjectRequestStatuses.Received, r => r with { Status = SubjectRequestStatuses.Verified }, VerifiedAction,
            new Dictionary<string, string> { ["method"] = method }, actor, sourceIp, cancellationToken);

    /// <summary>Rejects an open request with the reason (e.g. identity could not be verified, manifestly unfounded).</summary>
    public Task<SubjectRequest> RejectAsync(string id, string reason, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        return MoveAsync(id, null, r => r with { Status = SubjectRequestStatuses.Rejected, Reason = reason, CompletedAt = now }, RejectedAction,
            new Dictionary<string, string> { ["reason"] = reason }, actor, sourceIp, cancellationToken);
    }

    /// <summary>
    /// Carries out a verified request for <paramref name="userId"/> (which must be the request's subject): in progress,
    /// the right's effect, then fulfilled with evidence. A failure leaves it in progress (audited) and throws.
    /// </summary>
    public async Task<SubjectRequest> FulfilAsync(string id, string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var current = Get(id) ?? throw new SubjectRequestException($"No request {id}.");
        if (current.Subject != pseudonymizer.Pseudonym(userId))
        {
            throw new SubjectRequestException($"Request {id} is about another subject: the user id does not match its pseudonym.");
        }

        var started = await MoveAsync(id, SubjectRequestStatuses.Verified, r => r with { Status = SubjectRequestStatuses.InProgress }, StartedAction,
            new Dictionary<string, string> { ["kind"] = current.Kind }, actor, sourceIp, cancellationToken).ConfigureAwait(false);
        var evidence = await CarryOutAsync(started, userId, actor, sourceIp, cancellationToken).ConfigureAwait(false);
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        return await MoveAsync(id, SubjectRequestStatuses.InProgress,
            r => r with { Status = SubjectRequestStatuses.Fulfilled, Evidence = evidence, CompletedAt = now < r.ReceivedAt ? r.ReceivedAt : now, Actor = ActorName(actor) },
            CompletedAction, new Dictionary<string, string> { ["kind"] = current.Kind, ["evidence"] = evidence }, actor, sourceIp, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lifts the restriction of processing of <paramref name="userId"/>; audited. False when none was in force.</summary>
    public async Task<bool> LiftRestrictionAsync(string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        if (consent is null || !consent.Lift(userId))
        {
            return false;
        }

        await recorder.RecordAsync(actor, LiftedAction, pseudonymizer.Pseudonym(userId), null, sourceIp, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>The export file of a fulfilled access or portability request (JSON), or null. Audited as <see cref="FileAction"/>.</summary>
    public async Task<byte[]?> FileAsync(string id, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        var doc = Files.FindById(id);
        if (doc is null)
        {
            return null;
        }

        await recorder.RecordAsync(actor, FileAction, id, new Dictionary<string, string> { ["purpose"] = "deliver the data-subject export" }, sourceIp, cancellationToken).ConfigureAwait(false);
        return doc["bytes"].AsBinary;
    }

    /// <summary>Records that a subject's data was exported: evidence is the SHA-256 of the file handed out.</summary>
    public Task<SubjectRequest> CompleteExportAsync(string userId, byte[] file, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return CompleteAsync(SubjectRequestKinds.Access, userId, Digest(file), actor, sourceIp, cancellationToken);
    }

    /// <summary>Records that a subject's data was erased: evidence is the erasure report.</summary>
    public Task<SubjectRequest> CompleteErasureAsync(string userId, SubjectErasure erasure, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(erasure);
        return CompleteAsync(SubjectRequestKinds.Erasure, userId, ErasureReport(erasure), actor, sourceIp, cancellationToken);
    }

    /// <summary>One request, or null.</summary>
    public SubjectRequest? Get(string id) => Requests.FindById(id) is { } doc ? FromDocument(doc) : null;

    /// <summary>Every request, open ones first (by due date), then closed ones newest first.</summary>
    public IReadOnlyList<SubjectRequest> List()
    {
        var all = Requests.FindAll().Select(FromDocument).ToList();
        return [.. all.Where(r => !SubjectRequestStatuses.IsClosed(r.Status)).OrderBy(r => r.DueAt),
            .. all.Where(r => SubjectRequestStatuses.IsClosed(r.Status)).OrderByDescending(r => r.CompletedAt)];
    }

    /// <summary>Open requests, soonest due first.</summary>
    public IReadOnlyList<SubjectRequest> Open() => [.. List().Where(r => !SubjectRequestStatuses.IsClosed(r.Status))];

    /// <summary>Deletes closed requests closed before <paramref name="cutoff"/> (retention), and their files; open ones are never purged.</summary>
    public int PurgeCompletedBefore(DateTimeOffset cutoff)
    {
        var due = Requests.Find(Query.And(Query.In("status", SubjectRequestStatuses.Fulfilled, SubjectRequestStatuses.Rejected, "completed"), Query.LT("completedAt", Format(cutoff))))
            .Select(d => d["_id"].AsString).ToList();
        foreach (var id in due)
        {
            Requests.Delete(id);
            Files.Delete(id);
        }

        return due.Count;
    }

    private async Task<string> CarryOutAsync(SubjectRequest request, string userId, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        switch (request.Kind)
        {
            case SubjectRequestKinds.Access or SubjectRequestKinds.Portability or SubjectRequestKinds.Export:
            {
                var export = await Need(subjects).ExportAsync(userId, actor, sourceIp, cancellationToken).ConfigureAwait(false);
                var file = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { request = request.Id, kind = request.Kind, export.UserId, export.ExportedAt, export.Stores }, JsonSerializerOptions.Web);
                Files.Upsert(new BsonDocument { ["_id"] = request.Id, ["bytes"] = file });
                return Digest(file);
            }

            case SubjectRequestKinds.Erasure:
            {
                var erasure = await Need(subjects).EraseAsync(userId, actor, sourceIp, cancellationToken).ConfigureAwait(false);
                return ErasureReport(erasure);
            }

            case SubjectRequestKinds.Restriction:
                Need(consent).Restrict(userId, request.Id, now);
                return "restricted: excluded from analytics, experiments and exports until lifted";

            case SubjectRequestKinds.Objection:
            {
                var store = Need(consent);
                var purposes = request.Purposes ?? [];
                var state = store.Get(userId);
                var analytics = !purposes.Contains("analytics") && (state?.Analytics ?? !store.RequireConsent);
                var experimentation = !purposes.Contains("experimentation") && (state?.Experimentation ?? !store.RequireConsent);
                await store.SetAsync(userId, analytics, experimentation, "objection:" + request.Id, Actor.RoleOf(actor), sourceIp, now, cancellationToken).ConfigureAwait(false);
                return $"consent withdrawn for {string.Join(", ", purposes)}";
            }

            case SubjectRequestKinds.Rectification:
            {
                var to = request.Value!;
                var consentMoved = Need(consent).Move(userId, to);
                var decisionsMoved = decisionSubjects?.Move(userId, to) == true ? 1 : 0;
                return string.Create(CultureInfo.InvariantCulture,
                    $"userId corrected: consent={consentMoved}, decisions={decisionsMoved} mapping moved; operation store, traces, ledger and logs keep the old id (not rectifiable in this build: erase it there if it must go)");
            }

            default:
                throw new SubjectRequestException($"Kind '{request.Kind}' cannot be fulfilled.");
        }
    }

    private static T Need<T>(T? service)
        where T : class =>
        service ?? throw new SubjectRequestException($"{typeof(T).Name} is not registered: this kind cannot be fulfilled here.");

    private static void Validate(SubjectRequestSpec spec)
    {
        if (!SubjectRequestKinds.All.Contains(spec.Kind))
        {
            throw RefusalException.Invalid("request", $"kind must be one of {string.Join(", ", SubjectRequestKinds.All)}.");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(spec.UserId);
        if (spec.Framework is { } f && RetentionPresets.Find(f) is null)
        {
            throw RefusalException.Invalid("request", $"framework '{f}' is not one of {string.Join(", ", RetentionPresets.All.Select(p => p.Framework))}.");
        }

        if (spec.Kind == SubjectRequestKinds.Rectification && (spec.Field != "userId" || string.IsNullOrWhiteSpace(spec.Value) || spec.Value.Length > 256))
        {
            throw RefusalException.Invalid("request", "a rectification names field \"userId\" and its corrected value (at most 256 characters); attributes of stored operations are not editable in this build.");
        }

        if (spec.Kind == SubjectRequestKinds.Objection && (spec.Purposes is not { Count: > 0 } || spec.Purposes.Any(p => p is not ("analytics" or "experimentation"))))
        {
            throw RefusalException.Invalid("request", "an objection names its purposes: analytics and/or experimentation.");
        }
    }

    /// <summary>Due date by framework.</summary>
    internal static DateTimeOffset Due(string framework, DateTimeOffset received) => framework switch
    {
        RetentionPresets.Ccpa => received.AddDays(45),
        RetentionPresets.Hipaa => received.AddDays(30),
        _ => received.AddMonths(1),
    };

    private async Task<SubjectRequest> MoveAsync(string id, string? from, Func<SubjectRequest, SubjectRequest> change, string action, Dictionary<string, string> details,
        ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken)
    {
        SubjectRequest moved;
        lock (_gate)
        {
            var current = Get(id) ?? throw new SubjectRequestException($"No request {id}.");
            if (SubjectRequestStatuses.IsClosed(current.Status) || (from is not null && current.Status != from))
            {
                throw new SubjectRequestException($"Request {id} is {current.Status}; this step needs it {from ?? "open"}.");
            }

            moved = change(current);
            Requests.Upsert(ToDocument(moved));
        }

        details["status"] = moved.Status;
        await recorder.RecordAsync(actor, action, id, details, sourceIp, cancellationToken).ConfigureAwait(false);
        return moved;
    }

    private async Task<SubjectRequest> CompleteAsync(string kind, string userId, string evidence, ClaimsPrincipal? actor, string? sourceIp, CancellationToken cancellationToken)
    {
        var subject = pseudonymizer.Pseudonym(userId);
        var now = timeProvider.GetUtcNow().ToUniversalTime();
        SubjectRequest completed;
        lock (_gate)
        {
            var open = Requests.Find(Query.EQ("subject", subject)).Select(FromDocument)
                .Where(r => !SubjectRequestStatuses.IsClosed(r.Status) && (r.Kind == kind || (SubjectRequestKinds.IsExport(kind) && SubjectRequestKinds.IsExport(r.Kind))))
                .OrderBy(r => r.ReceivedAt).FirstOrDefault();

            // One clock reading for a request received and completed in the same call (an export or erasure
            // without an earlier request), so completedAt is never before receivedAt.
            var request = open ?? New(kind, subject, actor, now, policies?.Current.Framework ?? RetentionPresets.Gdpr);
            completed = request with
            {
                Status = SubjectRequestStatuses.Fulfilled,
                CompletedAt = now < request.ReceivedAt ? request.ReceivedAt : now,
                Evidence = evidence,
                Actor = ActorName(actor),
            };
            Requests.Upsert(ToDocument(completed));
        }

        await recorder.RecordAsync(actor, CompletedAction, completed.Id,
            new Dictionary<string, string> { ["kind"] = completed.Kind, ["evidence"] = evidence, ["status"] = completed.Status }, sourceIp, cancellationToken).ConfigureAwait(false);
        return completed;
    }

    private static string Digest(byte[] file) =>
        "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(file)) + $" ({file.Length} bytes)";

    private static string ErasureReport(SubjectErasure erasure) =>
        string.Join(", ", erasure.Stores.Select(p => $"{p.Key}={p.Value}")) + $"; total {erasure.Total}; audit entry {erasure.Entry.Sequence}";

    private static SubjectRequest New(string kind, string subject, ClaimsPrincipal? actor, DateTimeOffset now, string framework) =>
        new()
        {
            Id = "dsr-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6)),
            Kind = kind,
            Subject = subject,
            ReceivedAt = now,
            DueAt = Due(framework, now),
            Status = SubjectRequestStatuses.Received,
            Actor = ActorName(actor),
            Framework = framework,
        };

    private static string ActorName(ClaimsPrincipal? actor) => actor?.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "system";

    private static string Format(DateTimeOffset time) => AuditCanonical.FormatTimestamp(time);

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static BsonValue Text(string? value) => value is null ? BsonValue.Null : value;

    private static BsonDocument ToDocument(SubjectRequest r) => new()
    {
        ["_id"] = r.Id,
        ["kind"] = r.Kind,
        ["subject"] = r.Subject,
        ["receivedAt"] = Format(r.ReceivedAt),
        ["dueAt"] = Format(r.DueAt),
        ["status"] = r.Status,
        ["completedAt"] = r.CompletedAt is { } c ? Format(c) : BsonValue.Null,
        ["evidence"] = Text(r.Evidence),
        ["actor"] = r.Actor,
        ["framework"] = r.Framework,
        ["reason"] = Text(r.Reason),
        ["field"] = Text(r.Field),
        ["value"] = Text(r.Value),
        ["purposes"] = r.Purposes is null ? BsonValue.Null : new BsonArray(r.Purposes.Select(p => new BsonValue(p))),
    };

    private static SubjectRequest FromDocument(BsonDocument d) => new()
    {
        Id = d["_id"].AsString,
        Kind = d["kind"].AsString,
        Subject = d["subject"].AsString,
        ReceivedAt = Parse(d["receivedAt"].AsString),
        DueAt = Parse(d["dueAt"].AsString),
        Status = d["status"].AsString == "completed" ? SubjectRequestStatuses.Fulfilled : d["status"].AsString,
        CompletedAt = d["completedAt"].IsNull ? null : Parse(d["completedAt"].AsString),
        Evidence = d["evidence"].IsNull ? null : d["evidence"].AsString,
        Actor = d["actor"].AsString,
        Framework = d["framework"].IsString ? d["framework"].AsString : RetentionPresets.Gdpr,
        Reason = d["reason"].IsString ? d["reason"].AsString : null,
        Field = d["field"].IsString ? d["field"].AsString : null,
        Value = d["value"].IsString ? d["value"].AsString : null,
        Purposes = d["purposes"].IsArray ? [.. d["purposes"].AsArray.Select(v => v.AsString)] : null,
    };
}
