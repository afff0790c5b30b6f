using Microsoft.Extensions.Options;

namespace Conciergus.Core.Ingestion.Otlp;

/// <summary>Limits of the OTLP/HTTP receiver (section "Conciergus:Ingestion:Otlp"); the compressed body limit is <see cref="IngestionOptions.MaxRequestBytes"/>.</summary>
public sealed class OtlpOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Conciergus:Ingestion:Otlp";

    /// <summary>
    /// Where the OTLP/gRPC receiver listens (cleartext HTTP/2, its own Kestrel endpoint); empty turns it off. Put a
    /// TLS-terminating proxy in front of it, or bind a private address, when it must be reached from other hosts.
    /// </summary>
    public string? GrpcEndpoint { get; set; } = "http://127.0.0.1:4317";

    /// <summary>Largest body after gzip decompression, in bytes; larger bodies get 413 (gzip bombs).</summary>
    public long MaxDecompressedBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Attributes kept per span, event or resource; the rest are dropped and counted.</summary>
    public int MaxAttributesPerSpan { get; set; } = 128;

    /// <summary>Longest attribute value kept, in characters; longer values are truncated and counted.</summary>
    public int MaxAttributeValueLength { get; set; } = 4096;

    /// <summary>
    /// How long a Vercel AI SDK <c>do*</c> span waits for its <c>ai.*</c> parent before it is counted on its own.
    /// Longer than the exporters' batch delay (5 s by default in the JavaScript SDK).
    /// </summary>
    public TimeSpan ChildHold { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Most <c>do*</c> spans waiting for their parent; beyond it the oldest is counted on its own at once.</summary>
    public int MaxPendingChildren { get; set; } = 10_000;

    /// <summary>How many counted calls are remembered, so a late parent or child of one is not counted again.</summary>
    public int MaxRememberedCalls { get; set; } = 100_000;
}

/// <summary>Validates <see cref="OtlpOptions"/> at start.</summary>
public sealed class OtlpOptionsValidator : IValidateOptions<OtlpOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, OtlpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        const string prefix = OtlpOptions.SectionName + ":";
        if (options.MaxDecompressedBytes < 1024)
        {
            failures.Add($"{prefix}MaxDecompressedBytes must be at least 1024 (bytes).");
        }

        if (options.MaxAttributesPerSpan is < 1 or > 10_000)
        {
            failures.Add($"{prefix}MaxAttributesPerSpan must be between 1 and 10000.");
        }

        if (options.MaxAttributeValueLength is < 64 or > 1_048_576)
        {
            failures.Add($"{prefix}MaxAttributeValueLength must be between 64 and 1048576 (characters).");
        }

        if (!string.IsNullOrWhiteSpace(options.GrpcEndpoint)
            && (!Uri.TryCreate(options.GrpcEndpoint, UriKind.Absolute, out var grpc) || grpc.Scheme != Uri.UriSchemeHttp || grpc.AbsolutePath != "/"))
        {
            failures.Add($"{prefix}GrpcEndpoint must be an http:// address with a port and no path (for example http://127.0.0.1:4317), or empty to turn gRPC off; got '{options.GrpcEndpoint}'.");
        }

        if (options.ChildHold < TimeSpan.Zero || options.ChildHold > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{prefix}ChildHold must be between 00:00:00 and 00:05:00.");
        }

        if (options.MaxPendingChildren is < 0 or > 1_000_000)
        {
            failures.Add($"{prefix}MaxPendingChildren must be between 0 and 1000000.");
        }

        if (options.MaxRememberedCalls is < 1 or > 10_000_000)
        {
            failures.Add($"{prefix}MaxRememberedCalls must be between 1 and 10000000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
