using Microsoft.Extensions.Options;

namespace Conciergus.Core.Pricing;

/// <summary>Pricing options ("Conciergus:Pricing").</summary>
public sealed class PricingOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Conciergus:Pricing";

    /// <summary>
    /// Optional JSON file in the prices.json format; its models replace built-in models with the same id
    /// (all their prices) and add new ones. Null or empty: built-in prices only.
    /// </summary>
    public string? CatalogPath { get; set; }
}

/// <summary>Fails startup when the override catalog is missing or invalid, saying which file and what is wrong.</summary>
public sealed class PricingOptionsValidator : IValidateOptions<PricingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PricingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = options.CatalogPath;
        if (string.IsNullOrWhiteSpace(path))
        {
            return ValidateOptionsResult.Success;
        }

        if (!File.Exists(path))
        {
            return ValidateOptionsResult.Fail(
                $"{PricingOptions.SectionName}:CatalogPath points to '{path}' (full path '{Path.GetFullPath(path)}'), which does not exist. Fix the path or remove the setting to use the built-in prices.");
        }

        try
        {
            var models = PriceCatalog.ParseFile(path);
            return models.Count > 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"{PricingOptions.SectionName}:CatalogPath '{path}' contains no models.");
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"{PricingOptions.SectionName}:CatalogPath '{path}' is not a valid price catalog: {ex.Message}");
        }
    }
}
