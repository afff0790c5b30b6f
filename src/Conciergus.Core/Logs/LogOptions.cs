using Microsoft.Extensions.Options;

namespace Conciergus.Core.Logs;

/// <summary>Bounds of the log store (section "Conciergus:Logs").</summary>
public sealed class LogOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Logs";

    /// <summary>Most log records kept; the oldest is evicted first.</summary>
    public int MaxRecords { get; set; } = 50_000;

    /// <summary>Most memory (estimated bytes) the kept records may hold; the oldest is evicted first.</summary>
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>How many AI spans are remembered, so their later log records are recognised as AI content.</summary>
    public int MaxRememberedAiSpans { get; set; } = 100_000;
}

/// <summary>Validates <see cref="LogOptions"/> at start.</summary>
public sealed class LogOptionsValidator : IValidateOptions<LogOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LogOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string prefix = LogOptions.SectionName + ":";
        if (options.MaxRecords is < 1 or > 10_000_000)
        {
            failures.Add($"{prefix}MaxRecords must be between 1 and 10000000.");
        }

        if (options.MaxBytes is < 64 * 1024 or > 64L * 1024 * 1024 * 1024)
        {
            failures.Add($"{prefix}MaxBytes must be between 65536 and 68719476736 (bytes).");
        }

        if (options.MaxRememberedAiSpans is < 1 or > 10_000_000)
        {
            failures.Add($"{prefix}MaxRememberedAiSpans must be between 1 and 10000000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
