using Conciergus.Core.Experiments;

namespace Conciergus.Dashboard.Tests.Experiments;

public sealed class ExperimentHashingTests
{
    [Theory]
    // FNV-1a 32-bit reference values from Landon Curt Noll's FNV test suite (http://www.isthe.com/chongo/tech/comp/fnv/).
    [InlineData("", 0x811C9DC5u)]
    [InlineData("a", 0xE40C292Cu)]
    [InlineData("foobar", 0xBF9CF968u)]
    public void Fnv32a_KnownStrings_MatchesReference(string value, uint expected) =>
        Assert.Equal(expected, ExperimentHashing.Fnv32a(value));

    [Fact]
    public void Fnv32a_SingleCharacter_MatchesHandComputation()
    {
        // By hand: (0x811c9dc5 ^ 0x61) = 0x811c9da4; 0x811c9da4 * 16777619 mod 2^32 = 0xe40c292c.
        Assert.Equal(0xE40C292Cu, unchecked((0x811c9dc5u ^ 'a') * 16777619u));
        Assert.Equal(0xE40C292Cu, ExperimentHashing.Fnv32a("a"));
    }

    [Fact]
    public void Fnv32a_NonAscii_HashesUtf16CodeUnits()
    {
        // "é" is one UTF-16 code unit 0xE9 (two bytes in UTF-8); an emoji is two code units (a surrogate pair), as JavaScript's charCodeAt sees them.
        Assert.Equal(unchecked((0x811c9dc5u ^ 0xE9u) * 16777619u), ExperimentHashing.Fnv32a("é"));
        var pair = "\U0001F600";
        var expected = unchecked((((0x811c9dc5u ^ pair[0]) * 16777619u) ^ pair[1]) * 16777619u);
        Assert.Equal(expected, ExperimentHashing.Fnv32a(pair));
    }

    [Theory]
    // [seed, value, version, expected] verbatim from GrowthBook's SDK test cases (packages/sdk-js/test/cases.json, "hash").
    [InlineData("", "a", 1, 0.22)]
    [InlineData("", "b", 1, 0.077)]
    [InlineData("b", "a", 1, 0.946)]
    [InlineData("ef", "d", 1, 0.652)]
    [InlineData("asdf", "8952klfjas09ujk", 1, 0.549)]
    [InlineData("", "123", 1, 0.011)]
    [InlineData("", "___)((*\":&", 1, 0.563)]
    [InlineData("seed", "a", 2, 0.0505)]
    [InlineData("seed", "b", 2, 0.2696)]
    [InlineData("foo", "ab", 2, 0.2575)]
    [InlineData("foo", "def", 2, 0.2019)]
    [InlineData("89123klj", "8952klfjas09ujkasdf", 2, 0.124)]
    [InlineData("90850943850283058242805", "123", 2, 0.7516)]
    [InlineData("()**(%$##$%#$#", "___)((*\":&", 2, 0.0128)]
    public void Hash_GrowthBookVectors_MatchSdk(string seed, string value, int version, double expected) =>
        Assert.Equal(expected, ExperimentHashing.Hash(seed, value, version)!.Value, 10);

    [Fact]
    public void Hash_UnknownVersion_ReturnsNull() => Assert.Null(ExperimentHashing.Hash("s", "u", 3));

