using System.Text.Json;

using Conciergus.Core.Pricing;

namespace Conciergus.Dashboard.Tests.Pricing;

/// <summary>
/// <see cref="CostCalculator.Compute"/> prices with whole numbers scaled once per price. It must give the very decimal
/// (value and scale, hence the same JSON) that the decimal formula it replaced gives: <see cref="DecimalFormula"/>.
/// </summary>
public class ScaledTokenRatesTests
{
    private static readonly DateOnly Day = new(2025, 1, 1);

    [Fact]
    public void Compute_RandomPricesAndTokenCounts_SameDecimalAndScaleAsTheDecimalFormula()
    {
        var random = new Random(20261203);
        for (var i = 0; i < 20_000; i++)
        {
            var price = new PriceEntry("model", Day, RandomRates(random), [new LongContextTier(200_000, RandomRates(random))]);
            var inputOnly = random.Next(8) == 0;
            var (input, output, cached, creation, reasoning) = (Tokens(random), Tokens(random), Tokens(random), Tokens(random), Tokens(random));

            AssertSameDecimal(
                DecimalFormula(price, inputOnly, input, output, cached, creation, reasoning),
                CostCalculator.Compute(price, inputOnly, input, output, cached, creation, reasoning),
                $"case {i}: rates {price.RatesFor(Math.Max(0, input))}, inputOnly {inputOnly}, tokens {input}/{output}/{cached}/{creation}/{reasoning}");
        }
    }

    [Theory]
    // Exact at the rates' scale: the scale stays ("5.00", "0.00"), as decimal division keeps it.
    [InlineData("2.00", "6.00", 1_000_000, 500_000, "5.00")]
    [InlineData("2.50", "10.00", 0, 0, "0.00")]
    [InlineData("2", "6", 1_000_000, 500_000, "5")]
    // Not exact at the rates' scale: the exact quotient without trailing zeros.
    [InlineData("2.50", "10.00", 1_200, 350, "0.0065")]
    [InlineData("0.075", "0.30", 1, 1, "0.000000375")]
    [InlineData("3", "15", 7, 0, "0.000021")]
    public void Compute_KnownRates_KeepsTheDecimalFormulasJsonText(string inputRate, string outputRate, long input, long output, string expectedJson)
    {
        var rates = new TokenRates(PricingTestData.Usd(inputRate), PricingTestData.Usd(outputRate), PricingTestData.Usd(inputRate), PricingTestData.Usd(inputRate), PricingTestData.Usd(outputRate));
        var price = new PriceEntry("model", Day, rates);

        var cost = CostCalculator.Compute(price, inputOnly: false, input, output, 0, 0, 0);

        Assert.Equal(expectedJson, JsonSerializer.Serialize(cost));
        Assert.Equal(JsonSerializer.Serialize(DecimalFormula(price, false, input, output, 0, 0, 0)), JsonSerializer.Serialize(cost));
    }

    [Theory]
    // A rate with 23 decimals (S + 6 would pass 28), a rate above 2^60 at its scale, and a sum of 2^64 or more:
    // the integer path declines and the decimal formula answers, as it always did.
    [InlineData("0.00000000000000000000001", "1", 1_000, 1_000)]
    [InlineData("2000000000000000000", "1", 1_000, 1_000)]
    [InlineData("1000000", "1000000", long.MaxValue, 1_000)]
    // Over 2^32 tokens at a zero rate: decimal's wide multiplication gives a zero at scale 0 ("0", not "0.0").
    [InlineData("0.0", "0.0", 96_483_868_254, 0)]
    public void Compute_RatesOrSumsBeyondTheIntegerPath_FallBackToTheDecimalFormula(string inputRate, string outputRate, long input, long output)
    {
        var rates = new TokenRates(PricingTestData.Usd(inputRate), PricingTestData.Usd(outputRate), 0m, 0m, 0m);
        var price = new PriceEntry("model", Day, rates);

        AssertSameDecimal(DecimalFormula(price, false, input, output, 0, 0, 0), CostCalculator.Compute(price, false, input, output, 0, 0, 0), inputRate);
    }

    [Fact]
    public void TryCost_NegativeRate_DeclinesInsteadOfPricing()
    {
        var scaled = new ScaledTokenRates(new TokenRates(-1m, 1m, 1m, 1m, 1m));

        Assert.False(scaled.TryCost(false, 1_000, 0, 0, 0, 0, out _));
    }

    /// <summary>The formula <see cref="CostCalculator.Compute"/> used before (decimal products, one decimal division).</summary>
    private static decimal DecimalFormula(PriceEntry price, bool inputOnly, long inputTokens, long outputTokens, long cachedInputTokens, long cacheCreationTokens, long reasoningTokens)
    {
        var input = Math.Max(0, inputTokens);
        var rates = price.RatesFor(input);
        if (inputOnly)
        {
            return input * rates.Input / 1_000_000m;
        }

        var cacheRead = Math.Max(0, cachedInputTokens);
        var cacheWrite = Math.Max(0, cacheCreationTokens);
        var reasoning = Math.Max(0, reasoningTokens);
        var uncachedInput = Math.Max(0, input - cacheRead - cacheWrite);
        var plainOutput = Math.Max(0, Math.Max(0, outputTokens) - reasoning);
        var total = (uncachedInput * rates.Input) + (cacheRead * rates.CachedInput) + (cacheWrite * rates.CacheCreation)
            + (plainOutput * rates.Output) + (reasoning * rates.Reasoning);
        return total / 1_000_000m;
    }

    private static void AssertSameDecimal(decimal expected, decimal actual, string because)
    {
        // GetBits holds the scale: 0.03 and 0.0300 are equal decimals but different bits (and different JSON).
        Assert.True(
            decimal.GetBits(expected).SequenceEqual(decimal.GetBits(actual)),
            $"{because}: expected {expected} (scale {expected.Scale}), got {actual} (scale {actual.Scale})");
    }

    /// <summary>Per-million rates as catalogs write them: up to $100, 0 to 6 decimals, sometimes zero, sometimes with trailing zeros.</summary>
    private static TokenRates RandomRates(Random random) =>
        new(Rate(random), Rate(random), Rate(random), Rate(random), Rate(random));

    private static decimal Rate(Random random)
    {
        var scale = random.Next(0, 7);
        var mantissa = random.Next(4) == 0 ? 0 : random.Next(1, (100 * (int)Math.Pow(10, scale)) + 1);
        return new decimal(mantissa, 0, 0, isNegative: false, (byte)scale);
    }

    /// <summary>
    /// Zero, small, typical and huge counts, and the bad data the calculator clamps (negative). Nine cases in ten are
    /// below 2^31, where the integer path always answers (five products of at most 2^31 x 10^8 stay below 2^64); the
    /// huge ones (over 2^32) take the decimal formula.
    /// </summary>
    private static long Tokens(Random random) => random.Next(10) switch
    {
        0 => 0,
        1 => -random.Next(1, 1_000),
        2 => random.Next(1, 10),
        3 => random.NextInt64(1, 100_000_000_000),
        _ => random.Next(1, 2_000_000),
    };
}
