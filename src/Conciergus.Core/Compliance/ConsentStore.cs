using System.Collections.Concurrent;
using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Purposes an end user can consent to.</summary>
[Flags]
public enum ConsentPurposes
{
    /// <summary>No purpose.</summary>
    None = 0,

    /// <summary>Per-user analytics: the user id is kept in aggregates, the cost ledger and read models.</summary>
    Analytics = 1,

    /// <summary>Taking part in experiments (A/B tests).</summary>
    Experimentation = 2,
}

/// <summary>
/// Whether a user consented to a purpose. Called on the hot path (every recorded operation, every experiment
/// assignment): must be an in-memory lookup that neither allocates nor throws.
/// </summary>
public interface IConsentLookup
{
    /// <summary>True when <paramref name="userId"/> may be processed for <paramref name="purpose"/>.</summary>
    bool Allows(string userId, ConsentPurposes purpose);

    /// <summary>An application already processed the user for <paramref name="purpose"/> without consent (counted as a violation).</summary>
    void NoteProcessedWithoutConsent(ConsentPurposes purpose)
    {
    }
}

/// <summary>One user's consent state.</summary>
/// <param name="UserId">The user id the apps send.</param>
/// <param name="Analytics">Consent to per-user analytics.</param>
/// <param name="Experimentation">Consent to experiments.</param>
/// <param name="UpdatedAt">When it was last changed (UTC).</param>
/// <param name="Source">Who changed it: "api" (an application) or the operator's name.</param>
public sealed record ConsentState(string UserId, bool Analytics, bool Experimentation, DateTimeOffset UpdatedAt, string Source);

/// <summary>
/// Consent per user, persisted in LiteDB (collection "consent") and mirrored in memory for the hot path. Every change
/// is audited ("consent.update", target = the subject's pseudonym, details = the new state). Users without a record
/// get the configured default (<see cref="ComplianceOptions.RequireConsent"/>).
/// </summary>
public sealed class ConsentStore : IConsentLookup, ISubjectDataStore
{
    /// <summary>Audit action of a consent change.</summary>
    public const string UpdateAction = "consent.update";

    private const string Collection = "consent";
    private readonly ConciergusDatabase _database;
    private readonly IAuditLog _audit;
    private readonly SubjectPseudonymizer _pseudonymizer;
    private readonly bool _defaultAllowed;

    // Users with a record, by user id (ordinal): a lock-free read on every operation; written only by Set/Erase.
    private readonly ConcurrentDictionary<string, ConsentPurposes> _granted = new(StringComparer.Ordinal);

    // Users whose processing is restricted (GDPR Art. 18), by user id; _restrictedCount keeps the hot path to one
    // volatile read while nobody is restricted.
    private readonly ConcurrentDictionary<string, string> _restricted = new(StringComparer.Ordinal);
    private int _restrictedCount;

    /// <summary>Loads every stored consent state into memory.</summary>
    public ConsentStore(ConciergusDatabase database, IAuditLog audit, SubjectPseudonymizer pseudonymizer, IOptions<ComplianceOptions> options,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        ProcessedWithoutConsent = new WindowedCounter(timeProvider ?? TimeProvider.System);
        _database = database;
        _audit = audit;
        _pseudonymizer = pseudonymizer;
        _defaultAllowed = !options.Value.RequireConsent;
        foreach (var doc in Records.FindAll())
        {
            var state = FromDocument(doc);
            _granted[state.UserId] = Purposes(state);
        }

        foreach (var doc in Restrictions.FindAll())
        {
            _restricted[doc["_id"].AsString] = doc["request"].AsString;
        }

        _restrictedCount = _restricted.Count;
    }

    /// <summary>
    /// Operations that show an application processed a user for a purpose without consent: tagged with an experiment
    /// for a user who refused experimentation, is restricted, or (opt-in) never consented. The tags are removed before
    /// anything counts them, but the experiment already ran in the application: a violation to alert on.
    /// </summary>
    public WindowedCounter ProcessedWithoutConsent { get; }

