using System.Security.Cryptography;
using System.Text;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Conciergus.Dashboard.Security;

/// <summary>An API key as listed (the secret itself is never kept).</summary>
/// <param name="Id">Short public id ("cfg-1" for configured keys, 12 hex characters for created ones).</param>
/// <param name="Role">Role it grants.</param>
/// <param name="Description">What the key is for, as the Admin typed it.</param>
/// <param name="Created">When it was created (null for configured keys).</param>
/// <param name="LastUsed">Last successful use (in-process for configured keys).</param>
/// <param name="Configured">Whether it comes from configuration (cannot be revoked in the UI).</param>
public sealed record ApiKeyInfo(string Id, ConciergusRole Role, string? Description, DateTimeOffset? Created, DateTimeOffset? LastUsed, bool Configured);

/// <summary>
/// API keys for automation: the configured ones (<c>Conciergus:Api:Keys</c>) and those Admins create, which are
/// stored as SHA-256 digests in LiteDB (collection "apikeys"). A candidate is hashed once and compared with
/// <see cref="CryptographicOperations.FixedTimeEquals"/> against every known digest, with no early exit, so
/// timing tells neither which key matched nor how much of a wrong key was right.
/// </summary>
public sealed class ApiKeyStore
{
    /// <summary>LiteDB collection name.</summary>
    public const string CollectionName = "apikeys";

    /// <summary>Prefix of generated keys (recognisable in logs and secret scanners).</summary>
    public const string KeyPrefix = "cak_";

    // Writes of "last used" are throttled: a busy automation client should not write to LiteDB on every request.
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly ILiteCollection<ApiKeyDocument> _keys;
    private readonly TimeProvider _time;
    private readonly (string Id, byte[] Digest, ConciergusRole Role)[] _configured;
    private readonly Dictionary<string, DateTimeOffset> _configuredLastUsed = [];
    private readonly Lock _gate = new();
    private volatile KeyEntry[] _stored;

    /// <summary>Loads configured and stored keys.</summary>
    public ApiKeyStore(ConciergusDatabase database, IOptions<ApiOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _keys = database.Database.GetCollection<ApiKeyDocument>(CollectionName);
        _configured = options.Value.Keys
            .Where(k => !string.IsNullOrWhiteSpace(k.Key))
            .Select((k, i) => ($"cfg-{i + 1}", Digest(k.Key.Trim()), k.Role))
            .ToArray();
        _stored = LoadStored();
    }

    /// <summary>The key's id and role when <paramref name="candidate"/> is a valid, unrevoked key; else null.</summary>
    public (string Id, ConciergusRole Role)? Validate(string? candidate)
    {
        if (string.IsNullOrWhiteSpace(candidate))
        {
            return null;
        }

        var digest = Digest(candidate.Trim());
        (string Id, ConciergusRole Role)? match = null;

        // No early exit: every digest is compared whatever matched before.
        foreach (var (id, known, role) in _configured)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, known))
            {
                match = (id, role);
            }
        }

        foreach (var entry in _stored)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, entry.Digest))
            {
                match = (entry.Id, entry.Role);
            }
        }

        if (match is { } found)
        {
            TouchLastUsed(found.Id);
        }

        return match;
    }

    /// <summary>Creates a key; returns its info and the secret, which is shown once and never stored.</summary>
    public (ApiKeyInfo Info, string Secret) Create(ConciergusRole role, string? description)
    {
        var secret = KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var doc = new ApiKeyDocument
        {
            Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)),
            Hash = Convert.ToHexStringLower(Digest(secret)),
            Role = role,
            Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim(),
            Created = _time.GetUtcNow().UtcDateTime,
        };
        lock (_gate)
        {
            _keys.Insert(doc);
            _stored = LoadStored();
        }

        return (ToInfo(doc), secret);
    }

    /// <summary>Revokes a stored key; false when there is no such (unrevoked) key.</summary>
    public bool Revoke(string id)
    {
        lock (_gate)
        {
            var doc = _keys.FindById(id);
            if (doc is null || doc.Revoked is not null)
            {
                return false;
            }

            doc.Revoked = _time.GetUtcNow().UtcDateTime;
            _keys.Update(doc);
            _stored = LoadStored();
            return true;
        }
    }

    /// <summary>Configured keys first, then stored unrevoked keys, newest first.</summary>
    public IReadOnlyList<ApiKeyInfo> List()
    {
        var list = new List<ApiKeyInfo>();
        lock (_gate)
        {
            foreach (var (id, _, role) in _configured)
            {
                list.Add(new ApiKeyInfo(id, role, "from configuration", null, _configuredLastUsed.TryGetValue(id, out var used) ? used : null, Configured: true));
            }
        }

        list.AddRange(_keys.Find(k => k.Revoked == null).OrderByDescending(k => k.Created).Select(ToInfo));
        return list;
    }

    private void TouchLastUsed(string id)
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (id.StartsWith("cfg-", StringComparison.Ordinal))
            {
                _configuredLastUsed[id] = now;
                return;
            }

            var doc = _keys.FindById(id);
            if (doc is not null && (doc.LastUsed is not { } last || now.UtcDateTime - last >= LastUsedResolution))
            {
                doc.LastUsed = now.UtcDateTime;
                _keys.Update(doc);
            }
        }
    }

    private KeyEntry[] LoadStored() =>
        _keys.Find(k => k.Revoked == null).Select(k => new KeyEntry(k.Id, Convert.FromHexString(k.Hash), k.Role)).ToArray();

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static ApiKeyInfo ToInfo(ApiKeyDocument doc) => new(
        doc.Id,
        doc.Role,
        doc.Description,
        new DateTimeOffset(DateTime.SpecifyKind(doc.Created, DateTimeKind.Utc)),
        doc.LastUsed is { } used ? new DateTimeOffset(DateTime.SpecifyKind(used, DateTimeKind.Utc)) : null,
        Configured: false);

    private sealed record KeyEntry(string Id, byte[] Digest, ConciergusRole Role);

    /// <summary>The stored shape: the SHA-256 digest of the key, never the key.</summary>
    internal sealed class ApiKeyDocument
    {
        public string Id { get; set; } = "";

        public string Hash { get; set; } = "";

        public ConciergusRole Role { get; set; }

        public string? Description { get; set; }

        public DateTime Created { get; set; }

        public DateTime? LastUsed { get; set; }

        public DateTime? Revoked { get; set; }
    }
}
