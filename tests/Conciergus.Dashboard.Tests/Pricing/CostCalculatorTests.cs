using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

using static Conciergus.Dashboard.Tests.Pricing.PricingTestData;

namespace Conciergus.Dashboard.Tests.Pricing;

public class CostCalculatorTests
{
    private static readonly CostCalculator Calculator = new(PriceCatalog.CreateBuiltIn());

    // Reference values worked by hand from the list prices (USD per 1M tokens) in prices.json:
    // cost = [(in - cacheRead - cacheWrite) x input + cacheRead x cached + cacheWrite x write + (out - reasoning) x output + reasoning x reasoningRate] / 1e6
    [Theory]
    // gpt-4o @2024-10-02 (2.50 / cached 1.25 / 10.00): 6,000 x 2.50 + 4,000 x 1.25 + 1,000 x 10 = 15,000 + 5,000 + 10,000 = 30,000 -> 0.03
    [InlineData("openai", "gpt-4o", "2025-01-15", 10_000, 1_000, 4_000, 0, 0, "0.03", "gpt-4o@2024-10-02")]
    // claude-sonnet-4-5 (3 / read 0.30 / write 3.75 / 15): 10,000 x 3 + 30,000 x 0.30 + 10,000 x 3.75 + 2,000 x 15 = 30,000 + 9,000 + 37,500 + 30,000 = 106,500 -> 0.1065
    [InlineData("anthropic", "claude-sonnet-4-5-20250929", "2025-10-10", 50_000, 2_000, 30_000, 10_000, 0, "0.1065", "claude-sonnet-4-5@2025-09-29")]
    // claude-opus-4-5 (write 6.25): 20,000 x 6.25 = 125,000 -> 0.125
    [InlineData("anthropic", "claude-opus-4-5-20251101", "2025-12-01", 20_000, 0, 0, 20_000, 0, "0.125", "claude-opus-4-5@2025-11-24")]
    // o3 @2025-06-10 (2 / 8, reasoning = output): 2,000 x 2 + 1,000 x 8 + 4,000 x 8 = 4,000 + 8,000 + 32,000 = 44,000 -> 0.044
    [InlineData("openai", "o3", "2025-07-01", 2_000, 5_000, 0, 0, 4_000, "0.044", "o3@2025-06-10")]
    // o4-mini (1.10 / cached 0.275 / 4.40): 500,000 x 1.10 + 500,000 x 0.275 + 20,000 x 4.40 + 80,000 x 4.40 = 550,000 + 137,500 + 88,000 + 352,000 = 1,127,500 -> 1.1275
    [InlineData("openai", "o4-mini-2025-04-16", "2025-08-01", 1_000_000, 100_000, 500_000, 0, 80_000, "1.1275", "o4-mini@2025-04-16")]
    // gemini-2.5-flash preview (0.15 / 0.60, thinking 3.50): 1,000 x 0.15 + 1,000 x 0.60 + 2,000 x 3.50 = 150 + 600 + 7,000 = 7,750 -> 0.00775
    [InlineData("gcp.gemini", "gemini-2.5-flash-preview-04-17", "2025-05-01", 1_000, 3_000, 0, 0, 2_000, "0.00775", "gemini-2.5-flash@2025-04-17")]
    // dated variant gpt-4o-mini-2024-07-18 (0.15 / 0.60): 1M x 0.15 + 1M x 0.60 = 0.75
    [InlineData("azure.ai.openai", "gpt-4o-mini-2024-07-18", "2025-01-01", 1_000_000, 1_000_000, 0, 0, 0, "0.75", "gpt-4o-mini@2024-07-18")]
    // Bedrock id of claude-3-5-haiku (0.80 / 4): 100,000 x 0.80 + 10,000 x 4 = 80,000 + 40,000 = 120,000 -> 0.12
    [InlineData("aws.bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "2025-03-01", 100_000, 10_000, 0, 0, 0, "0.12", "claude-3-5-haiku@2024-11-04")]
    // Vertex spelling of claude-3-5-sonnet v2 (3 / 15): 1,000 x 3 + 1,000 x 15 = 18,000 -> 0.018
    [InlineData("gcp.vertex_ai", "claude-3-5-sonnet-v2@20241022", "2025-01-01", 1_000, 1_000, 0, 0, 0, "0.018", "claude-3-5-sonnet@2024-06-20")]
    // glob gpt-4-*-preview -> gpt-4-turbo (10 / 30), not gpt-4 (30 / 60): 10,000 + 30,000 = 40,000 -> 0.04
    [InlineData("openai", "gpt-4-1106-preview", "2024-01-01", 1_000, 1_000, 0, 0, 0, "0.04", "gpt-4-turbo@2023-11-06")]
    // mistral-large-2411 (2 / 6): 1M x 2 + 0.5M x 6 = 2 + 3 = 5
    [InlineData("mistral_ai", "mistral-large-2411", "2025-02-01", 1_000_000, 500_000, 0, 0, 0, "5", "mistral-large@2024-11-18")]
    // gateway prefix "openai/gpt-5" (1.25 / cached 0.125 / 10): 90,000 x 1.25 + 10,000 x 0.125 + 1,000 x 10 = 112,500 + 1,250 + 10,000 = 123,750 -> 0.12375
    [InlineData("openrouter", "openai/gpt-5", "2025-09-01", 100_000, 1_000, 10_000, 0, 0, "0.12375", "gpt-5@2025-08-07")]
    public void Calculate_KnownModel_MatchesHandComputedCost(
        string provider, string model, string start, long input, long output, long cached, long creation, long reasoning, string expectedUsd, string expectedVersion)
    {
        var result = Calculator.Calculate(Operation(model, input, output, cached, creation, reasoning, provider, start));

        Assert.Equal(PricingStatus.Priced, result.Status);
        Assert.Equal(Usd(expectedUsd), result.CostUsd);
        Assert.Equal(expectedVersion, result.PriceVersion);
    }

    [Theory]
    // gpt-4o before the 2024-10-02 cut (5 / 15): 1,000 x 5 + 1,000 x 15 = 20,000 -> 0.02
    [InlineData("gpt-4o", "2024-06-01", "0.02", "gpt-4o@2024-05-13")]
    // gpt-4o after the cut (2.50 / 10): 2,500 + 10,000 = 12,500 -> 0.0125
    [InlineData("gpt-4o", "2024-10-02", "0.0125", "gpt-4o@2024-10-02")]
    // o3 at launch (10 / 40): 10,000 + 40,000 = 50,000 -> 0.05
    [InlineData("o3", "2025-05-01", "0.05", "o3@2025-04-16")]
    // o3 the day before the cut, late in the UTC day: still the launch price
    [InlineData("o3", "2025-06-09T23:59:59Z", "0.05", "o3@2025-04-16")]
    // o3 after the 80% cut (2 / 8): 2,000 + 8,000 = 10,000 -> 0.01
    [InlineData("o3", "2025-06-10", "0.01", "o3@2025-06-10")]
    // before the first known price: the first price is used
    [InlineData("o3", "2025-01-01", "0.05", "o3@2025-04-16")]
    public void Calculate_EffectiveDates_UsesPriceInForceAtStartTime(string model, string start, string expectedUsd, string expectedVersion)
    {
        var result = Calculator.Calculate(Operation(model, input: 1_000, output: 1_000, start: start));

        Assert.Equal(Usd(expectedUsd), result.CostUsd);
        Assert.Equal(expectedVersion, result.PriceVersion);
    }

    [Theory]
    // gemini-2.5-pro at exactly 200,000 input: base tier (1.25 / 10): 250,000 + 100,000 = 350,000 -> 0.35
    [InlineData("gcp.gemini", "gemini-2.5-pro", 200_000, 10_000, 0, "0.35")]
    // gemini-2.5-pro above 200,000: long-context tier (2.50 / 15) for the whole request: 625,000 + 150,000 = 775,000 -> 0.775
    [InlineData("gcp.gemini", "gemini-2.5-pro", 250_000, 10_000, 0, "0.775")]
    // claude-sonnet-4 above 200,000 (6 / read 0.60 / 22.50): 200,000 x 6 + 100,000 x 0.60 + 1,000 x 22.50 = 1,200,000 + 60,000 + 22,500 -> 1.2825
    [InlineData("anthropic", "claude-sonnet-4-20250514", 300_000, 1_000, 100_000, "1.2825")]
    // claude-sonnet-4 below the tier (3 / read 0.30 / 15): 100,000 x 3 + 50,000 x 0.30 + 1,000 x 15 = 300,000 + 15,000 + 15,000 -> 0.33
    [InlineData("anthropic", "claude-sonnet-4", 150_000, 1_000, 50_000, "0.33")]
    public void Calculate_LongContext_AppliesTierAboveThreshold(string provider, string model, long input, long output, long cached, string expectedUsd)
    {
        var result = Calculator.Calculate(Operation(model, input, output, cached, provider: provider, start: "2025-10-01"));

        Assert.Equal(Usd(expectedUsd), result.CostUsd);
    }

    [Theory]
    // text-embedding-3-small 0.02: 1M x 0.02 = 0.02; output tokens (bogus for an embedding) are ignored
    [InlineData("openai", "text-embedding-3-small", AiOperationKinds.Embeddings, 1_000_000, 500, "0.02")]
    [InlineData("openai", "text-embedding-3-large", AiOperationKinds.Embeddings, 1_000_000, 0, "0.13")]
    [InlineData("openai", "text-embedding-ada-002", AiOperationKinds.Chat, 1_000_000, 0, "0.10")]
    // Vertex resource path: 2M x 0.15 = 0.30
    [InlineData("gcp.vertex_ai", "publishers/google/models/gemini-embedding-001", AiOperationKinds.Embeddings, 2_000_000, 0, "0.30")]
    [InlineData("mistral_ai", "mistral-embed", AiOperationKinds.Embeddings, 1_000_000, 0, "0.10")]
    // a chat model called for embeddings is billed for input only: 1M x 2.50 = 2.50
    [InlineData("openai", "gpt-4o", AiOperationKinds.Embeddings, 1_000_000, 1_000_000, "2.50")]
    public void Calculate_Embeddings_BillsInputOnly(string provider, string model, string operation, long input, long output, string expectedUsd)
    {
        var result = Calculator.Calculate(Operation(model, input, output, provider: provider, operation: operation));

        Assert.Equal(Usd(expectedUsd), result.CostUsd);
    }

    [Theory]
    [InlineData("groq", "llama-3.3-70b-versatile")]
    [InlineData("openai", "gpt-4o-audio-preview")]
    [InlineData("anthropic", "claude-next")]
    [InlineData("openai", "")]
    [InlineData("openai", "unknown")]
    public void Calculate_UnknownModel_IsUnpricedNotZero(string provider, string model)
    {
        var result = Calculator.Calculate(Operation(model, input: 1_000, output: 1_000, provider: provider));

        Assert.Equal(PricingStatus.Unpriced, result.Status);
        Assert.Null(result.CostUsd);
        Assert.Null(result.PriceVersion);
    }

    [Fact]
    public void Calculate_AzureDeploymentName_PricesTheResponseModel()
    {
        // gpt-4.1 (2 / cached 0.50 / 8): 8,000 x 2 + 2,000 x 0.50 + 500 x 8 = 16,000 + 1,000 + 4,000 = 21,000 -> 0.021
        var operation = Operation("contoso-prod-chat", input: 10_000, output: 500, cached: 2_000, provider: "az.ai.openai", responseModel: "gpt-4.1-2025-04-14");

        var result = Calculator.Calculate(operation);

        Assert.Equal(Usd("0.021"), result.CostUsd);
        Assert.Equal("gpt-4.1@2025-04-14", result.PriceVersion);
    }

    [Fact]
    public void Calculate_UnknownResponseModel_FallsBackToRequestModel()
    {
        // gpt-4o-mini (0.15 / 0.60): 150 + 600 = 750 per 1M -> 1,000 + 1,000 tokens = 0.00075
        var operation = Operation("gpt-4o-mini", input: 1_000, output: 1_000, responseModel: "some-router-alias");

        Assert.Equal(Usd("0.00075"), Calculator.Calculate(operation).CostUsd);
    }

    [Theory]
    // gpt-4o (2.50 / 1.25 / 10): cached 3,000 > input 1,000 -> uncached remainder 0; 3,000 x 1.25 = 3,750;
    // reasoning 500 > output 100 -> plain output 0; 500 x 10 = 5,000; total 8,750 -> 0.00875
    [InlineData(1_000, 100, 3_000, 0, 500, "0.00875")]
    // negative counts count as zero
    [InlineData(-5, -5, -5, -5, -5, "0")]
    // cache read + write larger than input: remainder 0; 600 x 1.25 + 600 x 2.50 = 750 + 1,500 = 2,250 -> 0.00225
    [InlineData(1_000, 0, 600, 600, 0, "0.00225")]
    public void Calculate_InconsistentTokenCounts_ClampsRemaindersToZero(long input, long output, long cached, long creation, long reasoning, string expectedUsd)
    {
        var result = Calculator.Calculate(Operation("gpt-4o", input, output, cached, creation, reasoning, start: "2025-03-01"));

        Assert.Equal(Usd(expectedUsd), result.CostUsd);
        Assert.True(result.CostUsd >= 0m);
    }

    [Fact]
    public void Calculate_NullOperation_IsUnpriced()
    {
        Assert.Equal(CostResult.Unpriced, Calculator.Calculate(null!));
    }

    [Fact]
    public void Calculate_Repeated_DoesNotAllocate()
    {
        var operation = Operation("claude-sonnet-4-5-20250929", 50_000, 2_000, 30_000, 10_000, provider: "anthropic");
        for (var i = 0; i < 100; i++)
        {
            Calculator.Calculate(operation); // warm up: the lookup is memoised on first use
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            Calculator.Calculate(operation);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Even one small allocation per call would be >= 240,000 bytes here.
        Assert.True(allocated < 10_000, $"allocated {allocated} bytes for 10,000 calls");
    }
}
