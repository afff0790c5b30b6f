using System.Threading.Channels;
using Conciergus.Core.Audit;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Storage;
using LiteDB;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Compliance;

/// <summary>Decision writer counters.</summary>
/// <param name="Enabled">Whether decision records are on (Conciergus:Compliance:RecordAiDecisions).</param>
/// <param name="Accepted">Operations queued for the writer.</param>
/// <param name="Written">Records committed.</param>
/// <param name="Dropped">Operations refused because the queue was full (counted, never silent).</param>
/// <param name="Failed">Records lost to a failed commit.</param>
/// <param name="Queued">Operations waiting now.</param>
/// <param name="HeadSequence">Sequence of the last committed record.</param>
public sealed record DecisionLogStats(bool Enabled, long Accepted, long Written, long Dropped, long Failed, int Queued, long HeadSequence);

/// <summary>
/// AI decision records: an <see cref="IAiOperationSink"/> that only enqueues (a bounded channel; when full the
/// operation is dropped and counted), and ONE background writer that batches the queue into LiteDB transactions
/// (collection "decisions", _id = sequence) as a hash chain of its own with signed checkpoints (decision-checkpoints.jsonl)
/// like the audit trail. Hashing, pseudonymising and inserting all happen on the writer, never on Record's path.
/// </summary>
/// <remarks>
/// The chain head (<see cref="_headSequence"/>, <see cref="_headHash"/>) is touched only under <see cref="_chainGate"/>,
/// which the writer holds for one batch and a retention purge holds for its transaction: appends and purges are
/// serialized, so the anchor and the head can never disagree. No LiteDB transaction spans an await.
/// </remarks>
public sealed partial class DecisionLog : IAiOperationSink, IDisposable
{
    /// <summary>Checkpoint file name in the data directory.</summary>
    public const string CheckpointFileName = "decision-checkpoints.jsonl";

    internal const string Collection = "decisions";
    internal const string AnchorCollection = "decision_anchor";
    private const string CheckpointPurpose = "conciergus-decision-checkpoint-v1";

    private readonly ConciergusDatabase _database;
    private readonly AuditCheckpointFile _checkpoints;
    private readonly AuditKey _key;
    private readonly DecisionSubjects _subjects;
    private readonly ComplianceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<AiOperation> _queue;
    private readonly Lock _chainGate = new();
    private readonly Task _writer;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _resume = Completed();
    private long _headSequence;
    private string _headHash;
    private long _accepted;
    private long _written;
    private long _dropped;
    private long _failed;
    private int _stopped;

    /// <summary>Opens the chain (loads the head, writes a startup checkpoint) and starts the writer.</summary>
    public DecisionLog(ConciergusDatabase database, AuditKey key, DataDirectory dataDirectory, DecisionSubjects subjects,
        IOptions<ComplianceOptions> options, TimeProvider timeProvider, ILogger<DecisionLog>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        _database = database;
        _key = key;
        _subjects = subjects;
        _options = options.Value;
        _time = timeProvider;
        _logger = logger ?? NullLogger<DecisionLog>.Instance;
        _checkpoints = new AuditCheckpointFile(key, dataDirectory, CheckpointFileName, CheckpointPurpose);
        _queue = Channel.CreateBounded<AiOperation>(new BoundedChannelOptions(_options.DecisionQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite answers false when full: the drop is counted, never silent
        });
        Records.EnsureIndex("subj");
        Records.EnsureIndex("ts");
        (_headSequence, _headHash) = LoadHead();
        if (_headSequence > 0)
        {
            _checkpoints.Write(_headSequence, _headHash, _time.GetUtcNow(), CheckpointKinds.Startup);
        }

        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Whether records are written (Conciergus:Compliance:RecordAiDecisions).</summary>
    public bool Enabled => _options.RecordAiDecisions;

    /// <summary>The signed checkpoint file of this chain.</summary>
    public AuditCheckpointFile CheckpointFile => _checkpoints;

    /// <summary>Counters for the compliance page, the report and /healthz.</summary>
    public DecisionLogStats Stats => new(Enabled, Interlocked.Read(ref _accepted), Interlocked.Read(ref _written), Interlocked.Read(ref _dropped),
        Interlocked.Read(ref _failed), _queue.Reader.Count, Interlocked.Read(ref _headSequence));

    internal ILiteCollection<BsonDocument> Records => _database.Database.GetCollection(Collection);

    private ILiteCollection<BsonDocument> Anchors => _database.Database.GetCollection(AnchorCollection);

    /// <summary>Queues the operation for the writer. Never blocks, never throws, allocates nothing: a full queue is a counted drop.</summary>
    public void Accept(AiOperation operation)
    {
        if (!_options.RecordAiDecisions || operation is null)
        {
            return;
        }

        if (_queue.Writer.TryWrite(operation))
        {
            Interlocked.Increment(ref _accepted);
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Completes when every operation accepted so far is written (or failed). For tests, exports and shutdown.</summary>
    public async Task WaitForDrainAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _written) + Interlocked.Read(ref _failed) < target && !_writer.IsCompleted)
        {
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _written) + Interlocked.Read(ref _failed) >= target)
            {
                break;
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting, writes what is queued and the shutdown checkpoint. Idempotent.</summary>
    public async Task ShutdownAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await _writer.ConfigureAwait(false);
            return;
        }

