using System.Text.Json;
using System.Text.Json.Serialization;

using Conciergus.Core.Storage;

using LiteDB;

using JsonSerializer = System.Text.Json.JsonSerializer;

namespace Conciergus.Core.Experiments;

/// <summary>
/// LiteDB persistence: "experiments" (one JSON document per experiment), "experiment_assignments" (first
/// assignment per experiment and user), "experiment_users" (per-user tallies) and "experiment_outcomes"
/// (per-variant sums). Documents hold JSON text so records with init-only members round-trip exactly.
/// </summary>
internal sealed class ExperimentStore : IExperimentAssignmentStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private const char Separator = '\u001f';
    private readonly ILiteCollection<BsonDocument> _experiments;
    private readonly ILiteCollection<BsonDocument> _assignments;
    private readonly ILiteCollection<BsonDocument> _users;
    private readonly ILiteCollection<BsonDocument> _outcomes;

    private readonly ConciergusDatabase _database;

    public ExperimentStore(ConciergusDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var db = database.Database;
        _experiments = db.GetCollection("experiments");
        _assignments = db.GetCollection("experiment_assignments");
        _assignments.EnsureIndex("userId");
        _users = db.GetCollection("experiment_users");
        _users.EnsureIndex("userId");
        _users.EnsureIndex("key");
        _outcomes = db.GetCollection("experiment_outcomes");
    }

    public IEnumerable<Experiment> LoadAll() =>
        _experiments.FindAll().Select(d => JsonSerializer.Deserialize<Experiment>(d["json"].AsString, Json)!).ToList();

    public void Save(Experiment experiment)
    {
        _database.ThrowIfUnavailable();
        _experiments.Upsert(new BsonDocument { ["_id"] = experiment.Key, ["json"] = JsonSerializer.Serialize(experiment, Json) });
    }

    public void Delete(string key)
    {
        _database.ThrowIfUnavailable();
        _experiments.Delete(key);
        _assignments.DeleteMany(Query.EQ("key", key));
        _users.DeleteMany(Query.EQ("key", key));
        _outcomes.Delete(key);
    }

    public string? FindAssignment(string key, string userId) =>
        _assignments.FindById(key + Separator + userId)?["variant"].AsString;

    public void SaveAssignment(string key, string userId, string variant, DateTimeOffset at)
    {
        _database.ThrowIfUnavailable();
        _assignments.Upsert(new BsonDocument
            {
                ["_id"] = key + Separator + userId,
                ["key"] = key,
                ["userId"] = userId,
                ["variant"] = variant,
                ["at"] = at.UtcDateTime,
            });
    }

    public IEnumerable<(string Key, string UserId, string Variant)> AssignmentsOf(IReadOnlySet<string> keys) =>
        _assignments.FindAll()
            .Where(d => keys.Contains(d["key"].AsString))
            .Select(d => (d["key"].AsString, d["userId"].AsString, d["variant"].AsString))
            .ToList();

    public IEnumerable<(string Key, string Variant, DateTime At)> AssignmentsOf(string userId) =>
        _assignments.Find(Query.EQ("userId", userId)).Select(d => (d["key"].AsString, d["variant"].AsString, d["at"].AsDateTime)).ToList();

    public int EraseUser(string userId)
    {
        _database.ThrowIfUnavailable();
        return _assignments.DeleteMany(Query.EQ("userId", userId)) + _users.DeleteMany(Query.EQ("userId", userId));
    }

    public void SaveTally(string key, IReadOnlyDictionary<string, VariantTally> variants, IReadOnlyDictionary<string, UserExport> users)
    {
        _database.ThrowIfUnavailable();
        _outcomes.Upsert(new BsonDocument
        {
            ["_id"] = key,
            ["json"] = JsonSerializer.Serialize(variants.ToDictionary(v => v.Key, v => new PersistedVariant(v.Value.Operations, v.Value.Successes, v.Value.Latency, v.Value.TimeToFirstToken, v.Value.Cost, v.Value.Tokens)), Json),
        });
        _users.Upsert(users.Select(u => new BsonDocument
        {
            ["_id"] = key + Separator + u.Key,
            ["key"] = key,
            ["userId"] = u.Key,
            ["json"] = JsonSerializer.Serialize(u.Value, Json),
        }));
    }

    public void LoadTally(string key, ExperimentTally tally)
    {
        if (_outcomes.FindById(key) is { } doc
            && JsonSerializer.Deserialize<Dictionary<string, PersistedVariant>>(doc["json"].AsString, Json) is { } variants)
        {
            foreach (var (variant, v) in variants)
            {
                tally.Restore(variant, new VariantTally
                {
                    Operations = v.Operations,
                    Successes = v.Successes,
                    Latency = v.Latency,
                    TimeToFirstToken = v.TimeToFirstToken,
                    Cost = v.Cost,
                    Tokens = v.Tokens,
                });
            }
        }

        foreach (var row in _users.Find(Query.EQ("key", key)))
        {
            if (JsonSerializer.Deserialize<UserExport>(row["json"].AsString, Json) is { } user)
            {
                tally.Restore(row["userId"].AsString, user);
            }
        }
    }

    private sealed record PersistedVariant(long Operations, long Successes, Moments Latency, Moments TimeToFirstToken, Moments Cost, Moments Tokens);
}
