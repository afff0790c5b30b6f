namespace Conciergus.Core.Resilience;

/// <summary>A provider + model a call can go to (one circuit each).</summary>
/// <param name="Provider">Provider name, lower case.</param>
/// <param name="Model">Model id sent as <c>ChatOptions.ModelId</c>.</param>
public readonly record struct ModelTarget(string Provider, string Model)
{
    /// <summary>Parses "model" or "provider/model"; a bare model takes <paramref name="defaultProvider"/> ("unknown" when null).</summary>
    public static ModelTarget Parse(string entry, string? defaultProvider)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var text = entry.Trim();
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash < text.Length - 1
            ? new ModelTarget(text[..slash].ToLowerInvariant(), text[(slash + 1)..])
            : new ModelTarget(defaultProvider is { Length: > 0 } p ? p.ToLowerInvariant() : "unknown", text);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Provider}/{Model}";
}
