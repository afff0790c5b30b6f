using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion;

/// <summary>
/// The ingestion keys in force: the configured ones, or else one generated on first start, stored in the
/// data directory and printed once. A generated key can be rotated (from the Admin page): the new key is accepted at
/// once and the previous one for a grace period, so applications can switch without losing telemetry. Comparison is
/// constant-time over SHA-256 digests, so neither content nor length leaks through timing.
/// </summary>
public sealed partial class IngestionKeys
{
    /// <summary>File (in the data directory) holding the generated key.</summary>
    public const string GeneratedKeyFile = "ingestion-key.txt";

    /// <summary>File (in the data directory) holding the key a rotation replaced and until when it is accepted.</summary>
    public const string PreviousKeyFile = "ingestion-key.previous.txt";

    /// <summary>How long a rotated-out key stays valid unless the Admin retires it sooner.</summary>
    public static readonly TimeSpan DefaultRotationGrace = TimeSpan.FromHours(24);

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly ILogger<IngestionKeys> _logger;
    private readonly string? _previousPath;
    private readonly IReadOnlyList<string> _configuredHints;
    private volatile KeySet _set;

    /// <summary>Loads or generates the keys.</summary>
    public IngestionKeys(IOptions<IngestionOptions> options, DataDirectory dataDirectory, ILogger<IngestionKeys> logger, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        ArgumentNullException.ThrowIfNull(logger);
        _time = time ?? TimeProvider.System;
        _logger = logger;
        var configured = options.Value.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k.Trim()).ToList();
        _configuredHints = configured.Select(Hint).ToList();
        if (configured.Count > 0)
        {
            _set = new KeySet(configured.Select(Digest).ToArray(), null, null, null);
            return;
        }

        GeneratedKeyPath = dataDirectory.FileIn(GeneratedKeyFile);
        _previousPath = dataDirectory.FileIn(PreviousKeyFile);
        string current;
        if (File.Exists(GeneratedKeyPath) && File.ReadAllText(GeneratedKeyPath).Trim() is { Length: > 0 } stored)
        {
            current = stored;
        }
        else
        {
            current = NewKey();
            WritePrivate(GeneratedKeyPath, current);
            LogGeneratedKey(logger, current, GeneratedKeyPath);
        }

        _set = new KeySet([Digest(current)], current, ReadPrevious(_previousPath), null);
    }

    /// <summary>Where the generated key is stored, when no key was configured.</summary>
    public string? GeneratedKeyPath { get; }

    /// <summary>Whether <paramref name="candidate"/> is one of the keys (constant-time per key).</summary>
    public bool IsValid(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate))
        {
            return false;
        }

        var set = _set;
        var digest = Digest(candidate.Trim());
        var valid = false;
        foreach (var known in set.Digests)
        {
            // No early exit: every key is compared, so timing does not tell which one matched.
            valid |= CryptographicOperations.FixedTimeEquals(digest, known);
        }

        if (set.Previous is { } previous)
        {
            valid |= CryptographicOperations.FixedTimeEquals(digest, previous.Digest) & _time.GetUtcNow() < previous.Until;
        }

        return valid;
    }

    /// <summary>The keys in force as an Admin may see them: the generated key in full, configured ones by their last four characters.</summary>
    public IngestionKeyState Describe()
    {
        var set = _set;
        var previousUntil = set.Previous is { } previous && _time.GetUtcNow() < previous.Until ? previous.Until : (DateTimeOffset?)null;
        var hints = set.Current is { } current ? [Hint(current)] : _configuredHints;
        return new IngestionKeyState(set.Current is not null, set.Current, hints, previousUntil, set.RotatedAt);
    }

    /// <summary>
    /// Replaces the generated key with a new one; the old key stays valid for <paramref name="grace"/> (zero: refused at
    /// once). Fails when the keys come from configuration (rotate them there: add the new one, switch the apps, remove the old).
    /// </summary>
    public IngestionKeyState Rotate(TimeSpan grace)
    {
        if (grace < TimeSpan.Zero || grace > TimeSpan.FromDays(30))
        {
            throw new ArgumentOutOfRangeException(nameof(grace), grace, "The grace period is 0 to 30 days.");
        }

        lock (_gate)
        {
            var set = _set;
            if (set.Current is not { } old || GeneratedKeyPath is null || _previousPath is null)
            {
                throw new InvalidOperationException("The ingestion keys come from configuration (Conciergus:Ingestion:ApiKeys): rotate them there.");
            }

            var now = _time.GetUtcNow();
            var previous = new PreviousKey(Digest(old), now + grace);

            // The previous key is written first: a crash between the two writes leaves the old key current and also
            // listed as previous, never a new key that was not saved.
            WritePrivate(_previousPath, old + "\n" + previous.Until.ToString("O", CultureInfo.InvariantCulture));
            var current = NewKey();
            WritePrivate(GeneratedKeyPath, current);
            _set = new KeySet([Digest(current)], current, previous, now);
            LogRotated(_logger, previous.Until);
            return Describe();
        }
    }

    /// <summary>Stops accepting the key the last rotation replaced; false when there was none in force.</summary>
    public bool RetirePrevious()
    {
        lock (_gate)
        {
            var set = _set;
            if (set.Previous is null || _previousPath is null)
            {
                return false;
            }

            File.Delete(_previousPath);
            _set = set with { Previous = null };
            return set.Previous.Until > _time.GetUtcNow();
        }
    }

    private static PreviousKey? ReadPrevious(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var lines = File.ReadAllLines(path);
        return lines.Length >= 2 && lines[0].Trim() is { Length: > 0 } key
            && DateTimeOffset.TryParse(lines[1].Trim(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var until)
            ? new PreviousKey(Digest(key), until)
            : null;
    }

    private static string NewKey() => "cik_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));

    private static string Hint(string key) => "…" + key[^Math.Min(4, key.Length)..];

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    // Written beside and moved over the old file: a reader never sees half a key. Owner-only on Unix.
    private static void WritePrivate(string path, string content)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No ingestion key configured: generated one, stored in {Path}. Send it as x-otlp-api-key or Authorization: Bearer. Ingestion key: {Key}")]
    private static partial void LogGeneratedKey(ILogger logger, string key, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ingestion key rotated from the Admin page; the previous key is accepted until {Until:O}.")]
    private static partial void LogRotated(ILogger logger, DateTimeOffset until);

    private sealed record PreviousKey(byte[] Digest, DateTimeOffset Until);

    private sealed record KeySet(byte[][] Digests, string? Current, PreviousKey? Previous, DateTimeOffset? RotatedAt);
}

/// <summary>The ingestion keys as an Admin sees them.</summary>
/// <param name="Generated">Whether the key was generated by the app (rotatable here) rather than configured.</param>
/// <param name="Key">The generated key in force; null when keys are configured.</param>
/// <param name="Hints">The last four characters of each key in force ("…3f9a"), to tell keys apart without showing them.</param>
/// <param name="PreviousValidUntil">Until when the key the last rotation replaced is still accepted; null when none is.</param>
/// <param name="RotatedAt">When this process last rotated the key.</param>
public sealed record IngestionKeyState(bool Generated, string? Key, IReadOnlyList<string> Hints, DateTimeOffset? PreviousValidUntil, DateTimeOffset? RotatedAt);
