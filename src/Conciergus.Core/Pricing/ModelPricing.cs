using System.Globalization;

namespace Conciergus.Core.Pricing;

/// <summary>Whether a model is billed for input and output (chat) or input only (embeddings).</summary>
public enum ModelKind
{
    /// <summary>Chat / text generation: input, output, cache and reasoning tokens are billed.</summary>
    Chat = 0,

    /// <summary>Embeddings: input tokens only.</summary>
    Embedding = 1,
}

/// <summary>Prices in USD per 1,000,000 tokens.</summary>
/// <param name="Input">Uncached input tokens.</param>
/// <param name="Output">Output tokens that are not reasoning tokens.</param>
/// <param name="CachedInput">Input tokens read from the prompt cache.</param>
/// <param name="CacheCreation">Input tokens written to the prompt cache.</param>
/// <param name="Reasoning">Reasoning (thinking) output tokens.</param>
public readonly record struct TokenRates(decimal Input, decimal Output, decimal CachedInput, decimal CacheCreation, decimal Reasoning);

/// <summary>Higher rates for the whole request when its input tokens exceed <see cref="AboveInputTokens"/>.</summary>
/// <param name="AboveInputTokens">The tier applies when input tokens are strictly greater than this.</param>
/// <param name="Rates">Rates for the whole request inside the tier.</param>
public sealed record LongContextTier(long AboveInputTokens, TokenRates Rates);

/// <summary>One price of one model, in force from <see cref="EffectiveFrom"/> until the next price of the same model.</summary>
public sealed class PriceEntry
{
    private readonly LongContextTier[] _tiers;
    private readonly ScaledTokenRates[] _scaledRates;

    /// <summary>Creates a price entry; tiers are sorted by threshold.</summary>
    public PriceEntry(string modelId, DateOnly effectiveFrom, TokenRates rates, IEnumerable<LongContextTier>? longContext = null, string? source = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelId);
        ModelId = modelId;
        EffectiveFrom = effectiveFrom;
        Rates = rates;
        Source = source;
        _tiers = longContext?.OrderBy(t => t.AboveInputTokens).ToArray() ?? [];

        // Precomputed once so that pricing an operation allocates nothing.
        Version = string.Create(CultureInfo.InvariantCulture, $"{modelId}@{effectiveFrom:yyyy-MM-dd}");
        EffectiveFromUtcTicks = effectiveFrom.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).Ticks;
        _scaledRates = [new ScaledTokenRates(rates), .. _tiers.Select(t => new ScaledTokenRates(t.Rates))];
    }

    /// <summary>The catalog model id this price belongs to.</summary>
    public string ModelId { get; }

    /// <summary>First UTC day this price applies.</summary>
    public DateOnly EffectiveFrom { get; }

    /// <summary>Base rates (requests below every long-context tier).</summary>
    public TokenRates Rates { get; }

    /// <summary>Long-context tiers, lowest threshold first.</summary>
    public IReadOnlyList<LongContextTier> LongContext => _tiers;

    /// <summary>Where the price comes from (the catalog's "_source").</summary>
    public string? Source { get; }

    /// <summary>"model-id@yyyy-MM-dd", stored on priced operations.</summary>
    public string Version { get; }

    internal long EffectiveFromUtcTicks { get; }

    /// <summary>The rates for a request with this many input tokens (the highest tier it exceeds, else the base rates).</summary>
    public TokenRates RatesFor(long inputTokens)
    {
        var tier = TierOf(inputTokens);
        return tier >= 0 ? _tiers[tier].Rates : Rates;
    }

    /// <summary>The same rates as <see cref="RatesFor"/>, scaled to whole numbers once (the cost calculator's hot path).</summary>
    internal ref readonly ScaledTokenRates ScaledRatesFor(long inputTokens) => ref _scaledRates[TierOf(inputTokens) + 1];

    /// <summary>The highest tier <paramref name="inputTokens"/> exceeds, or -1 for the base rates.</summary>
    private int TierOf(long inputTokens)
    {
        var tier = _tiers.Length - 1;
        while (tier >= 0 && inputTokens <= _tiers[tier].AboveInputTokens)
        {
            tier--;
        }

        return tier;
    }
}

/// <summary>A priced model: its id, provider family, how it is matched and its prices over time.</summary>
public sealed class ModelPricing
{
    private readonly PriceEntry[] _prices;

    /// <summary>Creates a model; prices are sorted by effective date.</summary>
    public ModelPricing(string id, string provider, ModelKind kind, IEnumerable<PriceEntry> prices, IEnumerable<string>? aliases = null, IEnumerable<string>? patterns = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        ArgumentException.ThrowIfNullOrWhiteSpace(provider);
        ArgumentNullException.ThrowIfNull(prices);
        Id = id;
        Provider = provider;
        Kind = kind;
        _prices = prices.OrderBy(p => p.EffectiveFrom).ToArray();
        if (_prices.Length == 0)
        {
            throw new ArgumentException($"Model '{id}' has no price.", nameof(prices));
        }

        Aliases = aliases?.ToArray() ?? [];
        Patterns = patterns?.ToArray() ?? [];
    }

    /// <summary>Catalog id (for example "gpt-4o", "claude-sonnet-4-5").</summary>
    public string Id { get; }

    /// <summary>Provider family: openai, anthropic, google or mistral (or whatever an override file says).</summary>
    public string Provider { get; }

    /// <summary>Chat or embedding.</summary>
    public ModelKind Kind { get; }

    /// <summary>Other exact names of the same model (matched like the id, dated suffixes included).</summary>
    public IReadOnlyList<string> Aliases { get; }

    /// <summary>Glob patterns ('*' = any characters) for names neither the id nor an alias covers.</summary>
    public IReadOnlyList<string> Patterns { get; }

    /// <summary>Prices, oldest first.</summary>
    public IReadOnlyList<PriceEntry> Prices => _prices;

    /// <summary>The price in force at <paramref name="time"/>: the latest one that took effect on or before it.</summary>
    /// <remarks>An operation older than the first known price uses the first price (the catalog's dates are
    /// when a price was published, which can trail the model's real availability by days).</remarks>
    public PriceEntry PriceAt(DateTimeOffset time)
    {
        var ticks = time.UtcTicks;
        for (var i = _prices.Length - 1; i > 0; i--)
        {
            if (_prices[i].EffectiveFromUtcTicks <= ticks)
            {
                return _prices[i];
            }
        }

        return _prices[0];
    }
}