    /// <inheritdoc />
    public void NoteProcessedWithoutConsent(ConsentPurposes purpose) => ProcessedWithoutConsent.Add();

    /// <summary>Users under a restriction of processing.</summary>
    public int RestrictedCount => Volatile.Read(ref _restrictedCount);

    private ILiteCollection<BsonDocument> Restrictions => _database.Database.GetCollection("restrictions");

    /// <summary>Whether processing of the user is restricted (kept, but excluded from analytics, experiments and exports).</summary>
    public bool IsRestricted(string userId) => Volatile.Read(ref _restrictedCount) > 0 && userId is not null && _restricted.ContainsKey(userId);

    /// <summary>Restricts processing of the user (GDPR Art. 18) until <see cref="Lift"/>; the id of the request that asked for it is kept.</summary>
    public void Restrict(string userId, string requestId, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        Restrictions.Upsert(new BsonDocument { ["_id"] = userId, ["request"] = requestId, ["since"] = AuditCanonical.FormatTimestamp(now) });
        _restricted[userId] = requestId;
        Volatile.Write(ref _restrictedCount, _restricted.Count);
    }

    /// <summary>Lifts a restriction; false when there was none.</summary>
    public bool Lift(string userId)
    {
        var removed = Restrictions.Delete(userId);
        _restricted.TryRemove(userId, out _);
        Volatile.Write(ref _restrictedCount, _restricted.Count);
        return removed;
    }

    /// <summary>Whether consent is enforced as opt-in (users without a record are refused every purpose).</summary>
    public bool RequireConsent => !_defaultAllowed;

    /// <summary>Users with a stored consent state.</summary>
    public int Count => _granted.Count;

    /// <inheritdoc />
    public string Name => "consent";

    private ILiteCollection<BsonDocument> Records => _database.Database.GetCollection(Collection);

    /// <inheritdoc />
    public bool Allows(string userId, ConsentPurposes purpose) =>
        userId is null || (!IsRestricted(userId) && (_granted.TryGetValue(userId, out var granted) ? (granted & purpose) == purpose : _defaultAllowed));

    /// <summary>The stored state of a user, or null (the default applies).</summary>
    public ConsentState? Get(string userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        var doc = Records.FindById(userId);
        return doc is null ? null : FromDocument(doc);
    }

    /// <summary>How many stored users refuse each purpose.</summary>
    public (int Users, int AnalyticsRefused, int ExperimentationRefused) Summary()
    {
        int analytics = 0, experimentation = 0, users = 0;
        foreach (var (_, granted) in _granted)
        {
            users++;
            analytics += (granted & ConsentPurposes.Analytics) == 0 ? 1 : 0;
            experimentation += (granted & ConsentPurposes.Experimentation) == 0 ? 1 : 0;
        }

        return (users, analytics, experimentation);
    }

