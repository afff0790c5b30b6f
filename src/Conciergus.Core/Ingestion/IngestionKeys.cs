using System.Security.Cryptography;
using System.Text;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion;

/// <summary>
/// The ingestion keys in force: the configured ones, or else one generated on first start, stored in the
/// data directory and printed once. Comparison is constant-time over SHA-256 digests, so neither content
/// nor length leaks through timing.
/// </summary>
public sealed partial class IngestionKeys
{
    /// <summary>File (in the data directory) holding the generated key.</summary>
    public const string GeneratedKeyFile = "ingestion-key.txt";

    private readonly byte[][] _digests;

    /// <summary>Loads or generates the keys.</summary>
    public IngestionKeys(IOptions<IngestionOptions> options, DataDirectory dataDirectory, ILogger<IngestionKeys> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(dataDirectory);
        var keys = options.Value.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(k => k.Trim()).ToList();
        if (keys.Count == 0)
        {
            var path = dataDirectory.FileIn(GeneratedKeyFile);
            if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } stored)
            {
                keys.Add(stored);
                GeneratedKeyPath = path;
            }
            else
            {
                var generated = "cik_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
                File.WriteAllText(path, generated);
                TryRestrictToOwner(path);
                keys.Add(generated);
                GeneratedKeyPath = path;
                LogGeneratedKey(logger, generated, path);
            }
        }

        _digests = keys.Select(Digest).ToArray();
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

        var digest = Digest(candidate.Trim());
        var valid = false;
        foreach (var known in _digests)
        {
            // No early exit: every key is compared, so timing does not tell which one matched.
            valid |= CryptographicOperations.FixedTimeEquals(digest, known);
        }

        return valid;
    }

    private static byte[] Digest(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static void TryRestrictToOwner(string path)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No ingestion key configured: generated one, stored in {Path}. Send it as x-otlp-api-key or Authorization: Bearer. Ingestion key: {Key}")]
    private static partial void LogGeneratedKey(ILogger logger, string key, string path);
}
