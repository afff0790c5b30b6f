using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.AspNetCore.Identity;

namespace Conciergus.Dashboard.Security;

/// <summary>A local account as the dashboard shows it (never carries the password hash out of the store).</summary>
/// <param name="UserName">Unique, case-insensitive name.</param>
/// <param name="Role">Role.</param>
/// <param name="FailedAttempts">Failed sign-ins (from any source) since the last success or unlock.</param>
/// <param name="LockoutUntil">
/// The latest instant until which some source is locked out of this account (sign-in failures lock an account for
/// the source they came from only, so an outsider cannot lock its owner out).
/// </param>
/// <param name="Created">When the account was created.</param>
/// <param name="Changed">When name, role or password last changed (signs out older sessions).</param>
public sealed record ConciergusUser(
    string UserName,
    ConciergusRole Role,
    int FailedAttempts,
    DateTimeOffset? LockoutUntil,
    DateTimeOffset Created,
    DateTimeOffset Changed)
{
    /// <summary>Whether some source is locked out of the account at <paramref name="now"/>.</summary>
    public bool IsLockedOut(DateTimeOffset now) => LockoutUntil is { } until && until > now;
}

/// <summary>
/// Local users in the shared LiteDB file (collection "users"). Passwords are kept only as ASP.NET Core Identity
/// <see cref="PasswordHasher{TUser}"/> hashes (PBKDF2, salted). Each method is one LiteDB call or a short
/// read-modify-write under <see cref="_gate"/>, never across an await.
/// Lockout is per account AND source (client address): failures from one address lock that address out of that
/// account; the owner signing in from elsewhere is not affected. The per-source state is kept in memory (bounded).
/// </summary>
public sealed class UserStore
{
    /// <summary>LiteDB collection name.</summary>
    public const string CollectionName = "users";

    private readonly ILiteCollection<UserDocument> _users;
    private readonly PasswordHasher<string> _hasher = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

    /// <summary>Most (account, source) failure records kept; beyond it, expired and then unlocked ones are dropped.</summary>
    internal const int MaxSourceRecords = 10_000;

    // (normalized account, source) -> failures and lock; guarded by _gate.
    private readonly Dictionary<(string Account, string Source), SourceFailures> _sources = [];

    // Verified against when the user name is unknown, so a wrong name costs as much time as a wrong password.
    private readonly string _dummyHash;

    /// <summary>Opens the collection.</summary>
    public UserStore(ConciergusDatabase database, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        _time = time;
        IsPersistent = database.IsAvailable;
        _users = database.Database.GetCollection<UserDocument>(CollectionName);
        _dummyHash = _hasher.HashPassword(string.Empty, Guid.NewGuid().ToString("N"));
    }

    /// <summary>False when the database file could not be opened: accounts would live only in memory (see <see cref="ConciergusDatabase.Health"/>).</summary>
    public bool IsPersistent { get; }

    /// <summary>Number of accounts.</summary>
    public int Count => _users.Count();