    /// <summary>Rectification of a user id: the stored consent moves to the corrected id (unless it has its own). Returns the items moved.</summary>
    public long Move(string from, string to)
    {
        long moved = 0;
        if (Get(from) is { } state && Get(to) is null)
        {
            Records.Upsert(new BsonDocument
            {
                ["_id"] = to,
                ["analytics"] = state.Analytics,
                ["experimentation"] = state.Experimentation,
                ["updatedAt"] = AuditCanonical.FormatTimestamp(state.UpdatedAt),
                ["source"] = state.Source,
            });
            Records.Delete(from);
            _granted[to] = Purposes(state);
            _granted.TryRemove(from, out _);
            moved++;
        }

        if (_restricted.TryGetValue(from, out var request))
        {
            var since = Restrictions.FindById(from)?["since"].AsString;
            Lift(from);
            Restrict(to, request, since is null ? DateTimeOffset.UnixEpoch : DateTimeOffset.Parse(since, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
            moved++;
        }

        return moved;
    }

    /// <summary>Stores a user's consent and audits the change (also when unchanged: the app re-confirmed it).</summary>
    public async Task<ConsentState> SetAsync(string userId, bool analytics, bool experimentation, string actor, string role, string? sourceIp, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userId);
        if (userId.Length > 256)
        {
            throw new ArgumentException("A user id is at most 256 characters.", nameof(userId));
        }

        var state = new ConsentState(userId, analytics, experimentation, now.ToUniversalTime(), actor);
        Records.Upsert(new BsonDocument
        {
            ["_id"] = userId,
            ["analytics"] = analytics,
            ["experimentation"] = experimentation,
            ["updatedAt"] = AuditCanonical.FormatTimestamp(state.UpdatedAt),
            ["source"] = actor,
        });
        _granted[userId] = Purposes(state);
        await _audit.AppendAsync(new AuditEvent
        {
            Actor = actor,
            Role = role,
            Action = UpdateAction,
            Target = _pseudonymizer.Pseudonym(userId),
            SourceIp = sourceIp,
            Details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["analytics"] = analytics ? "granted" : "refused",
                ["experimentation"] = experimentation ? "granted" : "refused",
            },
        }, cancellationToken).ConfigureAwait(false);
        return state;
    }

    /// <inheritdoc />
    public ValueTask<object?> ExportAsync(string userId, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<object?>(Get(userId) is null && !IsRestricted(userId) ? null : new { consent = Get(userId), restricted = IsRestricted(userId) });

    /// <inheritdoc />
    /// <remarks>The record goes; the user falls back to the default. The audit trail keeps the history by pseudonym only.</remarks>
    public ValueTask<long> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        var removed = Records.Delete(userId);
        _granted.TryRemove(userId, out _);
        var lifted = Lift(userId);
        return ValueTask.FromResult((removed ? 1L : 0L) + (lifted ? 1L : 0L));
    }

    private static ConsentPurposes Purposes(ConsentState state) =>
        (state.Analytics ? ConsentPurposes.Analytics : ConsentPurposes.None) | (state.Experimentation ? ConsentPurposes.Experimentation : ConsentPurposes.None);

    private static ConsentState FromDocument(BsonDocument doc) => new(
        doc["_id"].AsString,
        doc["analytics"].AsBoolean,
        doc["experimentation"].AsBoolean,
        DateTimeOffset.Parse(doc["updatedAt"].AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        doc["source"].AsString);
}

/// <summary>
/// Applies consent before an operation reaches the cache, the ledger and the sinks: without analytics consent the
/// user and session ids are removed (the call is still counted in aggregates); without experimentation consent the
/// experiment tags are removed (not counted in any experiment). Same instance when nothing changes.
/// </summary>
public sealed class ConsentOperationPreprocessor(IConsentLookup consent) : Collector.IAiOperationPreprocessor
{
    /// <inheritdoc />
    public Model.AiOperation Process(Model.AiOperation operation)
    {
        if (operation.UserId is not { Length: > 0 } userId)
        {
            return operation;
        }

        var analytics = consent.Allows(userId, ConsentPurposes.Analytics);
        var experiments = operation.ExperimentKey is null && operation.ExperimentVariant is null || consent.Allows(userId, ConsentPurposes.Experimentation);
        if (!experiments)
        {
            // The middleware never assigns such a user, so the tags came from an assignment made elsewhere (a GrowthBook
            // front end): the experiment ran without consent. A missing analytics consent is not counted: removing the
            // user id here is the designed enforcement, apps are not expected to filter it themselves.
            consent.NoteProcessedWithoutConsent(ConsentPurposes.Experimentation);
        }
        if (analytics && experiments)
        {
            return operation;
        }

        return operation with
        {
            UserId = analytics ? operation.UserId : null,
            SessionId = analytics ? operation.SessionId : null,
            ExperimentKey = experiments ? operation.ExperimentKey : null,
            ExperimentVariant = experiments ? operation.ExperimentVariant : null,
        };
    }
}
