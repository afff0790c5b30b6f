using System.Globalization;
using Conciergus.Core.Audit;
using Conciergus.Core.Operations;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>
/// The retention policy in force (LiteDB collection "compliance_settings"): the configured framework preset until
/// an Admin saves another. Also the audit log's retention source, so the audit trail's own daily purge follows it.
/// </summary>
public sealed class RetentionPolicyStore : IAuditRetentionSource, IOperationRetentionSource
{
    private const string Collection = "compliance_settings";
    private const string PolicyId = "retention";
    private readonly ConciergusDatabase _database;
    private readonly Lock _gate = new();
    private readonly bool _auditConfigured;
    private RetentionPolicy _policy;

    /// <summary>
    /// Loads the saved policy, else the configured preset; until an Admin saves a policy, an explicitly configured
    /// <c>Conciergus:Audit:Retention</c> keeps governing the audit trail (and its "default" is the policy's audit value).
    /// </summary>
    public RetentionPolicyStore(ConciergusDatabase database, IOptions<ComplianceOptions> options, IOptions<AuditOptions>? auditOptions = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        var audit = auditOptions?.Value;
        _auditConfigured = audit is not null && audit.Retention.Count > 0;
        var policy = Load();
        if (policy is null)
        {
            policy = RetentionPresets.PolicyOf(RetentionPresets.Find(options.Value.Framework) ?? RetentionPresets.All[0]);
            if (_auditConfigured && audit!.Retention.ContainsKey(AuditOptions.DefaultCategory))
            {
                var days = new Dictionary<string, int>(policy.Days, StringComparer.Ordinal)
                {
                    [DataClasses.Audit] = Math.Max(1, (int)Math.Ceiling(audit.ParsedRetention()[AuditOptions.DefaultCategory].TotalDays)),
                };
                policy = policy with { Days = days };
            }
        }

        _policy = policy;
    }

    /// <summary>The policy in force.</summary>
    public RetentionPolicy Current => Volatile.Read(ref _policy);

    /// <summary>Validates and saves a policy; throws <see cref="ArgumentException"/> with the reasons when invalid.</summary>
    public RetentionPolicy Save(string framework, IReadOnlyDictionary<string, int> days, string updatedBy, DateTimeOffset now)
    {
        var errors = RetentionPresets.Validate(framework, days);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", errors));
        }

        var policy = new RetentionPolicy
        {
            Framework = RetentionPresets.Find(framework)!.Framework,
            Days = new Dictionary<string, int>(days, StringComparer.Ordinal),
            UpdatedAt = now.ToUniversalTime(),
            UpdatedBy = updatedBy,
        };
        var doc = new BsonDocument
        {
            ["_id"] = PolicyId,
            ["framework"] = policy.Framework,
            ["updatedAt"] = AuditCanonical.FormatTimestamp(policy.UpdatedAt.Value),
            ["updatedBy"] = updatedBy,
            ["days"] = new BsonDocument(policy.Days.ToDictionary(p => p.Key, p => new BsonValue(p.Value))),
        };
        lock (_gate)
        {
            _database.Database.GetCollection(Collection).Upsert(doc);
            Volatile.Write(ref _policy, policy);
        }

        return policy;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One retention for every audit category: the policy's "audit" class. Null (the audit configuration applies) while
    /// no policy was saved and <c>Conciergus:Audit:Retention</c> is configured explicitly.
    /// </remarks>
    public IReadOnlyDictionary<string, TimeSpan>? AuditRetention()
    {
        var policy = Current;
        return policy.UpdatedAt is null && _auditConfigured
            ? null
            : new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase) { [AuditOptions.DefaultCategory] = policy.For(DataClasses.Audit) };
    }

    /// <inheritdoc />
    /// <remarks>
    /// The policy's "operations" class once an Admin saved a policy; until then null, so <c>Conciergus:Operations:Retention</c>
    /// applies (its default, 30 days, is every preset's value), as an explicit audit retention does for the audit trail.
    /// </remarks>
    public TimeSpan? OperationsRetention => Current is { UpdatedAt: not null } policy ? policy.For(DataClasses.Operations) : null;

    private RetentionPolicy? Load()
    {
        var doc = _database.Database.GetCollection(Collection).FindById(PolicyId);
        if (doc is null || RetentionPresets.Find(doc["framework"].AsString) is not { } preset)
        {
            return null;
        }

        var days = new Dictionary<string, int>(preset.Days, StringComparer.Ordinal);
        foreach (var (key, value) in doc["days"].AsDocument)
        {
            days[key] = value.AsInt32;
        }

        return new RetentionPolicy
        {
            Framework = preset.Framework,
            Days = days,
            UpdatedAt = DateTimeOffset.Parse(doc["updatedAt"].AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            UpdatedBy = doc["updatedBy"].AsString,
        };
    }
}
