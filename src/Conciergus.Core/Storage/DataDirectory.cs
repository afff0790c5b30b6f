using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Storage;

/// <summary>Root options (section "Conciergus"): where the LiteDB file and generated secrets live.</summary>
public sealed class ConciergusOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus";

    /// <summary>Folder for the LiteDB file and generated secrets; relative paths are relative to the content root.</summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>
/// The resolved data folder; created on first use. It holds the database, generated secrets and the audit
/// checkpoints, so on Unix it is private: the folder is 0700 and its files 0600 (existing ones are tightened on first
/// use, and the process's umask becomes 077 so files created later, by LiteDB or any store, are private too).
/// </summary>
public sealed class DataDirectory
{
    /// <summary>Mode of the folder and its subfolders on Unix (owner only).</summary>
    public const UnixFileMode PrivateDirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Mode of files inside it on Unix (owner read and write).</summary>
    public const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private readonly Lock _gate = new();
    private bool _secured;

    /// <summary>Creates it from options, resolving a relative path against <paramref name="contentRoot"/>.</summary>
    public DataDirectory(IOptions<ConciergusOptions> options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Value.DataDirectory;
        FullPath = Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(contentRoot, configured));
    }

    /// <summary>Absolute path of the folder.</summary>
    public string FullPath { get; }

    /// <summary>Absolute path of a file inside the folder, creating the (private) folder when needed.</summary>
    public string FileIn(string fileName)
    {
        EnsurePrivate();
        var path = Path.Combine(FullPath, fileName);
        if (!OperatingSystem.IsWindows() && File.Exists(path))
        {
            File.SetUnixFileMode(path, PrivateFileMode);
        }

        return path;
    }

    /// <summary>
    /// Creates the folder if needed and, on Unix, makes it and everything in it private (0700 folders, 0600 files);
    /// from then on the process creates files 0600 and folders 0700 (umask 077). Done once per instance.
    /// </summary>
    public void EnsurePrivate()
    {
        lock (_gate)
        {
            if (_secured)
            {
                return;
            }

            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(FullPath);
                _secured = true;
                return;
            }

            // Before creating anything: no moment in which a new file is readable by others.
            _ = NativeMethods.umask(0x3F);
            Directory.CreateDirectory(FullPath, PrivateDirectoryMode);
            File.SetUnixFileMode(FullPath, PrivateDirectoryMode);
            foreach (var entry in new DirectoryInfo(FullPath).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
            {
                if (entry.LinkTarget is not null)
                {
                    continue; // a link's mode is its target's: never chmod outside the folder
                }

                File.SetUnixFileMode(entry.FullName, entry is DirectoryInfo ? PrivateDirectoryMode : PrivateFileMode);
            }

            _secured = true;
        }
    }

    private static class NativeMethods
    {
        // umask(2) never fails; it returns the previous mask.
        [DllImport("libc", SetLastError = false)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static extern uint umask(uint mask);
    }
}

/// <summary>Validates <see cref="ConciergusOptions"/> at start.</summary>
public sealed class ConciergusOptionsValidator : IValidateOptions<ConciergusOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ConciergusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            return ValidateOptionsResult.Fail("Conciergus:DataDirectory must name a folder (for example \"data\").");
        }

        return options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0
            ? ValidateOptionsResult.Fail($"Conciergus:DataDirectory '{options.DataDirectory}' contains characters not allowed in a path.")
            : ValidateOptionsResult.Success;
    }
}