        _queue.Writer.TryComplete();
        ResumeWriter();
        await _writer.ConfigureAwait(false);
        lock (_chainGate)
        {
            if (_headSequence > 0)
            {
                _checkpoints.Write(_headSequence, _headHash, _time.GetUtcNow(), CheckpointKinds.Shutdown);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => ShutdownAsync().GetAwaiter().GetResult();

    /// <summary>Benchmarks: the writer stops taking batches until <see cref="ResumeWriter"/> (isolates the cost of <see cref="Accept"/>).</summary>
    internal void SuspendWriter() => Volatile.Write(ref _resume, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Benchmarks: lets the writer go on.</summary>
    internal void ResumeWriter() => Volatile.Read(ref _resume).TrySetResult();

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }

    /// <summary>Tests: holds the chain gate so the writer stops after its current batch (the queue then fills up).</summary>
    internal Lock.Scope PauseWriter() => _chainGate.EnterScope();

    private (long Sequence, string Hash) LoadHead()
    {
        var last = Records.Query().OrderByDescending("_id").Limit(1).FirstOrDefault();
        if (last is not null)
        {
            return (last["_id"].AsInt64, last["hash"].AsString);
        }

        var anchor = LoadAnchor();
        return anchor is null ? (0, AuditCanonical.Genesis) : (anchor.Sequence - 1, anchor.PreviousHash);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<AiOperation>(Math.Min(_options.DecisionBatchSize, 4096));
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            await Volatile.Read(ref _resume).Task.ConfigureAwait(false);
            while (batch.Count < _options.DecisionBatchSize && _queue.Reader.TryRead(out var operation))
            {
                batch.Add(operation);
            }

            Commit(batch);
            batch.Clear();
            Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }

        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Numbers, hashes and inserts a batch in one LiteDB transaction; on failure the batch is counted as failed and the head reloaded.</summary>
    private void Commit(List<AiOperation> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        lock (_chainGate)
        {
            try
            {
                var now = _time.GetUtcNow().ToUniversalTime();
                var sequence = _headSequence;
                var previous = _headHash;
                var documents = new List<BsonDocument>(batch.Count);
                foreach (var operation in batch)
                {
                    var subject = operation.UserId is { Length: > 0 } userId ? _subjects.ReferenceFor(userId) : null;
                    var record = DecisionCanonical.Build(operation, ++sequence, now, subject, previous);
                    documents.Add(DecisionDocuments.ToDocument(record));
                    previous = record.Hash;
                }

                Records.InsertBulk(documents, documents.Count);
                var oldHead = _headSequence;
                _headHash = previous;
                Interlocked.Exchange(ref _headSequence, sequence);
                var interval = _options.DecisionCheckpointInterval;
                if (oldHead / interval != sequence / interval)
                {
                    _database.Database.Checkpoint();
                    _checkpoints.Write(sequence, previous, now, CheckpointKinds.Interval);
                }

                Interlocked.Add(ref _written, batch.Count);
            }
#pragma warning disable CA1031 // a failed commit is counted; the writer must keep going
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogBatchFailed(_logger, batch.Count, e);
                Interlocked.Add(ref _failed, batch.Count);
                (_headSequence, _headHash) = LoadHead();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Decision record batch of {Count} failed; none of them was kept")]
    private static partial void LogBatchFailed(ILogger logger, int count, Exception exception);
}
