using System.Globalization;
using System.Text;

using Conciergus.Core.Audit;
using Conciergus.Core.Export;
using LiteDB;

namespace Conciergus.Core.Compliance;

/// <summary>A page of decision records.</summary>
/// <param name="Total">Records matching the filter.</param>
/// <param name="Subject">The pseudonymous reference searched for (null when no user was given or the user has none).</param>
/// <param name="Records">The page, newest first.</param>
public sealed record DecisionPage(long Total, string? Subject, IReadOnlyList<DecisionRecord> Records);

/// <summary>What a decision retention purge did.</summary>
/// <param name="Deleted">Records deleted from the start of the chain.</param>
/// <param name="FirstSequence">Where kept history now starts.</param>
/// <param name="AnchorHash">The hash the first kept record links to.</param>
/// <param name="Cutoff">Records recorded before this were due.</param>
public sealed record DecisionPurgeResult(long Deleted, long FirstSequence, string AnchorHash, DateTimeOffset Cutoff)
{
    /// <summary>The archive written before the purge, when archival is on.</summary>
    public ArchiveResult? Archive { get; init; }
}

public sealed partial class DecisionLog
{
    /// <summary>Largest page <see cref="Search"/> returns.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>
    /// Records newest first, filtered by user (through the erasable pseudonym mapping: a user without one, or erased,
    /// has no records) and by operation time [from, to).
    /// </summary>
    public DecisionPage Search(string? userId, DateTimeOffset? from, DateTimeOffset? to, int limit = 100, int offset = 0)
    {
        string? subject = null;
        if (!string.IsNullOrEmpty(userId))
        {
            subject = _subjects.Find(userId);
            if (subject is null)
            {
                return new DecisionPage(0, null, []);
            }
        }

        var filter = Filter(subject, from, to);
        var total = filter is null ? Records.LongCount() : Records.LongCount(filter);
        var query = Records.Query();
        if (filter is not null)
        {
            query = query.Where(filter);
        }

        var page = query.OrderByDescending("_id").Skip(Math.Max(0, offset)).Limit(Math.Clamp(limit, 1, MaxPageSize)).ToList();
        return new DecisionPage(total, subject, [.. page.Select(DecisionDocuments.FromDocument)]);
    }

    /// <summary>Records of one user's pseudonym (for the subject export), oldest first.</summary>
    public IReadOnlyList<DecisionRecord> ForSubject(string subject) =>
        [.. Records.Find(Query.EQ("subj", subject)).OrderBy(d => d["_id"].AsInt64).Select(DecisionDocuments.FromDocument)];

    /// <summary>Writes the records matching the filter, oldest first, as JSON lines or CSV (through <see cref="CsvWriter"/>: formula cells neutralised).</summary>
    public async Task ExportAsync(Stream output, string format, string? userId, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        var csv = string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);
        string? subject = null;
        if (!string.IsNullOrEmpty(userId) && (subject = _subjects.Find(userId)) is null)
        {
            return;
        }

        var filter = Filter(subject, from, to);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        if (csv)
        {
            await writer.WriteLineAsync(CsvWriter.Line(CsvHeader)).ConfigureAwait(false);
        }

