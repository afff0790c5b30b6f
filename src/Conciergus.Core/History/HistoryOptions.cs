using Microsoft.Extensions.Options;

namespace Conciergus.Core.History;

/// <summary>How history is restored from the operation store at start (section <c>Conciergus:History</c>).</summary>
public sealed class HistoryOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Conciergus:History";

    /// <summary>Restore at start (default true). Off: the service reports restored at once, with the reason.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How far back stored spans are read to refill the trace store (newest first, until its bounds are reached).</summary>
    public TimeSpan TraceWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Operations handed to the rings per batch.</summary>
    public int BatchSize { get; set; } = 8192;

    /// <summary>How long to wait for the operation store to leave its starting state before restoring without it.</summary>
    public TimeSpan StoreOpenTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Restore the rings and the ledger from buckets the store aggregates (default true; one GROUP BY per ring) when the
    /// store can (<c>IOperationBucketSource</c>); false replays every stored operation (slower, kept for comparison).
    /// </summary>
    public bool BulkRestore { get; set; } = true;

    /// <summary>Most ids of late live operations remembered while restoring (see <see cref="HistoryRestoreService"/>).</summary>
    public int MaxLateIds { get; set; } = 1_000_000;
}

/// <summary>Checks <see cref="HistoryOptions"/> at start and says what is wrong.</summary>
public sealed class HistoryOptionsValidator : IValidateOptions<HistoryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, HistoryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = HistoryOptions.SectionName;
        var errors = new List<string>();
        if (options.TraceWindow < TimeSpan.Zero || options.TraceWindow > TimeSpan.FromDays(400))
        {
            errors.Add($"{S}:TraceWindow must be between 00:00:00 and 400 days (got {options.TraceWindow}).");
        }

        if (options.BatchSize is < 1 or > 1_000_000)
        {
            errors.Add($"{S}:BatchSize must be between 1 and 1000000 (got {options.BatchSize}).");
        }

        if (options.StoreOpenTimeout <= TimeSpan.Zero)
        {
            errors.Add($"{S}:StoreOpenTimeout must be positive (got {options.StoreOpenTimeout}).");
        }

        if (options.MaxLateIds is < 0)
        {
            errors.Add($"{S}:MaxLateIds must be 0 or more (got {options.MaxLateIds}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
