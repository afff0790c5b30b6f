using System.Globalization;
using System.Threading.Channels;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>
/// The hash-chained audit log in LiteDB (collection "audit"). Every write goes through ONE background writer
/// that drains a channel: it numbers entries gaplessly, links hashes, inserts a batch in one LiteDB transaction,
/// runs a LiteDB checkpoint (which waits for LiteDB's asynchronous log writer and flushes the data file to disk)
/// and only then completes the callers' tasks. So an answered request's entry survives a SIGKILL.
/// </summary>
/// <remarks>
/// The writer is the only code that touches the chain head (<see cref="_headSequence"/>, <see cref="_headHash"/>);
/// LiteDB transactions open and close inside one synchronous block of the writer, never across an await.
/// Reads (queries, verification, export) use LiteDB directly: LiteDB reads are thread-safe and see committed data.
/// </remarks>
public sealed partial class AuditLog : IAuditLog, IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 256;

    private readonly ConciergusDatabase _database;
    private readonly AuditCheckpointFile _checkpoints;
    private readonly AuditOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IAuditRetentionSource? _retentionSource;
    private readonly Channel<WorkItem> _work = Channel.CreateUnbounded<WorkItem>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;
    private long _headSequence;
    private string _headHash;
    private int _stopped;

    // Archival before purge (null or disabled: purges delete without an archive).
    private readonly RetentionArchive? _archive;

    /// <summary>Opens the log: loads the chain head from the database, writes a startup checkpoint and starts the writer.</summary>
    public AuditLog(ConciergusDatabase database, AuditCheckpointFile checkpoints, IOptions<AuditOptions> options, TimeProvider timeProvider, ILogger<AuditLog>? logger = null,
        IAuditRetentionSource? retentionSource = null, RetentionArchive? archive = null)
    {
        _retentionSource = retentionSource;
        _archive = archive;
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _database = database;
        _checkpoints = checkpoints;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger ?? NullLogger<AuditLog>.Instance;
        Entries.EnsureIndex("action");
        (_headSequence, _headHash) = LoadHead();
        if (_headSequence > 0)
        {
            _checkpoints.Write(_headSequence, _headHash, _time.GetUtcNow(), CheckpointKinds.Startup);
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Sequence of the last committed entry (0 when empty).</summary>
    public long HeadSequence => Interlocked.Read(ref _headSequence);

    private ILiteCollection<BsonDocument> Entries => _database.Database.GetCollection(AuditDocuments.Collection);

    private ILiteCollection<BsonDocument> Anchors => _database.Database.GetCollection(AuditDocuments.AnchorCollection);

    /// <inheritdoc />
    public ValueTask<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Action);
        cancellationToken.ThrowIfCancellationRequested();
        _database.ThrowIfUnavailable(); // an audit entry that would live only in memory is a lie: refuse it

        // Once queued the entry will be written; cancelling the caller does not un-write it, so the token is not passed on.
        var item = new AppendItem(auditEvent);
        if (!_work.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log has been stopped.");
        }

        return new ValueTask<AuditEntry>(item.Completion.Task);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Decision (issue 15 item 11): the change and its entry share the LiteDB database, so the writer runs
    /// <paramref name="write"/> and inserts the entry inside ONE LiteDB transaction, then checkpoints; a crash or an
    /// exception anywhere before the commit leaves neither (LiteDB discards an uncommitted transaction on open). The
    /// alternative, an "intent" entry written first and marked done later, would need a second chained entry per change
    /// and a recovery pass that decides what an unmarked intent means; one transaction needs neither. The write runs on
    /// the writer's thread (LiteDB transactions are per thread), alone in its transaction, so a failing write fails
    /// only its own caller. It must be synchronous and touch only this database.
    /// </remarks>
    public ValueTask<AuditEntry> AppendWithAsync(AuditEvent auditEvent, Action write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(auditEvent);
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrWhiteSpace(auditEvent.Action);
        cancellationToken.ThrowIfCancellationRequested();
        _database.ThrowIfUnavailable();
        var item = new AppendItem(auditEvent) { Write = write };
        if (!_work.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(AuditLog), "The audit log has been stopped.");
        }

        return new ValueTask<AuditEntry>(item.Completion.Task);
    }

    /// <summary>Stops the writer after the queued entries and writes the shutdown checkpoint. Idempotent.</summary>
    public async Task ShutdownAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await _writer.ConfigureAwait(false);
            return;
        }

        _work.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        if (_headSequence > 0)
        {
            _checkpoints.Write(_headSequence, _headHash, _time.GetUtcNow(), CheckpointKinds.Shutdown);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await ShutdownAsync().ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose() => ShutdownAsync().GetAwaiter().GetResult();

    private (long Sequence, string Hash) LoadHead()
    {
        var last = Entries.Query().OrderByDescending("_id").Limit(1).FirstOrDefault();
        if (last is not null)
        {
            return (last["_id"].AsInt64, last["hash"].AsString);
        }

        var anchor = LoadAnchor();
        return anchor is null ? (0, AuditCanonical.Genesis) : (anchor.Sequence - 1, anchor.PreviousHash);
    }

    /// <summary>Where kept history starts, when a retention purge has deleted older entries.</summary>
    public AuditAnchor? LoadAnchor()
    {
        var doc = Anchors.FindById(1);
        return doc is null
            ? null
            : new AuditAnchor(doc["sequence"].AsInt64, doc["prev"].AsString,
                DateTimeOffset.Parse(doc["at"].AsString, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<AppendItem>(MaxBatch);
        while (await _work.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Group commit: everything queued while the previous commit ran goes into one transaction and one checkpoint.
            while (_work.Reader.TryRead(out var item))
            {
                if (item is AppendItem { Write: not null } paired)
                {
                    // A change with its entry: alone in its transaction, after what was queued before it.
                    CommitBatch(batch);
                    batch.Add(paired);
                    CommitBatch(batch);
                    continue;
                }

                if (item is AppendItem append)
                {
                    batch.Add(append);
                    if (batch.Count == MaxBatch)
                    {
                        CommitBatch(batch);
                    }

                    continue;
                }

                CommitBatch(batch);
                RunExclusive(item);
            }

            CommitBatch(batch);
        }
    }

    private void RunExclusive(WorkItem item)
    {
        try
        {
            switch (item)
            {
                case PurgeItem purge:
                    purge.Completion.TrySetResult(Purge());
                    break;
            }
        }
#pragma warning disable CA1031 // the writer must survive any failure of one work item; the caller gets the exception
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogWorkFailed(_logger, e);
            item.Fail(e);
        }
    }

    /// <summary>Numbers, hashes and commits a batch durably; on failure no entry of the batch is kept and the head is reloaded.</summary>
    private void CommitBatch(List<AppendItem> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var entries = new List<AuditEntry>(batch.Count);
        try
        {
            var now = _time.GetUtcNow().ToUniversalTime();
            var sequence = _headSequence;
            var previous = _headHash;
            foreach (var item in batch)
            {
                var entry = Build(item.Event, ++sequence, now, previous);
                entries.Add(entry);
                previous = entry.Hash;
            }

            Insert(entries, batch.Count == 1 ? batch[0].Write : null);
            var oldHead = _headSequence;
            Interlocked.Exchange(ref _headSequence, sequence);
            _headHash = previous;
            var interval = _options.CheckpointInterval;
            if (oldHead / interval != sequence / interval)
            {
                _checkpoints.Write(sequence, previous, now, CheckpointKinds.Interval);
            }
        }
#pragma warning disable CA1031 // a failed commit fails its callers, never the writer
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogBatchFailed(_logger, batch.Count, e);
            (_headSequence, _headHash) = LoadHead();
            foreach (var item in batch)
            {
                item.Fail(e);
            }

            batch.Clear();
            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Completion.TrySetResult(entries[i]);
        }

        batch.Clear();
    }

    private void Insert(List<AuditEntry> entries, Action? write)
    {
        // One LiteDB transaction for the batch (synchronous: no await inside), then a checkpoint, which waits for
        // LiteDB's asynchronous log-file writer and copies the pages into the data file with a flush to disk.
        // With a paired change (AppendWithAsync) the change is written first in the same transaction.
        // A backup snapshot never sees the paired change without its entry (WriteAcrossCollections).
        var db = _database.Database;
        _database.WriteAcrossCollections(() =>
        {
            var own = db.BeginTrans();
            try
            {
                write?.Invoke();
                Entries.Insert(entries.Select(AuditDocuments.ToDocument));
                if (own)
                {
                    db.Commit();
                }
            }
            catch
            {
                if (own)
                {
                    db.Rollback();
                }

                throw;
            }
        });

        db.Checkpoint();
    }

    private static AuditEntry Build(AuditEvent e, long sequence, DateTimeOffset now, string previous)
    {
        var details = e.Details is null ? null : new Dictionary<string, string>(e.Details, StringComparer.Ordinal);
        var body = AuditCanonical.BodyHash(e.Actor, e.Role, e.Target, e.SourceIp, details);
        return new AuditEntry
        {
            Sequence = sequence,
            Timestamp = now,
            Actor = e.Actor,
            Role = e.Role,
            Action = e.Action,
            Target = e.Target,
            Details = details,
            SourceIp = e.SourceIp,
            PreviousHash = previous,
            BodyHash = body,
            Hash = AuditCanonical.EntryHash(sequence, now, e.Action, previous, body),
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit work item failed")]
    private static partial void LogWorkFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit batch of {Count} entries failed; none of them was kept")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);

    private abstract class WorkItem
    {
        public abstract void Fail(Exception e);
    }

    private sealed class AppendItem(AuditEvent auditEvent) : WorkItem
    {
        public AuditEvent Event { get; } = auditEvent;

        /// <summary>The change this entry records, committed in the same transaction (null: the entry alone).</summary>
        public Action? Write { get; init; }

        public TaskCompletionSource<AuditEntry> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception e) => Completion.TrySetException(e);
    }

    private sealed class PurgeItem : WorkItem
    {
        public TaskCompletionSource<RetentionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Fail(Exception e) => Completion.TrySetException(e);
    }
}