        long after = 0;
        while (true)
        {
            // Paged reads: no LiteDB cursor stays open across the awaits of writing the response.
            var idFilter = Query.GT("_id", after);
            var page = Records.Query().Where(filter is null ? idFilter : Query.And(idFilter, filter)).OrderBy("_id").Limit(1000).ToList();
            foreach (var record in page.Select(DecisionDocuments.FromDocument))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await writer.WriteLineAsync(csv ? CsvLine(record) : System.Text.Json.JsonSerializer.Serialize(record, ExportJson)).ConfigureAwait(false);
            }

            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1]["_id"].AsInt64;
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the records recorded before <paramref name="cutoff"/> from the start of the chain and moves the signed
    /// anchor past them, in one transaction under the chain gate (serialized with the writer). Records are appended in
    /// time order, so what is due is always a prefix. Null when nothing was due.
    /// </summary>
    public DecisionPurgeResult? PurgeBefore(DateTimeOffset cutoff, RetentionArchive? archive = null)
    {
        lock (_chainGate)
        {
            var cutoffText = AuditCanonical.FormatTimestamp(cutoff);
            var anchor = LoadAnchor();
            var start = anchor?.Sequence ?? 1;
            long lastDue = start - 1;
            string? lastHash = null;
            foreach (var doc in WalkDocuments(start - 1))
            {
                if (string.CompareOrdinal(doc["at"].AsString, cutoffText) >= 0 || doc["_id"].AsInt64 != lastDue + 1)
                {
                    break;
                }

                lastDue = doc["_id"].AsInt64;
                lastHash = doc["hash"].AsString;
            }

            if (lastHash is null)
            {
                return null;
            }

            var now = _time.GetUtcNow().ToUniversalTime();
            var moved = new DecisionAnchor(lastDue + 1, lastHash, now, cutoff.ToUniversalTime(), "");
            moved = moved with { Hmac = SignAnchor(moved) };
            var db = _database.Database;
            var deleted = 0;

            // Archive first: a failure throws and nothing is purged.
            var archived = archive?.Write("decisions", [.. WalkDocuments(start - 1).TakeWhile(d => d["_id"].AsInt64 <= lastDue)], now);

            // Records and anchor move in one transaction, which a backup snapshot sees whole or not at all.
            _database.WriteAcrossCollections(() =>
            {
                db.BeginTrans();
                try
                {
                    deleted = Records.DeleteMany(Query.LTE("_id", lastDue));
                    Anchors.Upsert(new BsonDocument
                    {
                        ["_id"] = 1,
                        ["sequence"] = moved.Sequence,
                        ["prev"] = moved.PreviousHash,
                        ["at"] = AuditCanonical.FormatTimestamp(moved.PurgedAt),
                        ["cutoff"] = AuditCanonical.FormatTimestamp(moved.Cutoff),
                        ["hmac"] = moved.Hmac,
                    });
                    db.Commit();
                }
                catch
                {
                    db.Rollback();
                    throw;
                }
            });

            db.Checkpoint();
            if (_headSequence < moved.Sequence - 1)
            {
                (_headSequence, _headHash) = (moved.Sequence - 1, moved.PreviousHash);
            }

            return new DecisionPurgeResult(deleted, moved.Sequence, moved.PreviousHash, cutoff) { Archive = archived };
        }
    }

    private static BsonExpression? Filter(string? subject, DateTimeOffset? from, DateTimeOffset? to)
    {
        var parts = new List<BsonExpression>();
        if (subject is not null)
        {
            parts.Add(Query.EQ("subj", subject));
        }

        if (from is { } f)
        {
            parts.Add(Query.GTE("ts", AuditCanonical.FormatTimestamp(f)));
        }

        if (to is { } t)
        {
            parts.Add(Query.LT("ts", AuditCanonical.FormatTimestamp(t)));
        }

        return parts.Count switch
        {
            0 => null,
            1 => parts[0],
            _ => Query.And([.. parts]),
        };
    }

    private static readonly string[] CsvHeader =
    [
        "sequence", "recordedAt", "time", "operationId", "traceId", "application", "functionId", "operation", "provider", "model", "modelVersion",
        "experimentKey", "experimentVariant", "subject", "purpose", "inputDigest", "outputDigest", "digestSource", "outcome", "errorCategory",
        "previousHash", "hash",
    ];

    private static readonly System.Text.Json.JsonSerializerOptions ExportJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static string CsvLine(DecisionRecord r) => CsvWriter.Line(
        r.Sequence.ToString(CultureInfo.InvariantCulture), AuditCanonical.FormatTimestamp(r.RecordedAt), AuditCanonical.FormatTimestamp(r.Time),
        r.OperationId, r.TraceId, r.Application, r.FunctionId, r.Operation, r.Provider, r.Model, r.ModelVersion, r.ExperimentKey,
        r.ExperimentVariant, r.Subject, r.Purpose, r.InputDigest, r.OutputDigest, r.DigestSource, r.Outcome, r.ErrorCategory, r.PreviousHash, r.Hash);
}
