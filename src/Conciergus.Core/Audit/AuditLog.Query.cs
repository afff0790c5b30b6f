using LiteDB;

namespace Conciergus.Core.Audit;

/// <summary>Filters for <see cref="AuditLog.Query"/>.</summary>
public sealed record AuditQuery
{
    /// <summary>Actor contains this text (case-insensitive).</summary>
    public string? Actor { get; init; }

    /// <summary>Action starts with this text ("auth." matches every sign-in action).</summary>
    public string? Action { get; init; }

    /// <summary>Target contains this text (case-insensitive).</summary>
    public string? Target { get; init; }

    /// <summary>Entries at or after this time.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Entries before this time.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Page size (1..1000).</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Entries to skip (newest first).</summary>
    public int Offset { get; init; }
}

/// <summary>One page of entries, newest first, with the total that match.</summary>
/// <param name="Total">Entries matching the filters.</param>
/// <param name="Entries">The page.</param>
public sealed record AuditPage(long Total, IReadOnlyList<AuditEntry> Entries);

public sealed partial class AuditLog
{
    /// <summary>Largest page <see cref="Query"/> returns.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Entries matching the filters, newest first.</summary>
    public AuditPage Query(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var filters = new List<BsonExpression>();
        if (!string.IsNullOrWhiteSpace(query.Actor))
        {
            filters.Add(LiteDB.Query.Contains("actor", query.Actor.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            filters.Add(LiteDB.Query.StartsWith("action", query.Action.Trim()));
        }

        if (!string.IsNullOrWhiteSpace(query.Target))
        {
            filters.Add(LiteDB.Query.Contains("target", query.Target.Trim()));
        }

        // Timestamps are stored as UTC round-trip strings of one fixed shape, so string order is time order.
        if (query.From is { } from)
        {
            filters.Add(LiteDB.Query.GTE("ts", AuditCanonical.FormatTimestamp(from)));
        }

        if (query.To is { } to)
        {
            filters.Add(LiteDB.Query.LT("ts", AuditCanonical.FormatTimestamp(to)));
        }

        var where = filters.Count switch
        {
            0 => null,
            1 => filters[0],
            _ => LiteDB.Query.And([.. filters]),
        };
        var limit = Math.Clamp(query.Limit, 1, MaxPageSize);
        var offset = Math.Max(query.Offset, 0);
        var total = where is null ? Entries.LongCount() : Entries.LongCount(where);
        var q = Entries.Query();
        if (where is not null)
        {
            q = q.Where(where);
        }

        var page = q.OrderByDescending("_id").Offset(offset).Limit(limit).ToList().Select(AuditDocuments.FromDocument).ToList();
        return new AuditPage(total, page);
    }

    /// <summary>Up to <paramref name="count"/> entries after <paramref name="afterSequence"/>, oldest first (export reads in such batches, never holding a cursor across an await).</summary>
    public IReadOnlyList<AuditEntry> ReadAfter(long afterSequence, int count) =>
        Entries.Query().Where(LiteDB.Query.GT("_id", afterSequence)).OrderBy("_id").Limit(Math.Clamp(count, 1, 10_000))
            .ToList().Select(AuditDocuments.FromDocument).ToList();

    /// <summary>Entries whose actor is exactly <paramref name="actor"/>, oldest first.</summary>
    public IReadOnlyList<AuditEntry> ByActor(string actor) =>
        Entries.Find(LiteDB.Query.EQ("actor", actor)).Select(AuditDocuments.FromDocument)
            .Where(e => string.Equals(e.Actor, actor, StringComparison.Ordinal)).OrderBy(e => e.Sequence).ToList();

    /// <summary>One entry by sequence, or null.</summary>
    public AuditEntry? Get(long sequence) => Entries.FindById(sequence) is { } doc ? AuditDocuments.FromDocument(doc) : null;
}
