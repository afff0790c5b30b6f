using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>Why a checkpoint was written.</summary>
public static class CheckpointKinds
{
    /// <summary>Every <see cref="AuditOptions.CheckpointInterval"/> entries.</summary>
    public const string Interval = "interval";

    /// <summary>The log opened (the head it found).</summary>
    public const string Startup = "startup";

    /// <summary>The app stopped cleanly.</summary>
    public const string Shutdown = "shutdown";
}

/// <summary>One signed checkpoint: the chain head at a moment, signed with HMAC-SHA256.</summary>
/// <param name="Sequence">Head sequence.</param>
/// <param name="Hash">Head hash.</param>
/// <param name="At">When (UTC).</param>
/// <param name="Kind">Why (interval, startup, shutdown).</param>
/// <param name="Hmac">HMAC-SHA256 (hex) over "sequence|hash|at(O)|kind".</param>
public sealed record AuditCheckpoint(long Sequence, string Hash, DateTimeOffset At, string Kind, string Hmac);

/// <summary>
/// The key kept outside the database: checkpoint signatures and subject pseudonyms. From
/// <see cref="AuditOptions.CheckpointKey"/>, else audit-checkpoint.key in the data directory (generated, mode 600).
/// </summary>
public sealed class AuditKey
{
    /// <summary>File name of the generated key.</summary>
    public const string FileName = "audit-checkpoint.key";

    /// <summary>Loads or generates the key.</summary>
    public AuditKey(IOptions<AuditOptions> options, DataDirectory dataDirectory)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var configured = options.Value.CheckpointKey;
        if (!string.IsNullOrEmpty(configured))
        {
            Bytes = Encoding.UTF8.GetBytes(configured);
            return;
        }

        var path = dataDirectory.FileIn(FileName);
        if (File.Exists(path))
        {
            Bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
            return;
        }

