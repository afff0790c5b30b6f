using System.Globalization;
using LiteDB;

namespace Conciergus.Core.Audit;

/// <summary>The result of walking the chain.</summary>
/// <param name="Valid">True when every entry, link, checkpoint and anchor checks out.</param>
/// <param name="Entries">Entries walked.</param>
/// <param name="FirstInvalidSequence">The first broken entry's sequence (null when valid, or when the problem has no single entry).</param>
/// <param name="Reason">What is wrong, in words (null when valid).</param>
public sealed record AuditVerification(bool Valid, long Entries, long? FirstInvalidSequence, string? Reason)
{
    /// <summary>Sequence of the last signed checkpoint checked, if any.</summary>
    public long? CheckpointSequence { get; init; }

    /// <summary>First sequence of the kept history (after retention purges), 1 when nothing was purged.</summary>
    public long FirstSequence { get; init; } = 1;
}

public sealed partial class AuditLog
{
    /// <summary>The action of a retention purge entry.</summary>
    public const string RetentionPurgeAction = "audit.retention_purge";

    /// <summary>
    /// Walks the chain: recomputes every hash, checks sequence continuity and previous-hash links, the anchor of
    /// purged history, content removed by retention, and every signed checkpoint (truncation, rollback, rewrite,
    /// entries added while the log was stopped). Names the first broken entry.
    /// </summary>
    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => LastVerification = Verify(cancellationToken), cancellationToken);

    /// <summary>The result of the last verification since start (any caller: API, page, report, the background check); null before the first.</summary>
    public AuditVerification? LastVerification
    {
        get => Volatile.Read(ref _lastVerification);
        private set => Volatile.Write(ref _lastVerification, value);
    }

    private AuditVerification? _lastVerification;

    private AuditVerification Verify(CancellationToken cancellationToken)
    {
        // Checkpoints first, then the head: a checkpoint is written after its entries are committed, so every
        // checkpoint read here is at or below the head read next.
        var checkpoints = _checkpoints.ReadAll();
        var head = HeadSequence;
        var wanted = checkpoints.Where(c => c.Checkpoint is not null).Select(c => c.Checkpoint!.Sequence).ToHashSet();
        var hashes = new Dictionary<long, string>();
        var anchor = LoadAnchor();
        var firstSequence = anchor?.Sequence ?? 1;
        var expectedSequence = firstSequence;
        var expectedPrevious = anchor?.PreviousHash ?? AuditCanonical.Genesis;
        var tombstones = new List<AuditEntry>();
        var purges = new List<AuditEntry>();
        long walked = 0;
        long? lastCheckpoint = checkpoints.LastOrDefault(c => c.Checkpoint is not null).Checkpoint?.Sequence;

        AuditVerification Invalid(long? sequence, string reason) =>
            new(false, walked, sequence, reason) { CheckpointSequence = lastCheckpoint, FirstSequence = firstSequence };

        foreach (var doc in WalkDocuments())
        {
            cancellationToken.ThrowIfCancellationRequested();
            AuditEntry entry;
            try
            {
                entry = AuditDocuments.FromDocument(doc);
            }
#pragma warning disable CA1031 // any unreadable document is tampering, reported as such
            catch (Exception)
#pragma warning restore CA1031
            {
                return Invalid(expectedSequence, $"entry {expectedSequence} cannot be read (document damaged or changed)");
            }

            if (entry.Sequence > head)
            {
                // Appended after this walk began: not part of the snapshot being verified.
                break;
            }

            if (entry.Sequence != expectedSequence)
            {
                return entry.Sequence > expectedSequence
                    ? Invalid(expectedSequence, expectedSequence + 1 == entry.Sequence
                        ? $"entry {expectedSequence} is missing (deleted)"
                        : $"entries {expectedSequence} to {entry.Sequence - 1} are missing (deleted)")
                    : Invalid(entry.Sequence, $"entry {entry.Sequence} is out of order");
            }

            string bodyHash;
            if (entry.ContentPurged)
            {
                bodyHash = entry.BodyHash ?? "";
                tombstones.Add(entry);
            }
            else
            {
                bodyHash = AuditCanonical.BodyHash(entry.Actor, entry.Role, entry.Target, entry.SourceIp, entry.Details);
            }

            if (!string.Equals(entry.PreviousHash, expectedPrevious, StringComparison.Ordinal))
            {
                return Invalid(entry.Sequence, entry.Sequence == firstSequence && anchor is not null
                    ? $"entry {entry.Sequence} does not link to the retention anchor"
                    : $"entry {entry.Sequence} does not link to entry {entry.Sequence - 1} (entries reordered, replaced or inserted)");
            }

            var hash = AuditCanonical.EntryHash(entry.Sequence, entry.Timestamp, entry.Action, entry.PreviousHash, bodyHash);
            if (!string.Equals(hash, entry.Hash, StringComparison.Ordinal))
            {
                return Invalid(entry.Sequence, $"entry {entry.Sequence} does not match its hash (content changed or forged)");
            }

            if (entry.Action == RetentionPurgeAction && !entry.ContentPurged)
            {
                purges.Add(entry);
            }

            if (wanted.Contains(entry.Sequence))
            {
                hashes[entry.Sequence] = entry.Hash;
            }

            expectedPrevious = entry.Hash;
            expectedSequence++;
            walked++;
        }

        var last = expectedSequence - 1;
        if (last < head)
        {
            return Invalid(last + 1, $"entries {last + 1} to {head} are missing (log truncated)");
        }

        if (Checkpoints(checkpoints, hashes, firstSequence, last) is { } checkpointProblem)
        {
            return Invalid(checkpointProblem.Sequence, checkpointProblem.Reason);
        }

        if (anchor is not null && !purges.Any(p => Detail(p, "firstSequence") == anchor.Sequence.ToString(CultureInfo.InvariantCulture)
                && Detail(p, "anchorHash") == anchor.PreviousHash))
        {
            return Invalid(anchor.Sequence, $"history starts at entry {anchor.Sequence} but no retention purge entry records that anchor (entries deleted)");
        }

        foreach (var tombstone in tombstones)
        {
            var category = Category(tombstone.Action);
            var covered = purges.Any(p => p.Sequence > tombstone.Sequence
                && (CutoffDetail(p, category) ?? CutoffDetail(p, AuditOptions.DefaultCategory)) is { } cutoff
                && DateTimeOffset.TryParse(cutoff, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c)
                && tombstone.Timestamp < c);
            if (!covered)
            {
                return Invalid(tombstone.Sequence, $"entry {tombstone.Sequence} had its content removed, but no retention purge covers it");
            }
        }

        return new AuditVerification(true, walked, null, null) { CheckpointSequence = lastCheckpoint, FirstSequence = firstSequence };
    }

    private (long? Sequence, string Reason)? Checkpoints(
        IReadOnlyList<(AuditCheckpoint? Checkpoint, bool SignatureValid, int LineNumber)> checkpoints,
        Dictionary<long, string> hashes, long firstSequence, long last) =>
        ChainCheckpoints.Check(checkpoints, hashes, firstSequence, last, _options.CheckpointInterval, AuditCheckpointFile.FileName, "audit log");

    /// <summary>
    /// All documents in sequence order, read in pages: each page is a short read, so a long verification never keeps
    /// a LiteDB cursor open that the writer's checkpoint would have to wait for.
    /// </summary>
    private IEnumerable<BsonDocument> WalkDocuments()
    {
        const int PageSize = 1000;
        long after = long.MinValue;
        while (true)
        {
            var page = Entries.Query().Where(LiteDB.Query.GT("_id", after)).OrderBy("_id").Limit(PageSize).ToList();
            foreach (var doc in page)
            {
                yield return doc;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1]["_id"].AsInt64;
        }
    }

    private static string? Detail(AuditEntry entry, string key) =>
        entry.Details is not null && entry.Details.TryGetValue(key, out var value) ? value : null;

    private static string? CutoffDetail(AuditEntry entry, string category) =>
        entry.Details?.FirstOrDefault(p => string.Equals(p.Key, "cutoff." + category, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>The retention category of an action: the part before the first dot ("auth.login" -> "auth").</summary>
    public static string Category(string action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var dot = action.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? action : action[..dot];
    }
}
