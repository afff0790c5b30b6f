using System.Collections.Concurrent;
using System.Text.RegularExpressions;

using Microsoft.Extensions.Options;

namespace Conciergus.Core.Pricing;

/// <summary>
/// The price catalog: the embedded prices.json, optionally overridden by the file at
/// <see cref="PricingOptions.CatalogPath"/> (a model id in the override replaces the built-in model).
/// </summary>
/// <remarks>
/// Lookup order: exact id or alias (case-insensitive); then the most specific of "id or alias followed by
/// a dated / version suffix" (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929, claude-3-5-sonnet-v2@20241022,
/// mistral-large-2411, gemini-2.0-flash-001, ...) and glob patterns, where specificity is the number of
/// literal characters matched. Gateway prefixes ("openai/gpt-4o", "models/gemini-2.5-pro") and Bedrock
/// prefixes ("us.anthropic.claude-...-v1:0") are stripped first. The provider only breaks ties: model ids
/// are unique across providers in practice, and gateways (Azure, Bedrock, Vertex, OpenRouter) resell them.
/// </remarks>
public sealed partial class PriceCatalog
{
    /// <summary>Logical name of the embedded built-in catalog.</summary>
    public const string BuiltInResourceName = "Conciergus.Core.Pricing.prices.json";

    // Model names come from untrusted telemetry: bound the memo so a flood of distinct names cannot grow it.
    private const int MaxCachedLookups = 4096;

    private readonly ModelPricing[] _models;
    private readonly Dictionary<string, ModelPricing[]> _exact;
    private readonly (string Name, ModelPricing Model)[] _prefixes;
    private readonly (Regex Glob, int Specificity, ModelPricing Model)[] _globs;
    private readonly ConcurrentDictionary<(string Provider, string Model), Lookup> _lookups = new();
    private int _lookupCount;

    // The last answer, in front of the memo: consecutive calls mostly name the same model, and comparing two short
    // strings is cheaper than hashing them. See Find for why sharing it between threads is safe.
    private Lookup? _lastLookup;

    /// <summary>Creates the catalog from options (used by dependency injection).</summary>
    /// <exception cref="InvalidDataException">The override file is not a valid catalog.</exception>
    public PriceCatalog(IOptions<PricingOptions> options)
        : this(LoadModels(options?.Value.CatalogPath))
    {
    }

    private PriceCatalog(IReadOnlyList<ModelPricing> models)
    {
        _models = [.. models];
        var exact = new Dictionary<string, List<ModelPricing>>(StringComparer.OrdinalIgnoreCase);
        var prefixes = new List<(string, ModelPricing)>();
        var globs = new List<(Regex, int, ModelPricing)>();
        foreach (var model in _models)
        {
            foreach (var name in model.Aliases.Prepend(model.Id))
            {
                if (!exact.TryGetValue(name, out var list))
                {
                    exact[name] = list = [];
                }

                list.Add(model);
                prefixes.Add((name, model));
            }

            foreach (var pattern in model.Patterns)
            {
                globs.Add((GlobToRegex(pattern), pattern.Count(c => c != '*'), model));
            }
        }

        _exact = exact.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        _prefixes = [.. prefixes.OrderByDescending(p => p.Item1.Length)];
        _globs = [.. globs.OrderByDescending(g => g.Item2)];
    }

    /// <summary>Every priced model (override models first), for the cost page.</summary>
    public IReadOnlyList<ModelPricing> Models => _models;

    /// <summary>The built-in catalog alone.</summary>
    public static PriceCatalog CreateBuiltIn() => new(BuiltInModels.Value);

    /// <summary>The built-in catalog merged with an override file (null or empty path: built-in only).</summary>
    /// <exception cref="InvalidDataException">The override file is not a valid catalog.</exception>
    /// <exception cref="IOException">The override file cannot be read.</exception>
    public static PriceCatalog Create(string? overridePath) => new(LoadModels(overridePath));

    /// <summary>Whether operations of this model are priced (false: shown as "unpriced").</summary>
    public bool IsPriced(string provider, string model) => Find(provider, model) is not null;

