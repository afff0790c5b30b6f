using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion;

/// <summary>Options of the ingestion endpoints (section "Conciergus:Ingestion").</summary>
public sealed class IngestionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Ingestion";

    /// <summary>Accepted ingestion keys (primary and secondary, for rotation). Empty: one is generated on first start.</summary>
    public List<string> ApiKeys { get; set; } = [];

    /// <summary>Largest request body accepted, in bytes; larger bodies get 413.</summary>
    public long MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Most operations in one JSON batch; larger batches get 413.</summary>
    public int MaxBatchSize { get; set; } = 10_000;

    /// <summary>
    /// Ingestion requests (OTLP and JSON together) handled at once; one more gets 429 with Retry-After
    /// (<see cref="OverloadRetryAfter"/>) at once. Bounds the memory of bodies in flight under a flood.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Retry-After of a request refused because <see cref="MaxConcurrentRequests"/> were in flight.</summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Validates <see cref="IngestionOptions"/> at start.</summary>
public sealed class IngestionOptionsValidator : IValidateOptions<IngestionOptions>
{
    /// <summary>Shortest ingestion key accepted from configuration.</summary>
    public const int MinKeyLength = 16;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, IngestionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.ApiKeys[i]) || options.ApiKeys[i].Trim().Length < MinKeyLength)
            {
                failures.Add($"Conciergus:Ingestion:ApiKeys:{i} must be at least {MinKeyLength} characters (use a long random value).");
            }
        }

        if (options.MaxRequestBytes < 1024)
        {
            failures.Add("Conciergus:Ingestion:MaxRequestBytes must be at least 1024.");
        }

        if (options.MaxBatchSize < 1)
        {
            failures.Add("Conciergus:Ingestion:MaxBatchSize must be at least 1.");
        }

        if (options.MaxConcurrentRequests is < 1 or > 100_000)
        {
            failures.Add("Conciergus:Ingestion:MaxConcurrentRequests must be between 1 and 100000.");
        }

        if (options.OverloadRetryAfter < TimeSpan.FromSeconds(1) || options.OverloadRetryAfter > TimeSpan.FromMinutes(10))
        {
            failures.Add("Conciergus:Ingestion:OverloadRetryAfter must be between 00:00:01 and 00:10:00 (Retry-After is in whole seconds).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
