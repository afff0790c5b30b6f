using System.Globalization;
using Conciergus.Core.Audit;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Operations;

/// <summary>
/// Where the retention of the "operations" data class comes from when something other than
/// <see cref="OperationStoreOptions.Retention"/> governs it (the compliance policy in force).
/// </summary>
public interface IOperationRetentionSource
{
    /// <summary>How long operations and spans are kept, or null to use <see cref="OperationStoreOptions.Retention"/>.</summary>
    TimeSpan? OperationsRetention { get; }
}

/// <summary>What one retention run of the store removed.</summary>
/// <param name="Cutoff">Operations and spans that ended before this were due.</param>
/// <param name="Operations">Operations deleted (retention and disk cap).</param>
/// <param name="Spans">Spans deleted.</param>
/// <param name="ArchiveFiles">Parquet archives written first (each with its SHA-256, also in the audit trail).</param>
public sealed record OperationRetentionRun(DateTimeOffset Cutoff, long Operations, long Spans, IReadOnlyList<ArchiveFile> ArchiveFiles);

/// <summary>
/// Applies retention and the disk cap to the operation store, archiving first when an archive folder is set, and
/// records each run (with every archive's path, row count and SHA-256) in the audit trail as
/// "operations.retention_purge". Run by <see cref="OperationStoreHostedService"/> on its interval and by the
/// compliance retention run for the "operations" data class.
/// </summary>
public sealed partial class OperationRetention(
    IOperationStore store,
    IOptions<OperationStoreOptions> options,
    TimeProvider timeProvider,
    ILogger<OperationRetention> logger,
    IAuditLog? audit = null,
    IOperationRetentionSource? retentionSource = null) : IDisposable
{
    /// <summary>Audit action of a run that removed something.</summary>
    public const string PurgeAction = "operations.retention_purge";

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The retention in force: the compliance policy's "operations" value when there is one, else the option.</summary>
    public TimeSpan Retention => retentionSource?.OperationsRetention ?? options.Value.Retention;

    /// <summary>Purges what is older than the retention, then enforces the disk cap; audits when anything was removed.</summary>
    public async Task<OperationRetentionRun> RunAsync(string actor = "system", string role = "System", CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var cutoff = timeProvider.GetUtcNow() - Retention;
            if (store.Status.State != OperationStoreState.Healthy)
            {
                return new OperationRetentionRun(cutoff, 0, 0, []); // degraded or off: nothing to purge now; the next run catches up
            }

            var purges = new List<OperationPurge> { await store.PurgeAsync(cutoff, cancellationToken).ConfigureAwait(false) };
            if (store is DuckDbOperationStore duck)
            {
                purges.AddRange(await duck.EnforceDiskCapAsync(cancellationToken).ConfigureAwait(false));
            }

            var run = new OperationRetentionRun(
                cutoff,
                purges.Sum(p => p.Operations),
                purges.Sum(p => p.Spans),
                purges.SelectMany(p => p.ArchiveFiles).ToList());
            if (run.Operations > 0 || run.Spans > 0)
            {
                LogPurged(logger, run.Operations, run.Spans, run.ArchiveFiles.Count);
                if (audit is not null)
                {
                    var details = new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["cutoff"] = AuditCanonical.FormatTimestamp(cutoff),
                        ["retentionDays"] = Retention.TotalDays.ToString("0.###", CultureInfo.InvariantCulture),
                        ["operations.deleted"] = Num(run.Operations),
                        ["spans.deleted"] = Num(run.Spans),
                    };
                    for (var i = 0; i < run.ArchiveFiles.Count; i++)
                    {
                        var file = run.ArchiveFiles[i];
                        details[$"archive.{i}.file"] = Path.GetFileName(file.Path);
                        details[$"archive.{i}.rows"] = Num(file.Rows);
                        details[$"archive.{i}.sha256"] = file.Sha256;
                    }

                    await audit.AppendAsync(new AuditEvent { Actor = actor, Role = role, Action = PurgeAction, Target = "operations", Details = details }, CancellationToken.None)
                        .ConfigureAwait(false);
                }
            }

            return run;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 1410, Level = LogLevel.Information, Message = "Operation store retention: {Operations} operations and {Spans} spans deleted, {Archives} archive files written")]
    private static partial void LogPurged(ILogger logger, long operations, long spans, int archives);
}