    /// <summary>All accounts, by name.</summary>
    public IReadOnlyList<ConciergusUser> List()
    {
        var docs = _users.FindAll().OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase).ToList();
        lock (_gate)
        {
            return docs.Select(ToUser).ToList();
        }
    }

    /// <summary>The account, or null.</summary>
    public ConciergusUser? Find(string userName)
    {
        if (string.IsNullOrWhiteSpace(userName) || _users.FindById(Normalize(userName)) is not { } doc)
        {
            return null;
        }

        lock (_gate)
        {
            return ToUser(doc);
        }
    }

    /// <summary>
    /// Whether a signed-in principal still matches its account: for a local user's session (it carries
    /// <see cref="ConciergusClaims.ChangedStamp"/>), the account exists, its stamp (name, role, password) is unchanged
    /// and the role claim is the account's role. Principals without a stamp (OpenID Connect, API keys) are not local
    /// accounts and stand as they are; anonymous principals have nothing to end.
    /// </summary>
    public bool IsSessionCurrent(System.Security.Claims.ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (principal.Identity?.IsAuthenticated != true || principal.FindFirst(ConciergusClaims.ChangedStamp) is not { } stamp)
        {
            return true;
        }

        var user = Find(principal.Identity.Name ?? string.Empty);
        return user is not null
            && user.Changed.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) == stamp.Value
            && principal.GetConciergusRole() == user.Role;
    }

    /// <summary>Creates an account; false when the name is taken.</summary>
    public bool Create(string userName, string password, ConciergusRole role)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(userName);
        ArgumentException.ThrowIfNullOrEmpty(password);
        var now = _time.GetUtcNow().UtcDateTime;
        var doc = new UserDocument
        {
            Id = Normalize(userName),
            UserName = userName.Trim(),
            PasswordHash = _hasher.HashPassword(userName, password),
            Role = role,
            Created = now,
            Changed = now,
        };
        lock (_gate)
        {
            if (_users.FindById(doc.Id) is not null)
            {
                return false;
            }

            _users.Insert(doc);
            return true;
        }
    }

    /// <summary>
    /// Checks a password from <paramref name="source"/> (the client address) and applies the lockout rules: after
    /// <paramref name="maxFailedAttempts"/> failures in a row from one source, that source is locked out of the account
    /// for <paramref name="lockoutDuration"/>. The outcome says what happened.
    /// </summary>
    public PasswordCheck CheckPassword(string userName, string password, string source, int maxFailedAttempts, TimeSpan lockoutDuration)
    {
        var now = _time.GetUtcNow();
        source = string.IsNullOrWhiteSpace(source) ? "unknown" : source;
        lock (_gate)
        {
            var doc = string.IsNullOrWhiteSpace(userName) ? null : _users.FindById(Normalize(userName));
            if (doc is null)
            {
                _hasher.VerifyHashedPassword(string.Empty, _dummyHash, password ?? string.Empty);
                return new PasswordCheck(PasswordCheckOutcome.UnknownUser, null);
            }

            var verified = _hasher.VerifyHashedPassword(doc.UserName, doc.PasswordHash, password ?? string.Empty);
            var key = (doc.Id, source);
            _sources.TryGetValue(key, out var failures);
            if (failures?.LockedUntil is { } until && until > now)
            {
                return new PasswordCheck(PasswordCheckOutcome.LockedOut, ToUser(doc));
            }

            if (verified != PasswordVerificationResult.Failed)
            {
                if (verified == PasswordVerificationResult.SuccessRehashNeeded)
                {
                    doc.PasswordHash = _hasher.HashPassword(doc.UserName, password!);
                }

                doc.FailedAttempts = 0;
                doc.LockoutUntil = null;
                _users.Update(doc);
                _sources.Remove(key);
                return new PasswordCheck(PasswordCheckOutcome.Success, ToUser(doc));
            }

            doc.FailedAttempts++;
            _users.Update(doc);
            failures ??= Track(key, now, lockoutDuration);
            failures.Count++;
            failures.Last = now;
            var outcome = PasswordCheckOutcome.WrongPassword;
            if (failures.Count >= maxFailedAttempts)
            {
                failures.LockedUntil = now.Add(lockoutDuration);
                failures.Count = 0;
                outcome = PasswordCheckOutcome.LockedNow;
            }

            return new PasswordCheck(outcome, ToUser(doc));
        }
    }

    // Caller holds _gate. Bounded: an address flood cannot grow memory without limit.
    private SourceFailures Track((string Account, string Source) key, DateTimeOffset now, TimeSpan lockoutDuration)
    {
        if (_sources.Count >= MaxSourceRecords)
        {
            foreach (var stale in _sources.Where(e => e.Value.LockedUntil is not { } u ? now - e.Value.Last > lockoutDuration : u <= now).Select(e => e.Key).ToList())
            {
                _sources.Remove(stale);
            }

            if (_sources.Count >= MaxSourceRecords)
            {
                foreach (var unlocked in _sources.Where(e => e.Value.LockedUntil is null).Select(e => e.Key).ToList())
                {
                    _sources.Remove(unlocked);
                }
            }
        }

        var created = new SourceFailures();
        _sources[key] = created;
        return created;
    }

    /// <summary>Sets a new password (and clears the lockout); false when the user does not exist.</summary>
    public bool SetPassword(string userName, string password) =>
        Change(userName, doc =>
        {
            doc.PasswordHash = _hasher.HashPassword(doc.UserName, password);
            doc.FailedAttempts = 0;
            doc.LockoutUntil = null;
            ClearSources(doc.Id);
        });

    /// <summary>Changes the role; false when the user does not exist.</summary>
    public bool SetRole(string userName, ConciergusRole role) => Change(userName, doc => doc.Role = role);

    /// <summary>Clears the lockout and the failure count; false when the user does not exist.</summary>
    public bool Unlock(string userName) => Change(userName, doc =>
    {
        doc.FailedAttempts = 0;
        doc.LockoutUntil = null;
        ClearSources(doc.Id);
    }, touchChanged: false);

    /// <summary>Deletes the account; false when it did not exist.</summary>
    public bool Delete(string userName)
    {
        lock (_gate)
        {
            ClearSources(Normalize(userName));
            return _users.Delete(Normalize(userName));
        }
    }

    /// <summary>Number of accounts with the role.</summary>
    public int CountInRole(ConciergusRole role) => _users.FindAll().Count(u => u.Role == role);

    private bool Change(string userName, Action<UserDocument> change, bool touchChanged = true)
    {
        lock (_gate)
        {
            var doc = _users.FindById(Normalize(userName));
            if (doc is null)
            {
                return false;
            }

            change(doc);
            if (touchChanged)
            {
                doc.Changed = _time.GetUtcNow().UtcDateTime;
            }

            return _users.Update(doc);
        }
    }

    private static string Normalize(string userName) => userName.Trim().ToUpperInvariant();

    // Caller holds _gate.
    private void ClearSources(string account)
    {
        foreach (var key in _sources.Keys.Where(k => k.Account == account).ToList())
        {
            _sources.Remove(key);
        }
    }

    // Caller holds _gate (reads the per-source locks).
    private ConciergusUser ToUser(UserDocument doc)
    {
        DateTimeOffset? lockedUntil = doc.LockoutUntil is { } legacy ? new DateTimeOffset(DateTime.SpecifyKind(legacy, DateTimeKind.Utc)) : null;
        foreach (var (key, failures) in _sources)
        {
            if (key.Account == doc.Id && failures.LockedUntil is { } until && (lockedUntil is null || until > lockedUntil))
            {
                lockedUntil = until;
            }
        }

        return new(
            doc.UserName,
            doc.Role,
            doc.FailedAttempts,
            lockedUntil,
            new DateTimeOffset(DateTime.SpecifyKind(doc.Created, DateTimeKind.Utc)),
            new DateTimeOffset(DateTime.SpecifyKind(doc.Changed, DateTimeKind.Utc)));
    }

    private sealed class SourceFailures
    {
        public int Count { get; set; }

        public DateTimeOffset Last { get; set; }

        public DateTimeOffset? LockedUntil { get; set; }
    }

    /// <summary>The stored shape (LiteDB maps public settable properties).</summary>
    internal sealed class UserDocument
    {
        public string Id { get; set; } = "";

        public string UserName { get; set; } = "";

        public string PasswordHash { get; set; } = "";

        public ConciergusRole Role { get; set; }

        public int FailedAttempts { get; set; }

        public DateTime? LockoutUntil { get; set; }

        public DateTime Created { get; set; }

        public DateTime Changed { get; set; }
    }
}

/// <summary>What a password check found.</summary>
public enum PasswordCheckOutcome
{
    /// <summary>Right password, account not locked.</summary>
    Success,

    /// <summary>No such account.</summary>
    UnknownUser,

    /// <summary>Wrong password; not locked yet.</summary>
    WrongPassword,

    /// <summary>Wrong password, and this failure locked the source out of the account.</summary>
    LockedNow,

    /// <summary>The source is locked out of the account (the password was not looked at for the outcome).</summary>
    LockedOut,
}

/// <summary>Outcome of <see cref="UserStore.CheckPassword"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="User">The account, when it exists.</param>
public sealed record PasswordCheck(PasswordCheckOutcome Outcome, ConciergusUser? User);
