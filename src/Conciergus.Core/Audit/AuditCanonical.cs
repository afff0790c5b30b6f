using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Conciergus.Core.Audit;

/// <summary>
/// The canonical serialization and hashes of an audit entry (documented in Audit/README.md). Two levels: the
/// body (who, role, target, source IP, details) is hashed on its own, and the entry hash covers the sequence,
/// the timestamp, the action, the previous hash and that body hash. Retention can then drop the body of an
/// expired entry (a tombstone keeps its body hash) without breaking the chain.
/// </summary>
public static class AuditCanonical
{
    /// <summary>The previous hash of the very first entry: 64 zeros.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>Version tag, first element of both arrays.</summary>
    public const string Version = "v1";

    /// <summary>The body as a JSON array: ["v1", actor, role, target|null, sourceIp|null, [[key, value], ...]] with details sorted by key (ordinal).</summary>
    public static string Body(string actor, string role, string? target, string? sourceIp, IReadOnlyDictionary<string, string>? details)
    {
        var sb = new StringBuilder(128);
        sb.Append('[');
        AppendString(sb, Version).Append(',');
        AppendString(sb, actor).Append(',');
        AppendString(sb, role).Append(',');
        AppendString(sb, target).Append(',');
        AppendString(sb, sourceIp).Append(",[");
        var first = true;
        foreach (var (key, value) in (details ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!first)
            {
                sb.Append(',');
            }

            first = false;
            sb.Append('[');
            AppendString(sb, key).Append(',');
            AppendString(sb, value).Append(']');
        }

        return sb.Append("]]").ToString();
    }

    /// <summary>The entry as a JSON array: ["v1", sequence, timestamp (UTC, "O"), action, previousHash, bodyHash].</summary>
    public static string Entry(long sequence, DateTimeOffset timestamp, string action, string previousHash, string bodyHash)
    {
        var sb = new StringBuilder(200);
        sb.Append('[');
        AppendString(sb, Version).Append(',');
        sb.Append(sequence.ToString(CultureInfo.InvariantCulture)).Append(',');
        AppendString(sb, FormatTimestamp(timestamp)).Append(',');
        AppendString(sb, action).Append(',');
        AppendString(sb, previousHash).Append(',');
        AppendString(sb, bodyHash).Append(']');
        return sb.ToString();
    }

    /// <summary>The timestamp as hashed and stored: UTC, round-trip "O" format ("2026-11-27T12:00:00.0000000+00:00").</summary>
    public static string FormatTimestamp(DateTimeOffset timestamp) => timestamp.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    /// <summary>SHA-256 of the body, lower-case hex.</summary>
    public static string BodyHash(string actor, string role, string? target, string? sourceIp, IReadOnlyDictionary<string, string>? details) =>
        Sha256Hex(Body(actor, role, target, sourceIp, details));

    /// <summary>SHA-256 of the entry serialization, lower-case hex.</summary>
    public static string EntryHash(long sequence, DateTimeOffset timestamp, string action, string previousHash, string bodyHash) =>
        Sha256Hex(Entry(sequence, timestamp, action, previousHash, bodyHash));

    /// <summary>Both hashes of a full entry (body hash, entry hash).</summary>
    public static (string BodyHash, string Hash) Compute(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var body = BodyHash(entry.Actor, entry.Role, entry.Target, entry.SourceIp, entry.Details);
        return (body, EntryHash(entry.Sequence, entry.Timestamp, entry.Action, entry.PreviousHash, body));
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>A JSON string with RFC 8785 (JCS) escaping: \" \\ \b \f \n \r \t, other controls as \u00xx, everything else literal; null as null.</summary>
    internal static StringBuilder AppendString(StringBuilder sb, string? value)
    {
        if (value is null)
        {
            return sb.Append("null");
        }

        sb.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.Append('"');
    }
}
