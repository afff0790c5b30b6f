using Conciergus.Core.TimeSeries;

namespace Conciergus.Dashboard.Tests.TimeSeries;

public sealed class LatencySketchTests
{
    // Guaranteed bound plus floating-point slack for values that sit exactly on a bucket boundary.
    private const double Tolerance = LatencySketch.RelativeAccuracy + 1e-9;

    private static readonly double[] Quantiles = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];

    public static TheoryData<string> Distributions => ["uniform", "lognormal", "bimodal", "heavy-tail"];

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Quantile_KnownDistribution_WithinRelativeAccuracyOfExactSampleQuantile(string distribution)
    {
        var samples = Sample(distribution, 50_000, seed: 42);
        var sketch = new LatencySketch();
        foreach (var value in samples)
        {
            sketch.Add(value);
        }

        Array.Sort(samples);
        foreach (var q in Quantiles)
        {
            // Reference: the exact sample quantile with the lower rank rule (numpy.quantile(x, q, method="lower")).
            var exact = samples[(int)Math.Floor(q * (samples.Length - 1))];
            var estimate = sketch.Quantile(q);
            var error = Math.Abs(estimate - exact) / exact;
            Assert.True(error <= Tolerance, $"{distribution} q={q}: estimate {estimate}, exact {exact}, relative error {error:P3}");
        }
    }

    [Theory]
    // Hand-computed with the lower rank rule: rank = floor(q * (n - 1)) of [1, 2, 3, 4, 10].
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 3.0)]
    [InlineData(0.74, 3.0)]
    [InlineData(0.75, 4.0)]
    [InlineData(0.99, 4.0)]
    [InlineData(1.0, 10.0)]
    public void Quantile_SmallTable_UsesLowerRankRule(double q, double expected)
    {
        var sketch = new LatencySketch();
        foreach (var value in new[] { 10.0, 3, 1, 4, 2 })
        {
            sketch.Add(value);
        }

        Assert.Equal(expected, sketch.Quantile(q), expected * Tolerance);
    }

    [Fact]
    public void Stats_SeveralValues_AreExact()
    {
        var sketch = new LatencySketch();
        sketch.Add(12.5);
        sketch.Add(0.25);
        sketch.Add(1000);

        Assert.Equal(3, sketch.Count);
        Assert.Equal(1012.75, sketch.Sum);
        Assert.Equal(0.25, sketch.Min);
        Assert.Equal(1000, sketch.Max);
        Assert.Equal(1012.75 / 3, sketch.Mean, 12);
    }

    [Fact]
    public void Quantile_Empty_IsNaN()
    {
        var sketch = new LatencySketch();

        Assert.True(double.IsNaN(sketch.Quantile(0.5)));
        Assert.True(double.IsNaN(sketch.Min));
        Assert.True(double.IsNaN(sketch.Mean));
        Assert.Equal(0, sketch.Count);
    }

    [Fact]
    public void Add_ZeroNegativeAndTinyValues_GoToZeroBucket()
    {
        var sketch = new LatencySketch();
        sketch.Add(0);
        sketch.Add(-5);
        sketch.Add(double.NaN);
        sketch.Add(1e-5);
        sketch.Add(100);

        Assert.Equal(5, sketch.Count);
        Assert.Equal(0, sketch.Min);
        Assert.Equal(0, sketch.Quantile(0.5));
        // Everything in the zero bucket reads back as the smallest value seen.
        Assert.Equal(0, sketch.Quantile(0.75));
        Assert.Equal(100, sketch.Quantile(1), 100 * Tolerance);

        // One indexable value: the compact first store (4 buckets), not a whole growth chunk.
        Assert.Equal(4, sketch.Capacity);
    }

    [Fact]
    public void Merge_SplitAcrossSketchesWithDifferentRanges_EqualsSingleSketch()
    {
        var samples = Sample("bimodal", 20_000, seed: 7).Concat(Sample("lognormal", 5_000, seed: 8)).Append(0).Append(1e-4).ToArray();
        var single = new LatencySketch();
        var low = new LatencySketch();
        var high = new LatencySketch();
        var wide = new LatencySketch();
        for (var i = 0; i < samples.Length; i++)
        {
            single.Add(samples[i]);
            (samples[i] < 100 ? low : i % 2 == 0 ? high : wide).Add(samples[i]);
        }

        var merged = new LatencySketch();
        merged.Merge(high);
        merged.Merge(low);
        merged.Merge(new LatencySketch());
        merged.Merge(wide);

        Assert.Equal(single.Count, merged.Count);
        Assert.Equal(single.Sum, merged.Sum, 6);
        Assert.Equal(single.Min, merged.Min);
        Assert.Equal(single.Max, merged.Max);
        for (var q = 0.0; q <= 1.0; q += 0.005)
        {
            Assert.Equal(single.Quantile(q), merged.Quantile(q));
        }
    }

    [Fact]
    public void Merge_FarApartRanges_KeepsBothEnds()
    {
        var small = new LatencySketch();
        small.Add(0.01);
        var large = new LatencySketch();
        large.Add(5_000_000);

        small.Merge(large);

        Assert.Equal(0.01, small.Quantile(0), 0.01 * Tolerance);
        Assert.Equal(5_000_000, small.Quantile(1), 5_000_000 * Tolerance);
    }

    [Fact]
    public void Add_NarrowSpread_KeepsStoreSmall()
    {
        var sketch = new LatencySketch();
        for (var v = 100.0; v < 110; v += 0.01)
        {
            sketch.Add(v);
        }

        // 100..110 ms spans about 5 buckets at 1% accuracy: the store is one growth chunk, not the whole range.
        Assert.Equal(32, sketch.Capacity);

        sketch.Add(0.01);
        sketch.Add(1_000_000);

        // 0.01 ms .. 1000 s spans ln(1e8) / ln(1.01 / 0.99) = ~921 buckets; the store grows to cover it, with slack.
        Assert.InRange(sketch.Capacity, 921, 1_500);
        Assert.Equal(1_000_000, sketch.Quantile(1), 1_000_000 * Tolerance);
        Assert.Equal(0.01, sketch.Quantile(0), 0.01 * Tolerance);
    }

    [Fact]
    public void Add_ValuesSlideWithinCapacity_KeepCounts()
    {
        var sketch = new LatencySketch();
        sketch.Add(100);
        sketch.Add(120);

        // Forces the window to slide (not grow) inside the existing 32-bucket array, both ways.
        sketch.Add(140);
        sketch.Add(85);

        Assert.Equal(32, sketch.Capacity);
        Assert.Equal(4, sketch.Count);
        Assert.Equal(85, sketch.Quantile(0), 85 * Tolerance);
        Assert.Equal(100, sketch.Quantile(1.0 / 3), 100 * Tolerance);
        Assert.Equal(120, sketch.Quantile(2.0 / 3), 120 * Tolerance);
        Assert.Equal(140, sketch.Quantile(1), 140 * Tolerance);
    }

    [Fact]
    public void Clear_AfterUse_KeepsStorageAndAllocatesNothingOnReuse()
    {
        var sketch = new LatencySketch();
        var samples = Sample("lognormal", 10_000, seed: 3);
        foreach (var value in samples)
        {
            sketch.Add(value);
        }

        var capacity = sketch.Capacity;
        sketch.Clear();
        Assert.Equal(0, sketch.Count);
        Assert.True(double.IsNaN(sketch.Quantile(0.5)));

        var before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var value in samples)
        {
            sketch.Add(value);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(capacity, sketch.Capacity);
        Assert.Equal(samples.Length, sketch.Count);
    }

    [Fact]
    public void Clear_ThenDifferentRange_ReadsOnlyNewValues()
    {
        var sketch = new LatencySketch();
        sketch.Add(10);
        sketch.Add(11);
        sketch.Clear();
        sketch.Add(5000);

        Assert.Equal(5000, sketch.Quantile(0), 5000 * Tolerance);
        Assert.Equal(1, sketch.Count);
    }

    private static double[] Sample(string distribution, int n, int seed)
    {
        var random = new Random(seed);
        var values = new double[n];
        for (var i = 0; i < n; i++)
        {
            values[i] = distribution switch
            {
                "uniform" => 1 + (random.NextDouble() * 999),
                "lognormal" => Math.Exp(Math.Log(200) + Normal(random)),
                "bimodal" => random.NextDouble() < 0.7 ? Math.Max(1, 40 + (5 * Normal(random))) : Math.Max(1, 2500 + (400 * Normal(random))),
                "heavy-tail" => 50 / Math.Pow(1 - random.NextDouble(), 1 / 1.5), // Pareto, alpha 1.5
                _ => throw new ArgumentOutOfRangeException(nameof(distribution)),
            };
        }

        return values;
    }

    // Box-Muller transform.
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
