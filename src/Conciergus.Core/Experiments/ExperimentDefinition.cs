using System.Globalization;
using System.Text.RegularExpressions;

namespace Conciergus.Core.Experiments;

/// <summary>What a caller posts to create or update an experiment (POST/PUT /api/v1/experiments, the create form).</summary>
public sealed record ExperimentDefinition
{
    /// <summary>Key; on update it must match the route's key or be null.</summary>
    public string? Key { get; init; }

    /// <summary>Display name (defaults to the key).</summary>
    public string? Name { get; init; }

    /// <summary>Hypothesis.</summary>
    public string? Hypothesis { get; init; }

    /// <summary>model, prompt, parameters or mixed.</summary>
    public ExperimentType? Type { get; init; }

    /// <summary>1 or 2 (default 2).</summary>
    public int? HashVersion { get; init; }

    /// <summary>Seed; null means the key.</summary>
    public string? Seed { get; init; }

    /// <summary>0 (exclusive) to 1 (default 1).</summary>
    public double? Coverage { get; init; }

    /// <summary>Variants, control first.</summary>
    public IReadOnlyList<ExperimentVariantDefinition>? Variants { get; init; }

    /// <summary>Targeting.</summary>
    public ExperimentTargeting? Targeting { get; init; }

    /// <summary>Primary metric (default success_rate).</summary>
    public string? PrimaryMetric { get; init; }

    /// <summary>Guardrail metrics.</summary>
    public IReadOnlyList<string>? GuardrailMetrics { get; init; }

    /// <summary>Users per variant before any decision (default 100).</summary>
    public int? MinimumSampleSize { get; init; }

    /// <summary>Alpha (default 0.05).</summary>
    public double? SignificanceLevel { get; init; }

    /// <summary>Relative minimum detectable effect for power (default 0.05).</summary>
    public double? MinimumDetectableEffect { get; init; }

    /// <summary>Sequential analysis (default true).</summary>
    public bool? Sequential { get; init; }

    /// <summary>Planned duration in days.</summary>
    public double? PlannedDurationDays { get; init; }

    /// <summary>The definition of an existing experiment (for edit forms).</summary>
    public static ExperimentDefinition From(Experiment e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new ExperimentDefinition
        {
            Key = e.Key,
            Name = e.Name,
            Hypothesis = e.Hypothesis,
            Type = e.Type,
            HashVersion = e.HashVersion,
            Seed = e.Seed,
            Coverage = e.Coverage,
            Variants = e.Variants,
            Targeting = e.Targeting,
            PrimaryMetric = e.PrimaryMetric,
            GuardrailMetrics = e.GuardrailMetrics,
            MinimumSampleSize = e.MinimumSampleSize,
            SignificanceLevel = e.SignificanceLevel,
            MinimumDetectableEffect = e.MinimumDetectableEffect,
            Sequential = e.Sequential,
            PlannedDurationDays = e.PlannedDuration?.TotalDays,
        };
    }
}

/// <summary>Validates definitions; messages say what is allowed, keyed by the JSON field.</summary>
public static partial class ExperimentValidator
{
    /// <summary>Longest key or variant key.</summary>
    public const int MaxKeyLength = 64;

    /// <summary>Most variants per experiment.</summary>
    public const int MaxVariants = 10;

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex KeyPattern();

    /// <summary>Whether <paramref name="key"/> is a valid experiment, variant or metric key.</summary>
    public static bool IsValidKey(string? key) => key is { Length: > 0 and <= MaxKeyLength } && KeyPattern().IsMatch(key);

