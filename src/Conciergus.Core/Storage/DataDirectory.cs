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

/// <summary>The resolved data folder; created on first use.</summary>
public sealed class DataDirectory
{
    /// <summary>Creates it from options, resolving a relative path against <paramref name="contentRoot"/>.</summary>
    public DataDirectory(IOptions<ConciergusOptions> options, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configured = options.Value.DataDirectory;
        FullPath = Path.GetFullPath(Path.IsPathRooted(configured) ? configured : Path.Combine(contentRoot, configured));
    }

    /// <summary>Absolute path of the folder.</summary>
    public string FullPath { get; }

    /// <summary>Absolute path of a file inside the folder, creating the folder when needed.</summary>
    public string FileIn(string fileName)
    {
        Directory.CreateDirectory(FullPath);
        return Path.Combine(FullPath, fileName);
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
