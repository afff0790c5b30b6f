using Conciergus.Core.Model;
using Microsoft.Extensions.Options;

namespace Conciergus.Core.Audit;

/// <summary>Audit trail options (section "Conciergus:Audit").</summary>
public sealed class AuditOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Audit";

    /// <summary>Retention key that applies to every category without its own entry.</summary>
    public const string DefaultCategory = "default";

    /// <summary>A signed checkpoint is written every this many entries (and at start and shutdown).</summary>
    public int CheckpointInterval { get; set; } = 100;

    /// <summary>HMAC key for checkpoints and subject pseudonyms (at least 32 characters); generated into the data directory when empty.</summary>
    public string? CheckpointKey { get; set; }

    /// <summary>How long entries are kept per action category (the part of the action before the first dot), e.g. {"auth": "90d", "default": "365d"}.</summary>
    public Dictionary<string, string> Retention { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How often the retention purge runs.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Retention per category, parsed; "default" is 365 days unless configured.</summary>
    public IReadOnlyDictionary<string, TimeSpan> ParsedRetention()
    {
        var result = new Dictionary<string, TimeSpan>(StringComparer.OrdinalIgnoreCase) { [DefaultCategory] = TimeSpan.FromDays(365) };
        foreach (var (category, text) in Retention)
        {
            if (TimeWindow.TryParse(text, out var span, out _))
            {
                result[category] = span;
            }
        }

        return result;
    }
}

/// <summary>Validates <see cref="AuditOptions"/> at start.</summary>
public sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.CheckpointInterval is < 1 or > 1_000_000)
        {
            errors.Add($"Conciergus:Audit:CheckpointInterval must be between 1 and 1000000 (got {options.CheckpointInterval}).");
        }

        if (options.CheckpointKey is { Length: > 0 and < 32 })
        {
            errors.Add("Conciergus:Audit:CheckpointKey must be at least 32 characters (or leave it empty to generate one into the data directory).");
        }

        foreach (var (category, text) in options.Retention)
        {
            if (!TimeWindow.TryParse(text, out _, out var error))
            {
                errors.Add($"Conciergus:Audit:Retention:{category} '{text}': {error}.");
            }
        }

        if (options.RetentionInterval < TimeSpan.FromMinutes(1))
        {
            errors.Add("Conciergus:Audit:RetentionInterval must be at least one minute.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
