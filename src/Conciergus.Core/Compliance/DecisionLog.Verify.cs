using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conciergus.Core.Audit;
using LiteDB;

namespace Conciergus.Core.Compliance;

/// <summary>The result of walking the decision chain.</summary>
/// <param name="Valid">True when every record, link, checkpoint and the anchor check out.</param>
/// <param name="Records">Records walked.</param>
/// <param name="FirstInvalidSequence">The first broken record (null when valid or when no single record is to blame).</param>
/// <param name="Reason">What is wrong, in words.</param>
/// <param name="VerifiedAt">When the walk ran.</param>
public sealed record DecisionVerification(bool Valid, long Records, long? FirstInvalidSequence, string? Reason, DateTimeOffset VerifiedAt)
{
    /// <summary>Sequence of the last signed checkpoint, if any.</summary>
    public long? CheckpointSequence { get; init; }

    /// <summary>First sequence of the kept history (after retention purges).</summary>
    public long FirstSequence { get; init; } = 1;
}

public sealed partial class DecisionLog
{
    private const string AnchorPurpose = "conciergus-decision-anchor-v1";

    /// <summary>The retention anchor, when a purge has removed the start of the chain.</summary>
    public DecisionAnchor? LoadAnchor()
    {
        var doc = Anchors.FindById(1);
        return doc is null
            ? null
            : new DecisionAnchor(doc["sequence"].AsInt64, doc["prev"].AsString, Parse(doc["at"].AsString), Parse(doc["cutoff"].AsString), doc["hmac"].AsString);
    }

    /// <summary>
    /// Walks the chain: recomputes every hash, checks gapless sequences and previous-hash links, the signed anchor and
    /// every signed checkpoint (truncation, rollback, rewrite, appends while stopped). Names the first broken record.
    /// </summary>
    public Task<DecisionVerification> VerifyAsync(CancellationToken cancellationToken = default) =>
        Task.Run(() => LastVerification = Verify(cancellationToken), cancellationToken);

    /// <summary>The result of the last verification since start (any caller); null before the first.</summary>
    public DecisionVerification? LastVerification
    {
        get => Volatile.Read(ref _lastVerification);
        private set => Volatile.Write(ref _lastVerification, value);
    }

    private DecisionVerification? _lastVerification;

    private DecisionVerification Verify(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var checkpoints = _checkpoints.ReadAll();
        long head;
        DecisionAnchor? anchor;
        lock (_chainGate)
        {
            // Head and anchor read together: a purge moves both under the same gate.
            head = _headSequence;
            anchor = LoadAnchor();
        }

        var wanted = checkpoints.Where(c => c.Checkpoint is not null).Select(c => c.Checkpoint!.Sequence).ToHashSet();
        var hashes = new Dictionary<long, string>();
        var firstSequence = anchor?.Sequence ?? 1;
        var expectedSequence = firstSequence;
        var expectedPrevious = anchor?.PreviousHash ?? AuditCanonical.Genesis;
        long walked = 0;
        var lastCheckpoint = checkpoints.LastOrDefault(c => c.Checkpoint is not null).Checkpoint?.Sequence;

        DecisionVerification Invalid(long? sequence, string reason) =>
            new(false, walked, sequence, reason, now) { CheckpointSequence = lastCheckpoint, FirstSequence = firstSequence };

        if (anchor is not null && !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(SignAnchor(anchor)), Encoding.ASCII.GetBytes(anchor.Hmac)))
        {
            return Invalid(anchor.Sequence, $"the retention anchor at record {anchor.Sequence} is not signed with the checkpoint key (records deleted from the start)");
        }

        foreach (var doc in WalkDocuments(firstSequence - 1))
        {
            cancellationToken.ThrowIfCancellationRequested();
            DecisionRecord record;
            try
            {
                record = DecisionDocuments.FromDocument(doc);
            }
#pragma warning disable CA1031 // an unreadable document is tampering
            catch (Exception)
#pragma warning restore CA1031
            {
                return Invalid(expectedSequence, $"record {expectedSequence} cannot be read (document damaged or changed)");
            }

            if (record.Sequence > head)
            {
                break; // appended after this walk began
            }

            if (record.Sequence != expectedSequence)
            {
                return Invalid(expectedSequence, expectedSequence + 1 == record.Sequence
                    ? $"record {expectedSequence} is missing (deleted)"
                    : $"records {expectedSequence} to {record.Sequence - 1} are missing (deleted)");
            }

            if (!string.Equals(record.PreviousHash, expectedPrevious, StringComparison.Ordinal))
            {
                return Invalid(record.Sequence, record.Sequence == firstSequence && anchor is not null
                    ? $"record {record.Sequence} does not link to the retention anchor"
                    : $"record {record.Sequence} does not link to record {record.Sequence - 1} (records reordered, replaced or inserted)");
            }

            if (!string.Equals(DecisionCanonical.Hash(record), record.Hash, StringComparison.Ordinal))
            {
                return Invalid(record.Sequence, $"record {record.Sequence} does not match its hash (content changed or forged)");
            }

            if (wanted.Contains(record.Sequence))
            {
                hashes[record.Sequence] = record.Hash;
            }

            expectedPrevious = record.Hash;
            expectedSequence++;
            walked++;
        }

        var last = expectedSequence - 1;
        if (last < head)
        {
            return Invalid(last + 1, $"records {last + 1} to {head} are missing (log truncated)");
        }

        if (ChainCheckpoints.Check(checkpoints, hashes, firstSequence, last, _options.DecisionCheckpointInterval, CheckpointFileName, "decision log") is { } problem)
        {
            return Invalid(problem.Sequence, problem.Reason);
        }

        return new DecisionVerification(true, walked, null, null, now) { CheckpointSequence = lastCheckpoint, FirstSequence = firstSequence };
    }

    /// <summary>Documents in sequence order after <paramref name="after"/>, in short paged reads (no long-lived cursor).</summary>
    private IEnumerable<BsonDocument> WalkDocuments(long after)
    {
        const int PageSize = 2000;
        while (true)
        {
            var page = Records.Query().Where(Query.GT("_id", after)).OrderBy("_id").Limit(PageSize).ToList();
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

    private string SignAnchor(DecisionAnchor anchor) => _key.Sign(AnchorPurpose, string.Join('|',
        anchor.Sequence.ToString(CultureInfo.InvariantCulture), anchor.PreviousHash, AuditCanonical.FormatTimestamp(anchor.PurgedAt), AuditCanonical.FormatTimestamp(anchor.Cutoff)));

    private static DateTimeOffset Parse(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