    /// <summary>The catalog model for a provider and model name, or null when unknown.</summary>
    public ModelPricing? Find(string? provider, string? model)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return null;
        }

        provider ??= string.Empty;

        // A Lookup never changes once built, and a reference is read and written whole: a thread sees either the
        // previous answer or the new one, each right for its own key. A catalog never changes either (a new file
        // makes a new catalog, with a memo and a last answer of its own), so no answer goes stale.
        var last = Volatile.Read(ref _lastLookup);
        if (last is not null && string.Equals(last.Model, model, StringComparison.Ordinal) && string.Equals(last.Provider, provider, StringComparison.Ordinal))
        {
            return last.Pricing;
        }

        var key = (provider, model);
        if (!_lookups.TryGetValue(key, out var lookup))
        {
            lookup = new Lookup(provider, model, Resolve(ProviderFamilies.Normalize(provider), model));

            // The counter is approximate under races (two threads may add the same key); it only bounds memory.
            if (Volatile.Read(ref _lookupCount) < MaxCachedLookups && _lookups.TryAdd(key, lookup))
            {
                Interlocked.Increment(ref _lookupCount);
            }
        }

        Volatile.Write(ref _lastLookup, lookup);
        return lookup.Pricing;
    }

    /// <summary>The price in force at <paramref name="at"/> for a provider and model, or null when unknown.</summary>
    public PriceEntry? FindPrice(string? provider, string? model, DateTimeOffset at) => Find(provider, model)?.PriceAt(at);

    private ModelPricing? Resolve(string? family, string model)
    {
        var trimmed = model.Trim();
        if (_exact.TryGetValue(trimmed, out var exact))
        {
            return Prefer(exact, family);
        }

        var name = NormalizeModelName(trimmed);
        if (_exact.TryGetValue(name, out exact))
        {
            return Prefer(exact, family);
        }

        ModelPricing? best = null;
        var bestScore = 0;
        foreach (var (prefix, candidate) in _prefixes)
        {
            if (prefix.Length < bestScore)
            {
                break; // sorted by length: nothing shorter can win
            }

            if (name.Length > prefix.Length
                && name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && VersionSuffix().IsMatch(name.AsSpan(prefix.Length))
                && IsBetter(candidate, prefix.Length, best, bestScore, family))
            {
                (best, bestScore) = (candidate, prefix.Length);
            }
        }

        foreach (var (glob, specificity, candidate) in _globs)
        {
            if (specificity < bestScore)
            {
                break;
            }

            if (glob.IsMatch(name) && IsBetter(candidate, specificity, best, bestScore, family))
            {
                (best, bestScore) = (candidate, specificity);
            }
        }

        return best;
    }

    private static bool IsBetter(ModelPricing candidate, int score, ModelPricing? best, int bestScore, string? family) =>
        best is null
        || score > bestScore
        || (score == bestScore && !Matches(best, family) && Matches(candidate, family));

    private static ModelPricing Prefer(ModelPricing[] candidates, string? family)
    {
        foreach (var candidate in candidates)
        {
            if (Matches(candidate, family))
            {
                return candidate;
            }
        }

        return candidates[0];
    }

    private static bool Matches(ModelPricing model, string? family) =>
        family is not null && string.Equals(model.Provider, family, StringComparison.OrdinalIgnoreCase);

    /// <summary>Strips gateway paths ("openai/gpt-4o", "models/gemini-2.5-pro") and Bedrock prefixes ("us.anthropic.").</summary>
    internal static string NormalizeModelName(string model)
    {
        var name = model.Trim();
        var slash = name.LastIndexOf('/');
        if (slash >= 0 && slash < name.Length - 1)
        {
            name = name[(slash + 1)..];
        }

        return BedrockPrefix().Replace(name, string.Empty, 1);
    }

    // The model names matched here arrive by telemetry (hostile, any length). Non-backtracking matching is linear in the
    // input, so no match timeout is needed: a wall-clock timeout fired on benign names when a loaded machine descheduled
    // the matching thread, and threw out of pricing on the ingestion path.
    private const RegexOptions MatchOptions = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;

    private static Regex GlobToRegex(string pattern) =>
        new("^" + Regex.Escape(pattern).Replace(@"\*", ".*", StringComparison.Ordinal) + "$", MatchOptions);

    /// <summary>One memoised answer: the key it answers and the model (null: unpriced).</summary>
    private sealed record Lookup(string Provider, string Model, ModelPricing? Pricing);

    // One or more of: -2024-08-06, -20250929, @20250929, -2411, -001, -05-20, -latest, -preview, -exp, -v1:0.
    [GeneratedRegex(@"^(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4}|\d{3}|\d{2}-\d{2}|latest|preview|exp|v\d+(?::\d+)?))+$",
        MatchOptions)]
    private static partial Regex VersionSuffix();

    // Bedrock model ids: optional cross-region prefix, then the vendor ("us.anthropic.claude-...", "mistral.mistral-large-2407-v1:0").
    [GeneratedRegex(@"^(?:(?:us|eu|apac|ap|global|jp|au|ca|us-gov)\.)?(?:anthropic|mistral|openai|google|meta|amazon|cohere)\.",
        MatchOptions)]
    private static partial Regex BedrockPrefix();
}
