using System.Threading.Channels;
using Conciergus.Core.Collector;
using Conciergus.Core.Model;
using Conciergus.Core.Pricing;
using Conciergus.Core.Traces;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Operations;

/// <summary>
/// The embedded operation store: a DuckDB file in the data folder (DESIGN.md sections 2 and 14). The hot path
/// (<see cref="TryAppend"/>, <see cref="TryAppendSpan"/>) only writes a struct into a bounded channel; one background
/// writer drains it in batches, appends them with DuckDB's appender inside one transaction and commits at least every
/// <see cref="OperationStoreOptions.CommitInterval"/>. When the file cannot be opened or written the store is
/// <see cref="OperationStoreState.Degraded"/>: items wait in the queue (then drop, counted) and the writer retries
/// with a doubling backoff, catching up when it can.
/// </summary>
public sealed partial class DuckDbOperationStore : IOperationStore, IAiOperationSink, IAsyncDisposable, IDisposable
{
    // Readers take one slot each; compaction (erasure) takes every slot, so no connection is open while the file is replaced.
    private const int ReaderSlots = 32;
    private const int MaxWriteAttempts = 3;

    private readonly OperationStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly PriceCatalog? _catalog;
    private readonly Channel<QueueItem> _queue;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly SemaphoreSlim _readers = new(ReaderSlots, ReaderSlots);
    private readonly Lock _flushLock = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _flushWaiters = [];
    private readonly List<QueueItem> _batch = [];
    private readonly AppendScratch _scratch = new(); // the writer's (under _writeLock)

    // The batch's operations by id (null: the id came twice), so a span of this commit leaves its operation's attributes to it (under _writeLock).
    private readonly Dictionary<string, AiOperation?> _written = new(StringComparer.Ordinal);
    private readonly Task _writer;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Counters: _reserved counts every TryAppend that got past the enabled check; _processed counts those committed or
    // dropped. A flush waits until _processed reaches the _reserved it saw (see FlushAsync for why that covers its items).
    private long _reserved;
    private long _processed;
    private long _appended;
    private long _spansAppended;
    private long _dropped;
    private long _lastCommitTicks;
    private long _lastDropLogTicks;
    private volatile OperationStoreState _state;
    private volatile string? _reason;
    private DuckDBConnection? _connection; // the writer's; used only under _writeLock
    private string? _databaseName;
    private int _disposed;

