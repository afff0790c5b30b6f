using Microsoft.Extensions.Options;

namespace Conciergus.Core.Storage;

/// <summary>Storage options (section "Conciergus:Storage"): the encryption key of the database files and the backup folder.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Storage";

    /// <summary>The key (a passphrase) that encrypts the LiteDB file and any other database file the app keeps. Prefer <see cref="EncryptionKeyFile"/> or an environment variable over appsettings.json.</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>A file whose first line is the key; never inside the data folder (a stolen data folder must not carry its key).</summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>Where <c>POST /api/v1/admin/backup</c> writes snapshots; relative paths are relative to the content root. Default "backups".</summary>
    public string BackupDirectory { get; set; } = "backups";
}

/// <summary>
/// The resolved encryption key for the database files (null: not encrypted). LiteDB gets it as its AES password
/// (<c>Password=</c>); the operation store gets it as its encryption key. Resolved once at start by <see cref="Resolve"/>,
/// which refuses a key file inside the data folder.
/// </summary>
/// <param name="Key">The key, or null when encryption is off.</param>
public sealed record StorageEncryption(string? Key)
{
    /// <summary>No encryption.</summary>
    public static StorageEncryption None { get; } = new((string?)null);

    /// <summary>Whether the files are encrypted.</summary>
    public bool Enabled => Key is not null;

    /// <summary>
    /// Reads the key from <see cref="StorageOptions.EncryptionKey"/> or <see cref="StorageOptions.EncryptionKeyFile"/>.
    /// Throws <see cref="InvalidOperationException"/> with words an operator can act on when both are set, the file is
    /// missing or empty, the key is shorter than 16 characters, or the key file sits inside the data folder.
    /// </summary>
    public static StorageEncryption Resolve(StorageOptions options, string dataDirectoryFullPath, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inline = string.IsNullOrEmpty(options.EncryptionKey) ? null : options.EncryptionKey;
        var file = string.IsNullOrWhiteSpace(options.EncryptionKeyFile) ? null : options.EncryptionKeyFile;
        if (inline is not null && file is not null)
        {
            throw new InvalidOperationException("Set either Conciergus:Storage:EncryptionKey or Conciergus:Storage:EncryptionKeyFile, not both.");
        }

        if (file is not null)
        {
            var path = Path.GetFullPath(Path.IsPathRooted(file) ? file : Path.Combine(contentRoot, file));
            if (IsInside(path, dataDirectoryFullPath))
            {
                throw new InvalidOperationException(
                    $"Conciergus:Storage:EncryptionKeyFile '{path}' is inside the data folder '{dataDirectoryFullPath}'. Keep the key elsewhere (a secrets mount, another volume): a copy of the data folder must not carry its own key. The app does not start until the key file is moved.");
            }

            if (!File.Exists(path))
            {
                throw new InvalidOperationException($"Conciergus:Storage:EncryptionKeyFile '{path}' does not exist.");
            }

            inline = File.ReadLines(path).FirstOrDefault()?.Trim();
            if (string.IsNullOrEmpty(inline))
            {
                throw new InvalidOperationException($"Conciergus:Storage:EncryptionKeyFile '{path}' is empty: its first line must hold the key.");
            }
        }

        if (inline is null)
        {
            return None;
        }

        return inline.Length < 16
            ? throw new InvalidOperationException($"The storage encryption key must be at least 16 characters (got {inline.Length}).")
            : new StorageEncryption(inline);
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="folder"/> or inside it (symbolic links of the folder resolved).</summary>
    internal static bool IsInside(string path, string folder)
    {
        var comparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (var root in Candidates(folder))
        {
            foreach (var candidate in Candidates(path))
            {
                var relative = Path.GetRelativePath(root, candidate);
                if (relative == "." || (!relative.StartsWith("..", comparison) && !Path.IsPathRooted(relative)))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static IEnumerable<string> Candidates(string path)
    {
        var full = Path.GetFullPath(path);
        yield return full;
        var resolved = ResolveLinks(full);
        if (!string.Equals(resolved, full, StringComparison.Ordinal))
        {
            yield return resolved;
        }
    }

    private static string ResolveLinks(string full)
    {
        try
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { } target)
            {
                return target.FullName;
            }

            var directory = new DirectoryInfo(full);
            if (directory.LinkTarget is not null && directory.ResolveLinkTarget(returnFinalTarget: true) is { } targetDirectory)
            {
                return targetDirectory.FullName;
            }

            var parent = Path.GetDirectoryName(full);
            return parent is null ? full : Path.Combine(ResolveLinks(parent), Path.GetFileName(full));
        }
        catch (IOException)
        {
            return full;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Enabled ? "StorageEncryption { Key = *** }" : "StorageEncryption { Key = (none) }";
}

/// <summary>Validates <see cref="StorageOptions"/> at start.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.BackupDirectory) || options.BackupDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0
            ? ValidateOptionsResult.Fail("Conciergus:Storage:BackupDirectory must name a folder (for example \"backups\").")
            : ValidateOptionsResult.Success;
    }
}

/// <summary>The resolved backup folder (<see cref="StorageOptions.BackupDirectory"/>, relative to the content root).</summary>
/// <param name="FullPath">Absolute path.</param>
public sealed record BackupFolder(string FullPath)
{
    /// <summary>Resolves <paramref name="configured"/> against <paramref name="contentRoot"/>.</summary>
    public static BackupFolder Resolve(string configured, string contentRoot) =>
        new(Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(contentRoot, configured)));
}
