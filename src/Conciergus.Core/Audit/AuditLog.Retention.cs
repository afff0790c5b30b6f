using System.Globalization;
using LiteDB;

namespace Conciergus.Core.Audit;

/// <summary>What a retention purge did.</summary>
/// <param name="Deleted">Entries deleted from the start of the chain (the anchor moved past them).</param>
/// <param name="Redacted">Expired entries behind a kept one: their body was removed, their hashes kept (tombstones).</param>
/// <param name="FirstSequence">Where kept history now starts.</param>
/// <param name="PurgeEntry">The audit entry recording the purge; null when nothing had expired.</param>
public sealed record RetentionResult(long Deleted, long Redacted, long FirstSequence, AuditEntry? PurgeEntry);

/// <summary>
/// Where retention per category comes from when something other than configuration owns it (the compliance
/// feature's retention policy, editable by Admins). Must contain <see cref="AuditOptions.DefaultCategory"/>.
/// </summary>
public interface IAuditRetentionSource
{
    /// <summary>Retention per action category; null to use <see cref="AuditOptions.Retention"/>.</summary>
    IReadOnlyDictionary<string, TimeSpan>? AuditRetention();
}

public sealed partial class AuditLog
{
    /// <summary>
    /// Applies retention now (also run daily by the hosted service): expired entries at the start of the chain are
    /// deleted and the anchor moves to the first kept entry; expired entries behind a kept one lose their body but
    /// keep their hashes. The purge is itself audited (<see cref="RetentionPurgeAction"/>), so the remaining chain verifies.
    /// </summary>
    public Task<RetentionResult> PurgeExpiredAsync()
    {
        var item = new PurgeItem();
        if (!_work.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log has been stopped.");
        }

        return item.Completion.Task;
    }

    /// <summary>Runs on the writer (serialized with appends).</summary>
    private RetentionResult Purge()
    {
        var now = _time.GetUtcNow().ToUniversalTime();
        var retention = _retentionSource?.AuditRetention() ?? _options.ParsedRetention();
        var cutoffs = retention.ToDictionary(p => p.Key, p => now - p.Value, StringComparer.OrdinalIgnoreCase);
        var latestCutoff = cutoffs.Values.Max();
        DateTimeOffset CutoffFor(string action) =>
            cutoffs.TryGetValue(Category(action), out var c) ? c : cutoffs[AuditOptions.DefaultCategory];

        var anchor = LoadAnchor();
        var start = anchor?.Sequence ?? 1;

        // Only entries older than the latest cutoff can have expired; timestamps are stored as sortable strings.
        var candidates = Entries.Query()
            .Where(LiteDB.Query.LT("ts", AuditCanonical.FormatTimestamp(latestCutoff)))
            .OrderBy("_id").ToList().Select(AuditDocuments.FromDocument).ToList();
        var delete = new List<AuditEntry>();
        var redact = new List<AuditEntry>();
        var inPrefix = true;
        var next = start;
        foreach (var entry in candidates)
        {
            var expired = entry.ContentPurged || entry.Timestamp < CutoffFor(entry.Action);
            if (inPrefix && entry.Sequence == next && expired)
            {
                delete.Add(entry);
                next++;
                continue;
            }

            inPrefix = false;
            if (expired && !entry.ContentPurged)
            {
                redact.Add(entry);
            }
        }

        if (delete.Count == 0 && redact.Count == 0)
        {
            return new RetentionResult(0, 0, start, null);
        }

        var firstKept = delete.Count > 0 ? delete[^1].Sequence + 1 : start;
        var anchorHash = delete.Count > 0 ? delete[^1].Hash : anchor?.PreviousHash ?? AuditCanonical.Genesis;
        var db = _database.Database;

        // Archive first (the entries as stored, bodies included): a failure throws and nothing is purged.
        var archived = _archive?.Write("audit", [.. delete.Concat(redact).Select(AuditDocuments.ToDocument)], now);

        // One synchronous transaction on the writer: deletes, tombstones and the anchor move together (and a backup
        // snapshot sees all of it or none).
        _database.WriteAcrossCollections(() =>
        {
            db.BeginTrans();
            try
            {
                if (delete.Count > 0)
                {
                    Entries.DeleteMany(LiteDB.Query.LTE("_id", delete[^1].Sequence));
                    Anchors.Upsert(new BsonDocument
                    {
                        ["_id"] = 1,
                        ["sequence"] = firstKept,
                        ["prev"] = anchorHash,
                        ["at"] = AuditCanonical.FormatTimestamp(now),
                    });
                }

                foreach (var entry in redact)
                {
                    Entries.Update(AuditDocuments.ToDocument(entry with
                    {
                        Actor = "",
                        Role = "",
                        Target = null,
                        Details = null,
                        SourceIp = null,
                        ContentPurged = true,
                    }));
                }

                db.Commit();
            }
            catch
            {
                db.Rollback();
                throw;
            }
        });

        db.Checkpoint();
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["deleted"] = delete.Count.ToString(CultureInfo.InvariantCulture),
            ["redacted"] = redact.Count.ToString(CultureInfo.InvariantCulture),
            ["firstSequence"] = firstKept.ToString(CultureInfo.InvariantCulture),
            ["anchorHash"] = anchorHash,
        };
        if (archived is not null)
        {
            details["archive"] = Path.GetFileName(archived.Path);
            details["archiveSha256"] = archived.Sha256;
            details["archived"] = archived.Count.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (category, cutoff) in cutoffs)
        {
            details["cutoff." + category] = AuditCanonical.FormatTimestamp(cutoff);
        }

        var purgeItem = new AppendItem(new AuditEvent { Actor = "system", Role = "System", Action = RetentionPurgeAction, Details = details });
        CommitBatch([purgeItem]);
        return new RetentionResult(delete.Count, redact.Count, firstKept, purgeItem.Completion.Task.GetAwaiter().GetResult());
    }
}
