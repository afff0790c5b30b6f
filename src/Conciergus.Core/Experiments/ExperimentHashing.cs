using System.Globalization;

namespace Conciergus.Core.Experiments;

/// <summary>
/// Deterministic assignment, compatible with GrowthBook's SDK hashing so a user gets the same variant in a
/// GrowthBook-instrumented front end and here.
/// </summary>
public static class ExperimentHashing
{
    private const uint FnvOffset = 0x811c9dc5;
    private const uint FnvPrime = 16777619;

    /// <summary>32-bit FNV-1a over the UTF-16 code units of <paramref name="value"/> (what JavaScript's charCodeAt yields).</summary>
    public static uint Fnv32a(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var hash = FnvOffset;
        foreach (var codeUnit in value)
        {
            // GrowthBook writes the multiply as a sum of shifts (h<<1 + h<<4 + h<<7 + h<<8 + h<<24 + h); mod 2^32
            // that is exactly h * 16777619, which unchecked uint arithmetic gives us.
            hash ^= codeUnit;
            hash = unchecked(hash * FnvPrime);
        }

        return hash;
    }

    /// <summary>
    /// GrowthBook's hash in [0, 1): version 1 is (fnv32a(value + seed) % 1000) / 1000, version 2 is
    /// (fnv32a(decimal string of fnv32a(seed + value)) % 10000) / 10000. Null for an unknown version.
    /// </summary>
    public static double? Hash(string seed, string value, int version)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentNullException.ThrowIfNull(value);
        return version switch
        {
            1 => Fnv32a(value + seed) % 1000 / 1000.0,
            2 => Fnv32a(Fnv32a(seed + value).ToString(CultureInfo.InvariantCulture)) % 10000 / 10000.0,
            _ => null,
        };
    }

    /// <summary>
    /// GrowthBook's getBucketRanges: range i is [cumulative, cumulative + coverage * weight_i), where cumulative
    /// sums the weights before i. Coverage is clamped to [0, 1]; weights of the wrong count or not summing to
    /// 1 within 0.01 become equal weights.
    /// </summary>
    public static IReadOnlyList<(double Start, double End)> BucketRanges(int variantCount, double coverage, IReadOnlyList<double>? weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(variantCount);
        if (double.IsNaN(coverage))
        {
            coverage = 0;
        }

        coverage = Math.Clamp(coverage, 0, 1);
        var effective = EffectiveWeights(variantCount, weights);
        var ranges = new (double, double)[variantCount];
        var cumulative = 0.0;
        for (var i = 0; i < variantCount; i++)
        {
            var start = cumulative;
            cumulative += effective[i];
            ranges[i] = (start, start + (coverage * effective[i]));
        }

        return ranges;
    }

    /// <summary>The weights assignment uses: the configured ones, or equal weights when they do not sum to 1 within 0.01.</summary>
    public static double[] EffectiveWeights(int variantCount, IReadOnlyList<double>? weights)
    {
        if (weights is not null && weights.Count == variantCount)
        {
            var total = 0.0;
            foreach (var w in weights)
            {
                total += w;
            }

            if (total is >= 0.99 and <= 1.01)
            {
                return [.. weights];
            }
        }

        var equal = new double[variantCount];
        Array.Fill(equal, variantCount == 0 ? 0 : 1.0 / variantCount);
        return equal;
    }

    /// <summary>GrowthBook's chooseVariation: the index of the range holding <paramref name="hash"/>, or -1 (not in the experiment).</summary>
    public static int ChooseVariant(double hash, IReadOnlyList<(double Start, double End)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        for (var i = 0; i < ranges.Count; i++)
        {
            if (hash >= ranges[i].Start && hash < ranges[i].End)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Assigns <paramref name="userId"/> in <paramref name="experiment"/> (ignoring its state and stickiness).</summary>
    public static ExperimentAssignment Assign(Experiment experiment, string userId)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(userId);
        var hash = Hash(experiment.EffectiveSeed, userId, experiment.HashVersion);
        if (hash is not { } n || experiment.Variants.Count == 0)
        {
            return new ExperimentAssignment(false, null, hash);
        }

        var ranges = BucketRanges(experiment.Variants.Count, experiment.Coverage, [.. experiment.Variants.Select(v => v.Weight)]);
        var index = ChooseVariant(n, ranges);
        return index < 0
            ? new ExperimentAssignment(false, null, n)
            : new ExperimentAssignment(true, experiment.Variants[index].Key, n);
    }
}

/// <summary>Where a user lands: in the experiment or not, the variant, and the hash that decided it.</summary>
/// <param name="InExperiment">Whether the user is in the experiment.</param>
/// <param name="Variant">Variant key, when in.</param>
/// <param name="HashValue">The hash in [0, 1), when computed.</param>
public sealed record ExperimentAssignment(bool InExperiment, string? Variant, double? HashValue);
