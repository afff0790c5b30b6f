using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

using static Conciergus.Dashboard.Tests.TimeSeries.TimeSeriesTestData;

namespace Conciergus.Dashboard.Tests.TimeSeries;

/// <summary>
/// Two-part series values (provider + model, experiment + variant) keep distinct pairs distinct whatever characters
/// the telemetry strings hold, and split back into the pair they were made of.
/// </summary>
public sealed class SeriesKeyTests
{
    // Every string of length 0-3 over the characters that matter: a letter, both separators and the escape.
    private static readonly string[] Parts = Strings("a/\\\u001f", 3);

    [Fact]
    public void VariantValue_EveryPairOfHostileStrings_DistinctAndSplitsBack() =>
        AssertEveryPairDistinctAndSplitsBack(SeriesKey.ForVariant, k => k.VariantParts);

    [Fact]
    public void ModelValue_EveryPairOfHostileStrings_DistinctAndSplitsBack() =>
        AssertEveryPairDistinctAndSplitsBack(SeriesKey.ForModel, k => k.ModelParts);

    [Fact]
    public void Values_OrdinaryStrings_WrittenAsBefore()
    {
        Assert.Equal("prompt-test/control", SeriesKey.ForVariant("prompt-test", "control").Value);
        Assert.Equal("prompt-test/v/2", SeriesKey.ForVariant("prompt-test", "v/2").Value);
        Assert.Equal("openai\u001fgpt-4o", SeriesKey.ForModel("openai", "gpt-4o").Value);
        Assert.Equal(("", SeriesKey.OverflowValue), new SeriesKey(SeriesDimension.Model, SeriesKey.OverflowValue).ModelParts);
    }

    [Fact]
    public void Record_VariantsThatReadAlikeWithASlash_AreTwoSeriesEachWithItsOwnOperations()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        var first = new[] { Op(now, durationMs: 100, experimentKey: "a/b", experimentVariant: "c") };
        var second = new[]
        {
            Op(now, durationMs: 200, costUsd: 0.5m, experimentKey: "a", experimentVariant: "b/c"),
            Op(now, durationMs: 300, costUsd: 0.25m, experimentKey: "a", experimentVariant: "b/c"),
        };
        foreach (var operation in first.Concat(second))
        {
            cache.Record(operation);
        }

        Assert.Equal(2, cache.Keys(SeriesDimension.ExperimentVariant).Count);
        AssertSeries(cache, now, SeriesKey.ForVariant("a/b", "c"), first);
        AssertSeries(cache, now, SeriesKey.ForVariant("a", "b/c"), second);
    }

    [Fact]
    public void Record_ProvidersThatReadAlikeWithTheSeparator_AreTwoSeriesEachWithItsOwnOperations()
    {
        var clock = Clock();
        var cache = new TimeSeriesCache(Options(), clock);
        var now = clock.GetUtcNow();
        var first = new[] { Op(now, durationMs: 100, provider: "p\u001fq", model: "m") };
        var second = new[] { Op(now, durationMs: 200, costUsd: 0.5m, provider: "p", model: "q\u001fm") };
        cache.Record(first[0]);
        cache.Record(second[0]);

        Assert.Equal(2, cache.Keys(SeriesDimension.Model).Count);
        AssertSeries(cache, now, SeriesKey.ForModel("p\u001fq", "m"), first);
        AssertSeries(cache, now, SeriesKey.ForModel("p", "q\u001fm"), second);
        Assert.Equal([("p", "q\u001fm"), ("p\u001fq", "m")], cache.Keys(SeriesDimension.Model).Select(k => k.ModelParts).Order());
    }

    private static void AssertEveryPairDistinctAndSplitsBack(Func<string, string, SeriesKey> make, Func<SeriesKey, (string, string)> parts)
    {
        var seen = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var first in Parts)
        {
            foreach (var second in Parts)
            {
                var key = make(first, second);
                Assert.Equal((first, second), parts(key));
                Assert.True(seen.TryAdd(key.Value, (first, second)), $"{Show(first)} + {Show(second)} collides with {seen.GetValueOrDefault(key.Value)}");
            }
        }
    }

    private static void AssertSeries(TimeSeriesCache cache, DateTimeOffset now, SeriesKey key, IReadOnlyList<AiOperation> expected)
    {
        var window = cache.Aggregate(key, now, now.AddSeconds(1));
        Assert.Equal(expected.Count, window.Requests);
        Assert.Equal(expected.Sum(o => o.CostUsd!.Value), window.CostUsd);
        Assert.Equal(expected.Sum(o => o.DurationMs), window.Latency.Sum, 9);
    }

    private static string[] Strings(string alphabet, int maxLength)
    {
        var all = new List<string> { "" };
        var last = new List<string> { "" };
        for (var length = 1; length <= maxLength; length++)
        {
            last = [.. last.SelectMany(s => alphabet.Select(c => s + c))];
            all.AddRange(last);
        }

        return [.. all];
    }

    private static string Show(string s) => "\"" + s.Replace("\u001f", "\\u001f", StringComparison.Ordinal) + "\"";
}
