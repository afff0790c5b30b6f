using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.AspNetCore.Identity;

namespace Conciergus.Dashboard.Security;

/// <summary>A local account as the dashboard shows it (never carries the password hash out of the store).</summary>
/// <param name="UserName">Unique, case-insensitive name.</param>
/// <param name="Role">Role.</param>
/// <param name="FailedAttempts">Failed sign-ins since the last success or lockout.</param>
/// <param name="LockoutUntil">Locked until this instant, if locked.</param>
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
    /// <summary>Whether the account is locked at <paramref name="now"/>.</summary>
    public bool IsLockedOut(DateTimeOffset now) => LockoutUntil is { } until && until > now;
}

/// <summary>
/// Local users in the shared LiteDB file (collection "users"). Passwords are kept only as ASP.NET Core Identity
/// <see cref="PasswordHasher{TUser}"/> hashes (PBKDF2, salted). Each method is one LiteDB call or a short
/// read-modify-write under <see cref="_gate"/>, never across an await.
/// </summary>
public sealed class UserStore
{
    /// <summary>LiteDB collection name.</summary>
    public const string CollectionName = "users";

    private readonly ILiteCollection<UserDocument> _users;
    private readonly PasswordHasher<string> _hasher = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();

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
    public IReadOnlyList<ConciergusUser> List() =>
        _users.FindAll().OrderBy(u => u.UserName, StringComparer.OrdinalIgnoreCase).Select(ToUser).ToList();

    /// <summary>The account, or null.</summary>
    public ConciergusUser? Find(string userName) =>
        string.IsNullOrWhiteSpace(userName) ? null : _users.FindById(Normalize(userName)) is { } doc ? ToUser(doc) : null;

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

    /// <summary>Checks a password and applies the lockout rules; the outcome says what happened.</summary>
    public PasswordCheck CheckPassword(string userName, string password, int maxFailedAttempts, TimeSpan lockoutDuration)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            var doc = string.IsNullOrWhiteSpace(userName) ? null : _users.FindById(Normalize(userName));
            if (doc is null)
            {
                _hasher.VerifyHashedPassword(string.Empty, _dummyHash, password ?? string.Empty);
                return new PasswordCheck(PasswordCheckOutcome.UnknownUser, null);
            }

            var verified = _hasher.VerifyHashedPassword(doc.UserName, doc.PasswordHash, password ?? string.Empty);
            if (doc.LockoutUntil is { } until && new DateTimeOffset(until, TimeSpan.Zero) > now)
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
                return new PasswordCheck(PasswordCheckOutcome.Success, ToUser(doc));
            }

            doc.FailedAttempts++;
            var outcome = PasswordCheckOutcome.WrongPassword;
            if (doc.FailedAttempts >= maxFailedAttempts)
            {
                doc.LockoutUntil = now.Add(lockoutDuration).UtcDateTime;
                doc.FailedAttempts = 0;
                outcome = PasswordCheckOutcome.LockedNow;
            }

            _users.Update(doc);
            return new PasswordCheck(outcome, ToUser(doc));
        }
    }

    /// <summary>Sets a new password (and clears the lockout); false when the user does not exist.</summary>
    public bool SetPassword(string userName, string password) =>
        Change(userName, doc =>
        {
            doc.PasswordHash = _hasher.HashPassword(doc.UserName, password);
            doc.FailedAttempts = 0;
            doc.LockoutUntil = null;
        });

    /// <summary>Changes the role; false when the user does not exist.</summary>
    public bool SetRole(string userName, ConciergusRole role) => Change(userName, doc => doc.Role = role);

    /// <summary>Clears the lockout and the failure count; false when the user does not exist.</summary>
    public bool Unlock(string userName) => Change(userName, doc =>
    {
        doc.FailedAttempts = 0;
        doc.LockoutUntil = null;
    }, touchChanged: false);

    /// <summary>Deletes the account; false when it did not exist.</summary>
    public bool Delete(string userName)
    {
        lock (_gate)
        {
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

    private static ConciergusUser ToUser(UserDocument doc) => new(
        doc.UserName,
        doc.Role,
        doc.FailedAttempts,
        doc.LockoutUntil is { } until ? new DateTimeOffset(DateTime.SpecifyKind(until, DateTimeKind.Utc)) : null,
        new DateTimeOffset(DateTime.SpecifyKind(doc.Created, DateTimeKind.Utc)),
        new DateTimeOffset(DateTime.SpecifyKind(doc.Changed, DateTimeKind.Utc)));

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

    /// <summary>Wrong password, and this failure locked the account.</summary>
    LockedNow,

    /// <summary>The account is locked (the password was not looked at for the outcome).</summary>
    LockedOut,
}

/// <summary>Outcome of <see cref="UserStore.CheckPassword"/>.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="User">The account, when it exists.</param>
public sealed record PasswordCheck(PasswordCheckOutcome Outcome, ConciergusUser? User);
