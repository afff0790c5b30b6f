using System.Collections.Concurrent;
using System.Security.Cryptography;
using Conciergus.Core.Audit;
using Conciergus.Core.Storage;
using LiteDB;

namespace Conciergus.Core.Compliance;

/// <summary>
/// The erasable mapping from a user id to the pseudonymous reference decision records carry (LiteDB collection
/// "decision_subjects"). A row's id is HMAC-SHA256(key, userId) with the audit key file in the data directory (sub-key
/// "conciergus-decision-subject-v1"); it holds a random reference ("ref:" + 20 hex). The chain never holds the user id
/// or anything derived from it alone: erasing the row makes the user's records unlinkable (their hashes are unchanged).
/// </summary>
public sealed class DecisionSubjects
{
    private const string Collection = "decision_subjects";
    private const string Purpose = "conciergus-decision-subject-v1";
    private const int MaxCached = 100_000;
    private readonly ConciergusDatabase _database;
    private readonly AuditKey _key;
    private readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);

    /// <summary>Creates it over the shared database and the key outside it.</summary>
    public DecisionSubjects(ConciergusDatabase database, AuditKey key)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(key);
        _database = database;
        _key = key;
    }

    private ILiteCollection<BsonDocument> Rows => _database.Database.GetCollection(Collection);

    /// <summary>The user's reference, created on first use (called by the decision writer).</summary>
    public string ReferenceFor(string userId)
    {
        if (_cache.TryGetValue(userId, out var cached))
        {
            return cached;
        }

        var id = LookupId(userId);
        var reference = Rows.FindById(id)?["ref"].AsString;
        if (reference is null)
        {
            reference = "ref:" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
            Rows.Insert(new BsonDocument { ["_id"] = id, ["ref"] = reference });
        }

        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[userId] = reference;
        return reference;
    }

    /// <summary>The user's reference if one exists (never creates one).</summary>
    public string? Find(string userId)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        return _cache.TryGetValue(userId, out var cached) ? cached : Rows.FindById(LookupId(userId))?["ref"].AsString;
    }

    /// <summary>Deletes the mapping: the user's records stay (chain intact) but can no longer be linked to them. Returns the reference it removed.</summary>
    public string? Erase(string userId)
    {
        var reference = Find(userId);
        Rows.Delete(LookupId(userId));
        _cache.TryRemove(userId, out _);
        return reference;
    }

    /// <summary>Rectification of a user id: the mapping moves from <paramref name="from"/> to <paramref name="to"/>, so the records follow the corrected id. False when there was nothing to move or <paramref name="to"/> already has records.</summary>
    public bool Move(string from, string to)
    {
        var reference = Find(from);
        if (reference is null || Find(to) is not null)
        {
            return false;
        }

        Rows.Insert(new BsonDocument { ["_id"] = LookupId(to), ["ref"] = reference });
        Rows.Delete(LookupId(from));
        _cache.TryRemove(from, out _);
        return true;
    }

    private string LookupId(string userId) => _key.Sign(Purpose, userId);
}