    /// <summary>Problems by field; empty when valid.</summary>
    public static Dictionary<string, string[]> Validate(ExperimentDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        if (!IsValidKey(definition.Key))
        {
            Add("key", "Key is required: 1 to 64 lower-case letters, digits, '.', '-' or '_', starting with a letter or digit.");
        }

        if (definition.HashVersion is { } hv && hv is not (1 or 2))
        {
            Add("hashVersion", "Hash version must be 1 or 2.");
        }

        if (definition.Coverage is { } coverage && !(coverage > 0 && coverage <= 1))
        {
            Add("coverage", "Coverage must be greater than 0 and at most 1.");
        }

        var variants = definition.Variants ?? [];
        if (variants.Count is < 2 or > MaxVariants)
        {
            Add("variants", Inv($"An experiment needs 2 to {MaxVariants} variants (the first is control)."));
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            if (v is null)
            {
                Add(Inv($"variants[{i}]"), "Variant is missing.");
                continue;
            }

            if (!IsValidKey(v.Key))
            {
                Add(Inv($"variants[{i}].key"), "Variant key is required: lower-case letters, digits, '.', '-' or '_'.");
            }
            else if (!seen.Add(v.Key))
            {
                Add(Inv($"variants[{i}].key"), Inv($"Variant key '{v.Key}' is used twice."));
            }

            if (!(v.Weight >= 0 && v.Weight <= 1))
            {
                Add(Inv($"variants[{i}].weight"), "Weight must be between 0 and 1.");
            }

            var o = v.Overrides ?? new VariantOverrides();
            if (o.Temperature is { } temperature && !(temperature >= 0 && temperature <= 2))
            {
                Add(Inv($"variants[{i}].overrides.temperature"), "Temperature must be between 0 and 2.");
            }

            if (o.MaxTokens is { } maxTokens && maxTokens <= 0)
            {
                Add(Inv($"variants[{i}].overrides.maxTokens"), "Max tokens must be positive.");
            }
        }

        // A variant cannot move a call to another provider (the pipeline's client is the provider), so variants whose
        // models belong to different providers could never all apply to one call: no call would ever take part.
        var families = variants
            .Where(v => v?.Overrides?.ModelId is { Length: > 0 })
            .Select(v => ProviderFamilyOf(v.Overrides!))
            .Where(f => f is not null)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (families.Count > 1)
        {
            Add("variants", Inv($"Variants override models of different providers ({string.Join(", ", families)}). A variant applies only to calls whose provider serves its model, so no call could take part in every variant; compare models of one provider, or target each provider with its own experiment."));
        }

        var weightSum = variants.Where(v => v is not null).Sum(v => v.Weight);
        if (variants.Count >= 2 && weightSum != 0 && Math.Abs(weightSum - 1) > 0.01)
        {
            Add("variants", Inv($"Weights must sum to 1 (within 0.01), or all be 0 for equal weights; they sum to {weightSum:0.###}."));
        }

        if (definition.PrimaryMetric is { } primary && !IsValidKey(primary))
        {
            Add("primaryMetric", "Primary metric must be success_rate, latency, latency_p95, ttft, cost_per_request, tokens or an event name (lower case).");
        }

        foreach (var g in definition.GuardrailMetrics ?? [])
        {
            if (!IsValidKey(g))
            {
                Add("guardrailMetrics", Inv($"Guardrail '{g}' is not a metric name (lower-case letters, digits, '.', '-', '_')."));
            }
        }

        if (definition.SignificanceLevel is { } alpha && !(alpha > 0 && alpha <= 0.5))
        {
            Add("significanceLevel", "Significance level must be greater than 0 and at most 0.5.");
        }

        if (definition.MinimumDetectableEffect is { } mde && !(mde > 0 && mde <= 10))
        {
            Add("minimumDetectableEffect", "Minimum detectable effect must be a positive relative change (0.05 = 5%).");
        }

        if (definition.MinimumSampleSize is { } min && min < 2)
        {
            Add("minimumSampleSize", "Minimum sample size must be at least 2 users per variant.");
        }

        if (definition.PlannedDurationDays is { } days && !(days > 0 && days <= 365))
        {
            Add("plannedDurationDays", "Planned duration must be between 0 and 365 days.");
        }

        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>The provider family a model override belongs to: the named provider, else the built-in catalog's; null when unknown.</summary>
    private static string? ProviderFamilyOf(VariantOverrides overrides) =>
        overrides.Provider is { Length: > 0 } provider
            ? Pricing.ProviderFamilies.Normalize(provider) ?? provider.ToLowerInvariant()
            : BuiltInCatalog.Value.Find(null, overrides.ModelId) is { } pricing ? Pricing.ProviderFamilies.Normalize(pricing.Provider) ?? pricing.Provider : null;

    private static readonly Lazy<Pricing.PriceCatalog> BuiltInCatalog = new(Pricing.PriceCatalog.CreateBuiltIn);
}
