using System.Text.Json;
using System.Text.Json.Serialization;

using Conciergus.Core.Storage;

using LiteDB;

using JsonSerializer = System.Text.Json.JsonSerializer;

namespace Conciergus.Core.Alerts;

/// <summary>An instance with the evaluator's private state (persisted together so a restart continues).</summary>
internal sealed class InstanceState
{
    public required AlertInstance Instance { get; set; }

    /// <summary>Prometheus KeepFiringSince: when the condition cleared while keep_firing_for holds it firing.</summary>
    public DateTimeOffset? KeptFiringSince { get; set; }

    public bool IsOpen => Instance.State != AlertState.Resolved;
}

/// <summary>Per receiver and rule: the Alertmanager aggregation group and what it last notified (its nflog entry).</summary>
internal sealed record NotifyGroup
{
    public required string Id { get; init; }

    public required string Receiver { get; init; }

    public required string RuleId { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastFlushAt { get; init; }

    public DateTimeOffset? LastSentAt { get; init; }

    /// <summary>Instance ids last notified as firing (a resolved notification goes out for each when it resolves).</summary>
    public IReadOnlyList<string> NotifiedFiring { get; init; } = [];

    public static string IdOf(string receiver, string ruleId) => receiver + "\u001f" + ruleId;
}

/// <summary>
/// LiteDB persistence: alert_rules, alert_instances (with history), alert_silences, alert_receivers, alert_deliveries,
/// alert_notify_state. Documents hold JSON text so records with init-only members round-trip exactly; a few fields
/// are copied out for queries (open, endsAt, at).
/// </summary>
internal sealed class AlertStore
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly ILiteCollection<BsonDocument> _rules;
    private readonly ILiteCollection<BsonDocument> _instances;
    private readonly ILiteCollection<BsonDocument> _silences;
    private readonly ILiteCollection<BsonDocument> _receivers;
    private readonly ILiteCollection<BsonDocument> _deliveries;
    private readonly ILiteCollection<BsonDocument> _notify;

    private readonly ConciergusDatabase _database;

    public AlertStore(ConciergusDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        var db = database.Database;
        _rules = db.GetCollection("alert_rules");
        _instances = db.GetCollection("alert_instances");
        _instances.EnsureIndex("open");
        _silences = db.GetCollection("alert_silences");
        _receivers = db.GetCollection("alert_receivers");
        _deliveries = db.GetCollection("alert_deliveries");
        _deliveries.EnsureIndex("at");
        _notify = db.GetCollection("alert_notify_state");
    }

    public List<AlertRule> LoadRules() => [.. _rules.FindAll().Select(d => From<AlertRule>(d))];

    public void SaveRule(AlertRule rule)
    {
        _database.ThrowIfUnavailable();
        _rules.Upsert(Doc(rule.Id, rule));
    }

    public void DeleteRule(string id)
    {
        _database.ThrowIfUnavailable();
        _rules.Delete(id);
    }

    public List<InstanceState> LoadInstances() =>
        [.. _instances.FindAll().Select(d => new InstanceState
        {
            Instance = From<AlertInstance>(d),
            KeptFiringSince = d["keptFiringSince"].IsNull ? null : new DateTimeOffset(d["keptFiringSince"].AsDateTime.ToUniversalTime()),
        })];

    public void SaveInstance(InstanceState state)
    {
        _database.ThrowIfUnavailable();
        var doc = Doc(state.Instance.Id, state.Instance);
        doc["open"] = state.IsOpen;
        doc["endsAt"] = state.Instance.EndsAt is { } end ? end.UtcDateTime : BsonValue.Null;
        doc["keptFiringSince"] = state.KeptFiringSince is { } k ? k.UtcDateTime : BsonValue.Null;
        _instances.Upsert(doc);
    }

    /// <summary>The stored documents of these instances (for the archive before a purge), exactly as stored.</summary>
    public List<BsonDocument> InstanceDocuments(IEnumerable<string> ids) => [.. ids.Select(id => _instances.FindById(id)).Where(d => d is not null)];

    /// <summary>The stored documents of these silences, exactly as stored.</summary>
    public List<BsonDocument> SilenceDocuments(IEnumerable<string> ids) => [.. ids.Select(id => _silences.FindById(id)).Where(d => d is not null)];

    public void DeleteInstance(string id)
    {
        _database.ThrowIfUnavailable();
        _instances.Delete(id);
    }

    public List<Silence> LoadSilences() => [.. _silences.FindAll().Select(d => From<Silence>(d))];

    public void SaveSilence(Silence silence)
    {
        _database.ThrowIfUnavailable();
        _silences.Upsert(Doc(silence.Id, silence));
    }

    public void DeleteSilence(string id)
    {
        _database.ThrowIfUnavailable();
        _silences.Delete(id);
    }

    public List<AlertReceiver> LoadReceivers() => [.. _receivers.FindAll().Select(d => From<AlertReceiver>(d))];

    public void SaveReceiver(AlertReceiver receiver)
    {
        _database.ThrowIfUnavailable();
        _receivers.Upsert(Doc(receiver.Name, receiver));
    }

    public void DeleteReceiver(string name)
    {
        _database.ThrowIfUnavailable();
        _receivers.Delete(name);
    }

    public List<NotifyGroup> LoadGroups() => [.. _notify.FindAll().Select(d => From<NotifyGroup>(d))];

    public void SaveGroup(NotifyGroup group)
    {
        _database.ThrowIfUnavailable();
        _notify.Upsert(Doc(group.Id, group));
    }

    public void DeleteGroup(string id)
    {
        _database.ThrowIfUnavailable();
        _notify.Delete(id);
    }

    public void AddDelivery(AlertDelivery delivery, int keep)
    {
        _database.ThrowIfUnavailable();
        var doc = Doc(delivery.Id, delivery);
        doc["at"] = delivery.At.UtcDateTime;
        _deliveries.Insert(doc);
        var count = _deliveries.Count();
        if (count > keep)
        {
            // Oldest first; a few extra deleted at once keeps this from running on every insert.
            var cut = _deliveries.Query().OrderBy("at").Limit(count - keep + Math.Max(1, keep / 20)).ToList();
            foreach (var id in cut)
            {
                _deliveries.Delete(id["_id"]);
            }
        }
    }

    public List<AlertDelivery> Deliveries(int limit) =>
        [.. _deliveries.Query().OrderByDescending("at").Limit(limit).ToList().Select(d => From<AlertDelivery>(d))];

    private static BsonDocument Doc<T>(string id, T value) =>
        new() { ["_id"] = id, ["json"] = JsonSerializer.Serialize(value, Json) };

    private static T From<T>(BsonDocument doc) => JsonSerializer.Deserialize<T>(doc["json"].AsString, Json)!;
}
