using System.Globalization;
using System.Text.Json;
using Conciergus.Core.Storage;
using Microsoft.Extensions.Configuration;

namespace Conciergus.Core.Compliance;

/// <summary>What a restore did.</summary>
/// <param name="Restored">Files copied into the data folder.</param>
/// <param name="MovedAside">Folder inside the data folder holding the files the restore replaced (nothing is deleted).</param>
public sealed record RestoreResult(IReadOnlyList<string> Restored, string MovedAside);

/// <summary>
/// Brings a backup written by <see cref="StorageBackup"/> back, with the app stopped:
/// <c>dotnet Conciergus.Dashboard.dll --restore &lt;backup folder&gt;</c>. Every file's SHA-256 is checked against
/// manifest.json first (nothing is touched when one differs); the files it replaces are moved into
/// "before-restore-&lt;time&gt;" inside the data folder; then the app starts as usual and the audit and decision chains
/// verify (the checkpoint files come from the same backup). The encryption key and the audit key file are not in a
/// backup: restore on the installation that wrote it, or copy audit-checkpoint.key and configure the same key.
/// </summary>
public static class StorageRestore
{
    /// <summary>Restores <paramref name="backupFolder"/> into <paramref name="dataDirectory"/>.</summary>
    /// <param name="backupFolder">A folder holding manifest.json (or the manifest itself).</param>
    /// <param name="dataDirectory">Absolute path of the data folder (the app must be stopped).</param>
    /// <param name="operationsFile">Where the operation store's file lives (absolute, or relative to the data folder); null: its default.</param>
    /// <param name="now">For the name of the moved-aside folder.</param>
    public static RestoreResult Restore(string backupFolder, string dataDirectory, string? operationsFile, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backupFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        if (File.Exists(backupFolder) && Path.GetFileName(backupFolder) == StorageBackup.ManifestName)
        {
            backupFolder = Path.GetDirectoryName(Path.GetFullPath(backupFolder))!;
        }

        var manifestPath = Path.Combine(backupFolder, StorageBackup.ManifestName);
        if (!File.Exists(manifestPath))
        {
            throw new InvalidOperationException($"'{backupFolder}' is not a backup: it has no {StorageBackup.ManifestName}.");
        }

        using var manifest = JsonDocument.Parse(File.ReadAllBytes(manifestPath));
        var plan = new List<(string Source, string Target)>();
        foreach (var file in manifest.RootElement.GetProperty("files").EnumerateArray())
        {
            var name = file.GetProperty("name").GetString()!;
            if (name != Path.GetFileName(name))
            {
                throw new InvalidOperationException($"The manifest names '{name}', which is not a plain file name.");
            }

            var source = Path.Combine(backupFolder, name);
            if (!File.Exists(source))
            {
                throw new InvalidOperationException($"The backup is incomplete: {name} is missing.");
            }

            var actual = StorageBackup.Describe(source, "").Sha256;
            if (actual != file.GetProperty("sha256").GetString())
            {
                throw new InvalidOperationException($"The backup is damaged: {name} does not match its SHA-256 in the manifest. Nothing was restored.");
            }

            var target = file.GetProperty("role").GetString() == "operations"
                ? Path.GetFullPath(Path.Combine(dataDirectory, operationsFile ?? "operations.duckdb"))
                : Path.Combine(dataDirectory, name);
            plan.Add((source, target));
        }

        Directory.CreateDirectory(dataDirectory);
        var aside = Path.Combine(dataDirectory, "before-restore-" + now.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(aside);
        foreach (var (_, target) in plan)
        {
            // The live file and its write-ahead companions go aside together: a stale log applied to the restored file would corrupt it.
            foreach (var companion in new[] { target, ConciergusDatabase.LogFileOf(target), target + ".wal" })
            {
                if (File.Exists(companion))
                {
                    File.Move(companion, Path.Combine(aside, Path.GetFileName(companion)), overwrite: true);
                }
            }
        }

        var restored = new List<string>();
        foreach (var (source, target) in plan)
        {
            File.Copy(source, target + ".restoring", overwrite: true);
            File.Move(target + ".restoring", target, overwrite: true);
            restored.Add(target);
        }

        return new RestoreResult(restored, aside);
    }

    /// <summary>
    /// Handles <c>--restore &lt;folder&gt;</c> on the command line: restores into the configured data folder, prints what
    /// it did and returns the exit code (0 done, 1 refused); null when the switch is absent (start as usual).
    /// </summary>
    public static int? RunFromCommandLine(string[] args, IConfiguration configuration, string contentRoot, TextWriter output, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(output);
        var at = Array.IndexOf(args, "--restore");
        if (at < 0)
        {
            return null;
        }

        if (at + 1 >= args.Length || string.IsNullOrWhiteSpace(args[at + 1]))
        {
            output.WriteLine("--restore needs the backup folder: dotnet Conciergus.Dashboard.dll --restore <backups/backup-...>");
            return 1;
        }

        var configured = configuration[ConciergusOptions.SectionName + ":DataDirectory"] ?? new ConciergusOptions().DataDirectory;
        var data = Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(contentRoot, configured));
        try
        {
            var result = Restore(args[at + 1], data, configuration["Conciergus:Operations:FileName"], (time ?? TimeProvider.System).GetUtcNow());
            output.WriteLine($"Restored {result.Restored.Count} files into {data}; the files they replaced are in {result.MovedAside}. Start the app as usual; GET /api/v1/audit/verify confirms the chain.");
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or JsonException)
        {
            output.WriteLine("Restore refused: " + e.Message);
            return 1;
        }
    }
}