    [Fact]
    public void Hash_Version2_IsHashOfDecimalStringOfHash()
    {
        // v2 by the formula: fnv32a(fnv32a("seed" + "a").ToString()) % 10000 / 10000, computed step by step.
        var inner = ExperimentHashing.Fnv32a("seeda");
        var outer = ExperimentHashing.Fnv32a(inner.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(outer % 10000 / 10000.0, ExperimentHashing.Hash("seed", "a", 2));
    }

    public static TheoryData<int, double, double[]?, double[]> BucketRangeCases => new()
    {
        // Verbatim from GrowthBook's cases.json "getBucketRange" (and by hand: [cumulative, cumulative + coverage * weight)).
        { 2, 1, null, [0, 0.5, 0.5, 1] },
        { 2, 0.5, null, [0, 0.25, 0.5, 0.75] },
        { 2, 0, null, [0, 0, 0.5, 0.5] },
        { 4, 1, null, [0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1] },
        { 2, 1, [0.4, 0.6], [0, 0.4, 0.4, 1] },
        { 3, 1, [0.2, 0.3, 0.5], [0, 0.2, 0.2, 0.5, 0.5, 1] },
        { 3, 0.2, [0.2, 0.3, 0.5], [0, 0.04, 0.2, 0.26, 0.5, 0.6] },
        { 2, 0.1, [0.4, 0.6], [0, 0.04, 0.4, 0.46] },
        // Weights summing to 0.9 or 1.1 (outside 1 +/- 0.01), or of the wrong count: equal weights.
        { 2, 1, [0.4, 0.5], [0, 0.5, 0.5, 1] },
        { 2, 1, [0.6, 0.5], [0, 0.5, 0.5, 1] },
        { 3, 1, [0.5, 0.5], [0, 1 / 3.0, 1 / 3.0, 2 / 3.0, 2 / 3.0, 1] },
        // Within tolerance: kept as given.
        { 2, 1, [0.5, 0.505], [0, 0.5, 0.5, 1.005] },
        // Coverage outside [0, 1] is clamped.
        { 2, -0.2, null, [0, 0, 0.5, 0.5] },
        { 2, 1.5, null, [0, 0.5, 0.5, 1] },
    };

    [Theory]
    [MemberData(nameof(BucketRangeCases))]
    public void BucketRanges_Table_MatchesGrowthBook(int count, double coverage, double[]? weights, double[] expected)
    {
        var ranges = ExperimentHashing.BucketRanges(count, coverage, weights);

        var flat = ranges.SelectMany(r => new[] { r.Start, r.End }).ToArray();
        Assert.Equal(expected.Length, flat.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], flat[i], 10);
        }
    }

    [Theory]
    // GrowthBook's chooseVariation tests on the reduced ranges [0,0.25),[0.5,0.75); ends are exclusive, starts inclusive.
    [InlineData(0.2, 0)]
    [InlineData(0.6, 1)]
    [InlineData(0.4, -1)]
    [InlineData(0.8, -1)]
    [InlineData(0.25, -1)]
    [InlineData(0.5, 1)]
    public void ChooseVariant_ReducedRanges_ReturnsIndexOrMinusOne(double hash, int expected) =>
        Assert.Equal(expected, ExperimentHashing.ChooseVariant(hash, [(0, 0.25), (0.5, 0.75)]));

    [Fact]
    public void ChooseVariant_ZeroWidthRange_IsSkipped() =>
        Assert.Equal(2, ExperimentHashing.ChooseVariant(0.5, [(0, 0.5), (0.5, 0.5), (0.5, 1)]));

    [Fact]
    public void Assign_GrowthBookCoverageExample_MatchesSdk()
    {
        // GrowthBook's "coverage" test: key "my-test", two variations, coverage 0.4, hash v1, users "1".."9"
        // land in [-1, 0, 0, -1, 1, -1, 0, 1, -1] (-1 = not in the experiment).
        var experiment = new Experiment
        {
            Key = "my-test",
            HashVersion = 1,
            Coverage = 0.4,
            Variants = [new ExperimentVariantDefinition { Key = "v0", Weight = 0.5 }, new ExperimentVariantDefinition { Key = "v1", Weight = 0.5 }],
        };
        int[] expected = [-1, 0, 0, -1, 1, -1, 0, 1, -1];

        var actual = Enumerable.Range(1, 9)
            .Select(i => ExperimentHashing.Assign(experiment, i.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Select(a => a.InExperiment ? (a.Variant == "v0" ? 0 : 1) : -1)
            .ToArray();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1, 1.0, new[] { 0.5, 0.5 })]
    [InlineData(2, 1.0, new[] { 0.5, 0.5 })]
    [InlineData(2, 0.8, new[] { 0.2, 0.3, 0.5 })]
    [InlineData(2, 0.5, new[] { 0.9, 0.1 })]
    public void Assign_100000Users_SplitMatchesWeightsAndCoverage(int version, double coverage, double[] weights)
    {
        var experiment = new Experiment
        {
            Key = "distribution",
            HashVersion = version,
            Coverage = coverage,
            Variants = [.. weights.Select((w, i) => new ExperimentVariantDefinition { Key = $"v{i}", Weight = w })],
        };
        const int users = 100_000;
        var counts = new int[weights.Length];
        var outside = 0;

        for (var i = 0; i < users; i++)
        {
            var a = ExperimentHashing.Assign(experiment, $"user-{i}");
            if (a.InExperiment)
            {
                counts[int.Parse(a.Variant![1..], System.Globalization.CultureInfo.InvariantCulture)]++;
            }
            else
            {
                outside++;
            }
        }

        // Binomial standard deviation at n = 100,000 is at most 158 users (0.16%); 1% is over 6 sigma, and v1's
        // 1,000 hash buckets add a granularity of 0.1%.
        Assert.InRange(outside / (double)users, 1 - coverage - 0.01, 1 - coverage + 0.01);
        for (var v = 0; v < weights.Length; v++)
        {
            Assert.InRange(counts[v] / (double)users, (coverage * weights[v]) - 0.01, (coverage * weights[v]) + 0.01);
        }
    }

    [Fact]
    public void Assign_SameUser_AlwaysSameVariant()
    {
        var experiment = new Experiment
        {
            Key = "k",
            Variants = [new ExperimentVariantDefinition { Key = "a", Weight = 0.5 }, new ExperimentVariantDefinition { Key = "b", Weight = 0.5 }],
        };

        var first = ExperimentHashing.Assign(experiment, "u-42");

        Assert.All(Enumerable.Range(0, 10), _ => Assert.Equal(first, ExperimentHashing.Assign(experiment, "u-42")));
    }
}
