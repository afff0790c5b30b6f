using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Operations;

/// <summary>Settings of the operation store (<c>Conciergus:Operations</c>).</summary>
public sealed class OperationStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:Operations";

    /// <summary>Whether operations and spans are stored at all (default true).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Database file name inside the data folder, or an absolute path.</summary>
    public string FileName { get; set; } = "operations.duckdb";

    /// <summary>How long stored operations and spans are kept (default 30 days); the compliance preset for "operations" overrides it when set.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Upper bound on the database file size; the oldest days are purged (and archived) to stay under it. 0 = no cap.</summary>
    public long MaxDiskBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>When set, what retention removes is first written there as Parquet files (SHA-256 in the audit trail).</summary>
    public string? ArchiveDirectory { get; set; }

    /// <summary>Operations and spans waiting for the writer; a full queue drops (and counts) instead of blocking.</summary>
    public int QueueCapacity { get; set; } = 200_000;

    /// <summary>Most items the writer appends in one transaction.</summary>
    public int MaxBatchSize { get; set; } = 50_000;

    /// <summary>Longest time an enqueued item waits before the writer commits it (at most one second).</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often the retention and disk-cap purge runs.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>DuckDB memory_limit (for example "512MB", "1GB").</summary>
    public string MemoryLimit { get; set; } = "512MB";

    /// <summary>DuckDB worker threads (the writer and queries share them).</summary>
    public int Threads { get; set; } = 2;

    /// <summary>
    /// DuckDB <c>checkpoint_threshold</c>: the write-ahead log's size at which DuckDB folds it into the file (default
    /// "128MB"; DuckDB's own default is 16MB). Each checkpoint recompresses the table's last, partly filled row group, so
    /// with the store's few-commits-a-second stream a larger threshold writes each row fewer times (bench/README.md "The
    /// store's cost on ingestion"). The price: after a SIGKILL, the next start replays up to this much log (nothing is
    /// lost either way; a graceful stop checkpoints).
    /// </summary>
    public string CheckpointThreshold { get; set; } = "128MB";

    /// <summary>More DuckDB <c>SET</c> statements for the writer's connection (benchmarks only: not bound from configuration).</summary>
    internal string? BenchmarkSettings { get; set; }

    /// <summary>
    /// Key the DuckDB file is encrypted with (AES-GCM, DuckDB 1.4+ <c>ATTACH ... (ENCRYPTION_KEY ...)</c>); null or empty
    /// keeps the file plain. A file written with a key cannot be opened without it, and a plain file is not opened with one.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>
    /// DuckDB encrypts with OpenSSL from its httpfs extension. When that extension is not installed, true lets it encrypt
    /// with its built-in mbedTLS module, which DuckDB marks unsafe (nonces from a non-cryptographic generator); false
    /// (default) keeps the store degraded with a message saying how to install httpfs.
    /// </summary>
    public bool AllowMbedTlsEncryption { get; set; }

    /// <summary>First wait before reopening a store that could not be opened or written; doubles up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between reopen attempts.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Checks <see cref="OperationStoreOptions"/> at start and says in words what is wrong.</summary>
public sealed partial class OperationStoreOptionsValidator : IValidateOptions<OperationStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OperationStoreOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with the options (empty when they are valid).</summary>
    public static IReadOnlyList<string> Check(OperationStoreOptions? options)
    {
        const string Section = OperationStoreOptions.SectionName;
        if (options is null)
        {
            return [$"{Section} is missing."];
        }

        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.FileName) || options.FileName.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{Section}:FileName must name a file (for example \"operations.duckdb\").");
        }

        if (options.Retention < TimeSpan.FromHours(1) || options.Retention > TimeSpan.FromDays(3660))
        {
            failures.Add($"{Section}:Retention must be between 1 hour and 3660 days (it is {options.Retention}).");
        }

        if (options.MaxDiskBytes is < 0 or (> 0 and < 1024 * 1024))
        {
            failures.Add($"{Section}:MaxDiskBytes must be 0 (no cap) or at least 1048576 bytes (it is {options.MaxDiskBytes}).");
        }

        if (options.ArchiveDirectory is { } archive && (archive.Length == 0 || archive.IndexOfAny(Path.GetInvalidPathChars()) >= 0))
        {
            failures.Add($"{Section}:ArchiveDirectory must name a folder or be left out.");
        }

        if (options.QueueCapacity is < 1 or > 10_000_000)
        {
            failures.Add($"{Section}:QueueCapacity must be between 1 and 10000000 (it is {options.QueueCapacity}).");
        }

        if (options.MaxBatchSize is < 1 or > 1_000_000)
        {
            failures.Add($"{Section}:MaxBatchSize must be between 1 and 1000000 (it is {options.MaxBatchSize}).");
        }

        if (options.CommitInterval <= TimeSpan.Zero || options.CommitInterval > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:CommitInterval must be more than 0 and at most 00:00:01, so a crash loses at most a second (it is {options.CommitInterval}).");
        }

        if (options.PurgeInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Section}:PurgeInterval must be at least 00:00:01 (it is {options.PurgeInterval}).");
        }

        if (!MemoryLimitPattern().IsMatch(options.MemoryLimit ?? ""))
        {
            failures.Add($"{Section}:MemoryLimit must be a size like \"512MB\" or \"2GB\" (it is \"{options.MemoryLimit}\").");
        }

        if (!MemoryLimitPattern().IsMatch(options.CheckpointThreshold ?? ""))
        {
            failures.Add($"{Section}:CheckpointThreshold must be a size like \"16MB\" or \"128MB\" (it is \"{options.CheckpointThreshold}\").");
        }

        if (options.Threads is < 1 or > 256)
        {
            failures.Add($"{Section}:Threads must be between 1 and 256 (it is {options.Threads}).");
        }

        if (options.EncryptionKey is { Length: > 0 } key && (key.Length < 16 || key.Any(char.IsControl)))
        {
            failures.Add($"{Section}:EncryptionKey must be at least 16 characters without control characters (or left out for a plain file).");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.MaxRetryDelay < options.RetryDelay)
        {
            failures.Add($"{Section}:RetryDelay must be more than 0 and MaxRetryDelay at least RetryDelay.");
        }

        return failures;
    }

    /// <summary>A size DuckDB understands; also keeps the value safe to place in a SET statement.</summary>
    [GeneratedRegex("^[0-9]{1,6}(\\.[0-9]{1,3})?(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", RegexOptions.CultureInvariant)]
    internal static partial Regex MemoryLimitPattern();
}