    /// <summary>Creates the store on <paramref name="filePath"/> and starts its writer (unless disabled).</summary>
    public DuckDbOperationStore(
        IOptions<OperationStoreOptions> options,
        string filePath,
        TimeProvider timeProvider,
        ILogger<DuckDbOperationStore>? logger = null,
        PriceCatalog? catalog = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        _options = options.Value;
        _time = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _catalog = catalog;
        FilePath = Path.GetFullPath(filePath);
        ConnectionString = $"Data Source={FilePath}";
        _queue = Channel.CreateBounded<QueueItem>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of silently dropping: we count it.
            AllowSynchronousContinuations = false,
        });
        if (_options.Enabled)
        {
            _state = OperationStoreState.Starting;
            _writer = Task.Run(WriterLoopAsync);
        }
        else
        {
            _state = OperationStoreState.Disabled;
            _reason = "Conciergus:Operations:Enabled is false";
            _writer = Task.CompletedTask;
        }
    }

    /// <summary>Full path of the database file.</summary>
    public string FilePath { get; }

    internal string ConnectionString { get; }

    /// <inheritdoc />
    public OperationStoreStatus Status => new(
        _state,
        _reason,
        FilePath,
        Interlocked.Read(ref _appended),
        Interlocked.Read(ref _spansAppended),
        Interlocked.Read(ref _dropped),
        _options.Enabled ? _queue.Reader.Count : 0,
        Interlocked.Read(ref _lastCommitTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null,
        DiskBytes());

    /// <inheritdoc />
    public bool TryAppend(AiOperation operation) => operation is not null && Enqueue(new QueueItem(operation, null));

    /// <inheritdoc />
    public bool TryAppendSpan(SpanRecord span) => span is not null && Enqueue(new QueueItem(null, span));

    /// <inheritdoc />
    void IAiOperationSink.Accept(AiOperation operation) => TryAppend(operation);

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (!_options.Enabled || Volatile.Read(ref _disposed) != 0)
        {
            return Task.CompletedTask;
        }

        // Every item whose TryWrite finished before this call reserved its number before it; items reserved later but
        // written earlier only make the target reached later, never too early, because the channel is FIFO.
        var target = Interlocked.Read(ref _reserved);
        if (Interlocked.Read(ref _processed) >= target)
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_flushLock)
        {
            _flushWaiters.Add((target, done));
        }

        Wake();
        CompleteFlushWaiters(degraded: _state == OperationStoreState.Degraded);
        return done.Task.WaitAsync(cancellationToken);
    }

    private bool Enqueue(QueueItem item)
    {
        if (!_options.Enabled)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }

        Interlocked.Increment(ref _reserved);
        if (_queue.Writer.TryWrite(item))
        {
            return true;
        }

        Interlocked.Increment(ref _dropped);
        Interlocked.Increment(ref _processed);
        LogDropLimited("the queue is full");
        return false;
    }

    private void Wake()
    {
        var wake = Volatile.Read(ref _wake);
        wake.TrySetResult();
    }

    private void LogDropLimited(string reason)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastDropLogTicks);
        if (now - last >= TimeSpan.TicksPerMinute && Interlocked.CompareExchange(ref _lastDropLogTicks, now, last) == last)
        {
            LogDropped(_logger, reason, Interlocked.Read(ref _dropped));
        }
    }

    private void CompleteFlushWaiters(bool degraded)
    {
        var processed = Interlocked.Read(ref _processed);
        List<TaskCompletionSource>? ready = null;
        lock (_flushLock)
        {
            for (var i = _flushWaiters.Count - 1; i >= 0; i--)
            {
                if (degraded || _flushWaiters[i].Target <= processed)
                {
                    (ready ??= []).Add(_flushWaiters[i].Done);
                    _flushWaiters.RemoveAt(i);
                }
            }
        }

        if (ready is not null)
        {
            foreach (var done in ready)
            {
                done.TrySetResult();
            }
        }
    }

    private bool FlushRequested()
    {
        lock (_flushLock)
        {
            return _flushWaiters.Count > 0;
        }
    }

    private async Task WriterLoopAsync()
    {
        var stop = _stopping.Token;
        var delay = _options.RetryDelay;
        var attempts = 0;
        while (true)
        {
            if (_connection is null)
            {
                if (await TryOpenAsync().ConfigureAwait(false))
                {
                    delay = _options.RetryDelay;
                }
                else
                {
                    CompleteFlushWaiters(degraded: true);
                    if (stop.IsCancellationRequested)
                    {
                        DropRemaining("the store is closing and could not be opened");
                        return;
                    }

                    await WaitAsync(delay, stop).ConfigureAwait(false);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
                    continue;
                }
            }

            if (_batch.Count == 0)
            {
                if (!await WaitForBatchAsync(stop).ConfigureAwait(false))
                {
                    break; // completed and drained
                }
            }

            try
            {
                await WriteBatchAsync().ConfigureAwait(false);
                attempts = 0;
            }
#pragma warning disable CA1031 // A write failure (disk full, file removed) degrades the store; ingestion must go on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                attempts++;
                Degrade($"writing failed: {e.Message}", e);
                if (attempts >= MaxWriteAttempts)
                {
                    DropBatch($"writing failed {attempts} times: {e.Message}");
                    attempts = 0;
                }

                await CloseWriterConnectionAsync().ConfigureAwait(false);
                CompleteFlushWaiters(degraded: true);
                if (stop.IsCancellationRequested && attempts == 0)
                {
                    DropRemaining("the store is closing after a write failure");
                    return;
                }

                await WaitAsync(delay, stop).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }

        await _sealTask.ConfigureAwait(false);
        await CloseWriterConnectionAsync().ConfigureAwait(false);
        CompleteFlushWaiters(degraded: true);
    }

    /// <summary>Waits for items, lingers up to the commit interval (unless a flush or stop asks to hurry), then drains a batch.</summary>
    private async Task<bool> WaitForBatchAsync(CancellationToken stop)
    {
        var reader = _queue.Reader;
        while (!reader.TryPeek(out _))
        {
            var wake = ResetWake();
            var waitToRead = reader.WaitToReadAsync(CancellationToken.None).AsTask();

            // With rollup hours still to build and nothing to write, build some each commit interval.
            var idle = _rollupBacklog && !stop.IsCancellationRequested ? Task.Delay(_options.CommitInterval, _time, stop) : null;
            await Task.WhenAny(waitToRead, wake.Task, idle ?? waitToRead).ConfigureAwait(false);
            CompleteFlushWaiters(degraded: false);
            if (idle is { IsCompletedSuccessfully: true } && !reader.TryPeek(out _))
            {
                await SealPassAsync().ConfigureAwait(false);
            }

            if (waitToRead.IsCompleted && !waitToRead.Result)
            {
                return false;
            }
        }

        // Lingering lets a batch fill (one commit per interval, not per item); a flush, a full batch or closing skips it.
        if (!stop.IsCancellationRequested && Volatile.Read(ref _disposed) == 0 && reader.Count < _options.MaxBatchSize && !FlushRequested())
        {
            var wake = ResetWake();
            if (!FlushRequested() && Volatile.Read(ref _disposed) == 0)
            {
                await Task.WhenAny(Task.Delay(_options.CommitInterval, _time, stop), wake.Task).ConfigureAwait(false);
            }
        }

        while (_batch.Count < _options.MaxBatchSize && reader.TryRead(out var item))
        {
            _batch.Add(item);
        }

        return true;
    }

    private TaskCompletionSource ResetWake()
    {
        var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _wake, fresh);
        return fresh;
    }

    /// <summary>Waits out a backoff; flushes that arrive meanwhile return at once (the store is degraded), stop ends it.</summary>
    private async Task WaitAsync(TimeSpan delay, CancellationToken stop)
    {
        var timer = Task.Delay(delay, _time, stop);
        while (true)
        {
            var wake = ResetWake();
            var first = await Task.WhenAny(timer, wake.Task).ConfigureAwait(false);
            CompleteFlushWaiters(degraded: true);
            if (first == timer || stop.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task WriteBatchAsync()
    {
        if (_batch.Count == 0)
        {
            return;
        }

        long operations = 0;
        long spans = 0;
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            var connection = _connection ?? throw new InvalidOperationException("the store is not open");
            using var transaction = connection.BeginTransaction();
            using (var appender = connection.CreateAppender("operations"))
            {
                foreach (var item in _batch)
                {
                    if (item.Operation is { } op)
                    {
                        AppendOperation(appender, op, _scratch);
                        NoteAppended(op.EndTime);
                        operations++;
                        if (op.OperationId is { } id)
                        {
                            _written[id] = _written.TryAdd(id, op) ? op : null;
                        }
                    }
                }
            }

            UnsealNoted(connection);

            if (operations < _batch.Count)
            {
                using var appender = connection.CreateAppender("spans");
                foreach (var item in _batch)
                {
                    if (item.Span is { } span)
                    {
                        AppendSpan(appender, span, _scratch, span.Operation?.OperationId is { } id ? _written.GetValueOrDefault(id) : null);
                        spans++;
                    }
                }
            }

            transaction.Commit();
            UnsealCommitted();
        }
        finally
        {
            _unseal.Clear();
            _written.Clear();
            _writeLock.Release();
        }

        Interlocked.Add(ref _appended, operations);
        Interlocked.Add(ref _spansAppended, spans);
        Interlocked.Exchange(ref _lastCommitTicks, _time.GetUtcNow().UtcTicks);
        Interlocked.Add(ref _processed, _batch.Count);
        _batch.Clear();
        if (_state != OperationStoreState.Healthy)
        {
            _state = OperationStoreState.Healthy;
            _reason = null;
        }

        CompleteFlushWaiters(degraded: false);
        await SealPassAsync().ConfigureAwait(false);
    }

    private void DropBatch(string reason)
    {
        Interlocked.Add(ref _dropped, _batch.Count);
        Interlocked.Add(ref _processed, _batch.Count);
        _batch.Clear();
        LogDropLimited(reason);
    }

    private void DropRemaining(string reason)
    {
        DropBatch(reason);
        while (_queue.Reader.TryRead(out _))
        {
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _processed);
        }

        CompleteFlushWaiters(degraded: true);
    }

    private async Task<bool> TryOpenAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            OpenWriterConnection();
            _state = OperationStoreState.Healthy;
            _reason = null;
            LogOpened(_logger, FilePath);
            return true;
        }
