using System.Globalization;
using LiteDB;

namespace Conciergus.Core.Audit;

/// <summary>Maps audit entries to and from their LiteDB documents (collection "audit", _id = sequence).</summary>
internal static class AuditDocuments
{
    public const string Collection = "audit";
    public const string AnchorCollection = "audit_anchor";

    public static BsonDocument ToDocument(AuditEntry entry)
    {
        var doc = new BsonDocument
        {
            ["_id"] = entry.Sequence,
            ["ts"] = AuditCanonical.FormatTimestamp(entry.Timestamp),
            ["action"] = entry.Action,
            ["prev"] = entry.PreviousHash,
            ["bodyHash"] = entry.BodyHash,
            ["hash"] = entry.Hash,
        };
        if (entry.ContentPurged)
        {
            doc["purged"] = true;
            return doc;
        }

        doc["actor"] = entry.Actor;
        doc["role"] = entry.Role;
        doc["target"] = entry.Target is null ? BsonValue.Null : entry.Target;

        // Pairs, not a sub-document: detail keys may hold characters LiteDB does not allow in field names.
        var details = new BsonArray();
        foreach (var (key, value) in (entry.Details ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            details.Add(new BsonArray { key, value });
        }

        doc["details"] = details;
        doc["ip"] = entry.SourceIp is null ? BsonValue.Null : entry.SourceIp;
        return doc;
    }

    public static AuditEntry FromDocument(BsonDocument doc)
    {
        Dictionary<string, string>? details = null;
        if (doc.TryGetValue("details", out var d) && d.IsArray)
        {
            details = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in d.AsArray)
            {
                if (pair.IsArray && pair.AsArray.Count == 2)
                {
                    details[Str(pair.AsArray[0]) ?? ""] = Str(pair.AsArray[1]) ?? "";
                }
            }
        }

        return new AuditEntry
        {
            Sequence = doc["_id"].AsInt64,
            Timestamp = DateTimeOffset.Parse(Str(doc["ts"]) ?? "", CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            Actor = Str(Get(doc, "actor")) ?? "",
            Role = Str(Get(doc, "role")) ?? "",
            Action = Str(doc["action"]) ?? "",
            Target = Str(Get(doc, "target")),
            Details = details,
            SourceIp = Str(Get(doc, "ip")),
            PreviousHash = Str(doc["prev"]) ?? "",
            Hash = Str(doc["hash"]) ?? "",
            BodyHash = Str(Get(doc, "bodyHash")),
            ContentPurged = Get(doc, "purged") is { IsBoolean: true } p && p.AsBoolean,
        };
    }

    private static BsonValue Get(BsonDocument doc, string key) => doc.TryGetValue(key, out var v) ? v : BsonValue.Null;

    private static string? Str(BsonValue value) => value.IsNull ? null : value.IsString ? value.AsString : value.ToString();
}

/// <summary>Where the kept history starts after a retention purge: the first kept sequence and the hash it links to.</summary>
/// <param name="Sequence">First kept sequence.</param>
/// <param name="PreviousHash">Hash of the last purged entry (the first kept entry's previous hash).</param>
/// <param name="PurgedAt">When the purge ran.</param>
public sealed record AuditAnchor(long Sequence, string PreviousHash, DateTimeOffset PurgedAt);
