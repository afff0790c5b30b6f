using System.Globalization;
using System.Text.Json;

namespace Conciergus.Core.Pricing;

/// <summary>Loading and validating catalog files (the built-in resource and the optional override).</summary>
public sealed partial class PriceCatalog
{
    private static readonly Lazy<IReadOnlyList<ModelPricing>> BuiltInModels = new(LoadBuiltIn);

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
    };

    /// <summary>Parses and validates a catalog file without building a catalog (used by the options validator).</summary>
    /// <exception cref="InvalidDataException">The file is not a valid catalog; the message says where and why.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static IReadOnlyList<ModelPricing> ParseFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Parse(File.ReadAllText(path), path);
    }

    private static IReadOnlyList<ModelPricing> LoadModels(string? overridePath)
    {
        if (string.IsNullOrWhiteSpace(overridePath))
        {
            return BuiltInModels.Value;
        }

        var overrides = ParseFile(overridePath);
        var replaced = new HashSet<string>(overrides.Select(m => m.Id), StringComparer.OrdinalIgnoreCase);

        // Override models come first so that they also win alias collisions with built-in models.
        return [.. overrides, .. BuiltInModels.Value.Where(m => !replaced.Contains(m.Id))];
    }

    private static IReadOnlyList<ModelPricing> LoadBuiltIn()
    {
        using var stream = typeof(PriceCatalog).Assembly.GetManifestResourceStream(BuiltInResourceName)
            ?? throw new InvalidOperationException($"The embedded price catalog '{BuiltInResourceName}' is missing from {typeof(PriceCatalog).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), "built-in prices.json");
    }

    /// <summary>Parses catalog JSON; every error names the file, the model and the field.</summary>
    internal static IReadOnlyList<ModelPricing> Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Price catalog '{source}' is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("models", out var models)
                || models.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"Price catalog '{source}' must be a JSON object with a \"models\" array.");
            }

            var result = new List<ModelPricing>();
            var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var index = 0;
            foreach (var model in models.EnumerateArray())
            {
                var parsed = ParseModel(model, $"Price catalog '{source}', models[{index}]");
                if (!ids.Add(parsed.Id))
                {
                    throw new InvalidDataException($"Price catalog '{source}', models[{index}]: model id '{parsed.Id}' appears more than once; put all its prices in one \"prices\" array.");
                }

                result.Add(parsed);
                index++;
            }

            return result;
        }
    }

    private static ModelPricing ParseModel(JsonElement model, string where)
    {
        if (model.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{where}: must be an object.");
        }

        var id = RequiredString(model, "id", where);
        where = $"{where} ('{id}')";
        var provider = RequiredString(model, "provider", where);
        var kind = OptionalString(model, "kind", where) switch
        {
            null or "chat" => ModelKind.Chat,
            "embedding" or "embeddings" => ModelKind.Embedding,
            var other => throw new InvalidDataException($"{where}: \"kind\" must be \"chat\" or \"embedding\", not \"{other}\"."),
        };

        var aliases = StringArray(model, "aliases", where);
        var patterns = StringArray(model, "patterns", where);
        foreach (var pattern in patterns)
        {
            if (pattern.All(c => c == '*'))
            {
                throw new InvalidDataException($"{where}: pattern \"{pattern}\" would match every model.");
            }
        }

        if (!model.TryGetProperty("prices", out var prices) || prices.ValueKind != JsonValueKind.Array || prices.GetArrayLength() == 0)
        {
            throw new InvalidDataException($"{where}: \"prices\" must be a non-empty array.");
        }

        var entries = new List<PriceEntry>();
        var index = 0;
        foreach (var price in prices.EnumerateArray())
        {
            var entry = ParsePrice(price, id, kind, $"{where}, prices[{index}]");
            if (entries.Any(e => e.EffectiveFrom == entry.EffectiveFrom))
            {
                throw new InvalidDataException($"{where}, prices[{index}]: another price of this model is also effective from {entry.EffectiveFrom:yyyy-MM-dd}.");
            }

            entries.Add(entry);
            index++;
        }

        return new ModelPricing(id, provider, kind, entries, aliases, patterns);
    }

    private static PriceEntry ParsePrice(JsonElement price, string modelId, ModelKind kind, string where)
    {
        if (price.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{where}: must be an object.");
        }

        var dateText = RequiredString(price, "effectiveFrom", where);
        if (!DateOnly.TryParseExact(dateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var effectiveFrom))
        {
            throw new InvalidDataException($"{where}: \"effectiveFrom\" must be a date like 2025-01-31, not \"{dateText}\".");
        }

        var rates = ParseRates(price, kind, where);
        var tiers = new List<LongContextTier>();
        if (price.TryGetProperty("longContext", out var longContext))
        {
            if (longContext.ValueKind != JsonValueKind.Array)
            {
                throw new InvalidDataException($"{where}: \"longContext\" must be an array.");
            }

            var index = 0;
            foreach (var tier in longContext.EnumerateArray())
            {
                var tierWhere = $"{where}, longContext[{index}]";
                if (tier.ValueKind != JsonValueKind.Object
                    || !tier.TryGetProperty("aboveInputTokens", out var above)
                    || !above.TryGetInt64(out var threshold)
                    || threshold <= 0)
                {
                    throw new InvalidDataException($"{tierWhere}: \"aboveInputTokens\" must be a positive whole number.");
                }

                if (tiers.Any(t => t.AboveInputTokens == threshold))
                {
                    throw new InvalidDataException($"{tierWhere}: two tiers start above {threshold} input tokens.");
                }

                tiers.Add(new LongContextTier(threshold, ParseRates(tier, kind, tierWhere)));
                index++;
            }
        }

        return new PriceEntry(modelId, effectiveFrom, rates, tiers, OptionalString(price, "_source", where));
    }

    private static TokenRates ParseRates(JsonElement element, ModelKind kind, string where)
    {
        var input = Price(element, "input", where) ?? throw new InvalidDataException($"{where}: \"input\" (USD per 1M input tokens) is required.");
        var output = Price(element, "output", where);
        if (output is null && kind == ModelKind.Chat)
        {
            throw new InvalidDataException($"{where}: \"output\" (USD per 1M output tokens) is required for a chat model.");
        }

        var outputPrice = output ?? 0m;
        return new TokenRates(
            input,
            outputPrice,
            Price(element, "cachedInput", where) ?? input,
            Price(element, "cacheCreation", where) ?? input,
            Price(element, "reasoning", where) ?? outputPrice);
    }

    private static decimal? Price(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var price) || price < 0)
        {
            throw new InvalidDataException($"{where}: \"{name}\" must be a non-negative number of USD per 1M tokens, not {value.GetRawText()}.");
        }

        return price;
    }

    private static string RequiredString(JsonElement element, string name, string where) =>
        OptionalString(element, name, where) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value)
            ? value
            : throw new InvalidDataException($"{where}: \"{name}\" is required.");

    private static string? OptionalString(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!.Trim()
            : throw new InvalidDataException($"{where}: \"{name}\" must be a string.");
    }

    private static string[] StringArray(JsonElement element, string name, string where)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(v.GetString())))
        {
            throw new InvalidDataException($"{where}: \"{name}\" must be an array of non-empty strings.");
        }

        return [.. value.EnumerateArray().Select(v => v.GetString()!.Trim())];
    }
}