#pragma warning disable CA1031 // Cannot open (locked by another process, not a file, no space): degrade and retry.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Degrade($"cannot open {FilePath}: {e.Message}", e);
            return false;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Opens the writer's connection, applies the settings and creates the tables (caller holds the write lock).</summary>
    private void OpenWriterConnection()
    {
        if (Directory.Exists(FilePath))
        {
            throw new IOException($"'{FilePath}' is a directory, not a database file");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var connection = OpenDatabase();
        try
        {
            using var command = connection.CreateCommand();

            // The values passed the options validator (size patterns, an integer), so they are safe in the statement.
            command.CommandText = string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"SET memory_limit = '{_options.MemoryLimit}'; SET threads = {_options.Threads}; SET checkpoint_threshold = '{_options.CheckpointThreshold}'; SET preserve_insertion_order = false; {_options.BenchmarkSettings} {Schema} SELECT current_database();");
            _databaseName = Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            MigrateOperations(connection);
            command.CommandText = Views;
            command.ExecuteNonQuery();
            OpenRollup(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _connection = connection;
    }

    private void Degrade(string reason, Exception e)
    {
        var first = _state != OperationStoreState.Degraded || _reason != reason;
        _state = OperationStoreState.Degraded;
        _reason = reason;
        if (first)
        {
            LogDegraded(_logger, reason, e);
        }
    }

    private async Task CloseWriterConnectionAsync()
    {
        await _writeLock.WaitAsync().ConfigureAwait(false);
        try
        {
            _connection?.Dispose();
            _connection = null;
        }
#pragma warning disable CA1031 // Closing a broken connection may fail too; it is gone either way.
        catch (Exception)
#pragma warning restore CA1031
        {
            _connection = null;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private long DiskBytes()
    {
        try
        {
            long total = 0;
            var file = new FileInfo(FilePath);
            if (file.Exists)
            {
                total += file.Length;
            }

            var wal = new FileInfo(FilePath + ".wal");
            if (wal.Exists)
            {
                total += wal.Length;
            }

            return total;
        }
#pragma warning disable CA1031 // A status read must not throw.
        catch (Exception)
#pragma warning restore CA1031
        {
            return 0;
        }
    }

    /// <summary>Stops taking items, commits everything queued, closes the file (DuckDB checkpoints on close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        Wake();
        try
        {
            // A degraded store cannot drain: give it no more backoff and drop what is left (counted).
            if (_state == OperationStoreState.Degraded)
            {
                await _stopping.CancelAsync().ConfigureAwait(false);
            }

            await _writer.ConfigureAwait(false);
        }
        finally
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            _stopping.Dispose();
            CompleteFlushWaiters(degraded: true);
        }
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private readonly record struct QueueItem(AiOperation? Operation, SpanRecord? Span);

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Operation store open at {Path}")]
    private static partial void LogOpened(ILogger logger, string path);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Operation store degraded: {Reason}; ingestion goes on from memory and the store retries on its own")]
    private static partial void LogDegraded(ILogger logger, string reason, Exception exception);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Operation store dropped items ({Reason}); {Dropped} dropped so far")]
    private static partial void LogDropped(ILogger logger, string reason, long dropped);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Operation store: building the hourly rollup failed ({Reason}); restores read those hours from raw rows")]
    private static partial void LogRollupFailed(ILogger logger, string reason, Exception exception);
}