        Bytes = RandomNumberGenerator.GetBytes(32);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, fileOptions);
        using var writer = new StreamWriter(stream);
        writer.Write(Convert.ToBase64String(Bytes));
    }

    /// <summary>The key bytes.</summary>
    internal byte[] Bytes { get; }

    /// <summary>HMAC-SHA256 of <paramref name="text"/> with a sub-key for <paramref name="purpose"/>, lower-case hex.</summary>
    public string Sign(string purpose, string text)
    {
        var subKey = HMACSHA256.HashData(Bytes, Encoding.UTF8.GetBytes(purpose));
        return Convert.ToHexStringLower(HMACSHA256.HashData(subKey, Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>The checkpoint file (audit-checkpoints.jsonl in the data directory), one signed checkpoint per line.</summary>
public sealed class AuditCheckpointFile
{
    /// <summary>File name in the data directory.</summary>
    public const string FileName = "audit-checkpoints.jsonl";

    private const string Purpose = "conciergus-audit-checkpoint-v1";
    private readonly AuditKey _key;
    private readonly Lock _gate = new();

    private readonly string _purpose;

    /// <summary>Creates it over the data directory.</summary>
    public AuditCheckpointFile(AuditKey key, DataDirectory dataDirectory)
        : this(key, dataDirectory, FileName, Purpose)
    {
    }

    /// <summary>A checkpoint file of another chain (the AI decision records): its own file name and HMAC sub-key purpose.</summary>
    public AuditCheckpointFile(AuditKey key, DataDirectory dataDirectory, string fileName, string purpose)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentException.ThrowIfNullOrWhiteSpace(purpose);
        _key = key;
        _purpose = purpose;
        FilePath = dataDirectory.FileIn(fileName);
    }

    /// <summary>Absolute path of the file.</summary>
    public string FilePath { get; }

    /// <summary>Signs and appends a checkpoint, flushed to disk before returning.</summary>
    public AuditCheckpoint Write(long sequence, string hash, DateTimeOffset at, string kind)
    {
        var checkpoint = new AuditCheckpoint(sequence, hash, at.ToUniversalTime(), kind, _key.Sign(_purpose, Payload(sequence, hash, at, kind)));
        var line = JsonSerializer.Serialize(new Line(checkpoint.Sequence, checkpoint.Hash, AuditCanonical.FormatTimestamp(checkpoint.At), checkpoint.Kind, checkpoint.Hmac), LineContext.Options) + "\n";
        lock (_gate)
        {
            using var stream = new FileStream(FilePath, FileMode.Append, FileAccess.Write, FileShare.Read);
            var bytes = Encoding.UTF8.GetBytes(line);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        return checkpoint;
    }

    /// <summary>All checkpoints in file order, each with whether its signature is valid; unreadable lines count as invalid.</summary>
    public IReadOnlyList<(AuditCheckpoint? Checkpoint, bool SignatureValid, int LineNumber)> ReadAll()
    {
        string[] lines;
        lock (_gate)
        {
            if (!File.Exists(FilePath))
            {
                return [];
            }

            lines = File.ReadAllLines(FilePath);
        }

        var result = new List<(AuditCheckpoint?, bool, int)>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            try
            {
                var line = JsonSerializer.Deserialize<Line>(lines[i], LineContext.Options)!;
                var at = DateTimeOffset.Parse(line.At, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
                var expected = _key.Sign(_purpose, Payload(line.Sequence, line.Hash, at, line.Kind));
                var valid = CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(line.Hmac ?? ""));
                result.Add((new AuditCheckpoint(line.Sequence, line.Hash, at, line.Kind, line.Hmac ?? ""), valid, i + 1));
            }
            catch (Exception e) when (e is JsonException or FormatException or NullReferenceException or ArgumentException)
            {
                result.Add((null, false, i + 1));
            }
        }

        return result;
    }

    private static string Payload(long sequence, string hash, DateTimeOffset at, string kind) =>
        string.Join('|', sequence.ToString(CultureInfo.InvariantCulture), hash, AuditCanonical.FormatTimestamp(at), kind);

    private sealed record Line(long Sequence, string Hash, string At, string Kind, string? Hmac);

    private static class LineContext
    {
        public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}

/// <summary>The checkpoint checks shared by the audit chain and the AI decision chain.</summary>
internal static class ChainCheckpoints
{
    /// <summary>
    /// Checks every signed checkpoint against the walked chain: signature, truncation (a checkpoint past the end),
    /// rollback or rewrite (hash differs at the checkpoint's sequence), entries appended while stopped (a shutdown
    /// checkpoint not followed by a startup at the same sequence). Null when all hold.
    /// </summary>
    public static (long? Sequence, string Reason)? Check(
        IReadOnlyList<(AuditCheckpoint? Checkpoint, bool SignatureValid, int LineNumber)> checkpoints,
        Dictionary<long, string> hashes, long firstSequence, long last, int interval, string fileName, string chainName)
    {
        if (checkpoints.Count == 0)
        {
            return last >= interval
                ? (null, $"the checkpoint file {fileName} is missing or empty, but the log holds {last} entries")
                : null;
        }

        AuditCheckpoint? previous = null;
        foreach (var (checkpoint, signatureValid, line) in checkpoints)
        {
            if (checkpoint is null || !signatureValid)
            {
                return (checkpoint?.Sequence, $"checkpoint on line {line} of {fileName} has an invalid signature (checkpoint file tampered)");
            }

            if (checkpoint.Sequence > last)
            {
                return (last + 1, $"log truncated: a signed checkpoint covers entry {checkpoint.Sequence} but the log ends at {last}");
            }

            if (checkpoint.Sequence >= firstSequence
                && (!hashes.TryGetValue(checkpoint.Sequence, out var hash) || !string.Equals(hash, checkpoint.Hash, StringComparison.Ordinal)))
            {
                return (checkpoint.Sequence, $"entry {checkpoint.Sequence} differs from the signed checkpoint of {AuditCanonical.FormatTimestamp(checkpoint.At)} (log rolled back or rewritten)");
            }

            if (previous is { Kind: CheckpointKinds.Shutdown } && (checkpoint.Kind != CheckpointKinds.Startup || checkpoint.Sequence != previous.Sequence))
            {
                return (previous.Sequence + 1, $"entries after {previous.Sequence} were added while the {chainName} was stopped (forged append)");
            }

            previous = checkpoint;
        }

        return null;
    }
}
