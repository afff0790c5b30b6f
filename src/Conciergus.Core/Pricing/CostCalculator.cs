using Conciergus.Core.Model;

namespace Conciergus.Core.Pricing;

/// <summary>Prices operations from the <see cref="PriceCatalog"/> in force at each operation's start time.</summary>
/// <remarks>
/// Input tokens include cache reads and cache writes, and output tokens include reasoning tokens
/// (OpenTelemetry GenAI conventions), so each part is priced once at its own rate:
/// (input - cacheRead - cacheWrite) x input + cacheRead x cachedInput + cacheWrite x cacheCreation
/// + (output - reasoning) x output + reasoning x reasoning, per million tokens.
/// The hot path allocates nothing: lookups are memoised per (provider, model), price versions are precomputed and
/// rates are scaled to whole numbers once per price, so a call is priced with integer arithmetic.
/// </remarks>
public sealed class CostCalculator : ICostCalculator
{
    private const decimal TokensPerUnit = 1_000_000m;

    private readonly PriceCatalog _catalog;

    /// <summary>Creates the calculator.</summary>
    public CostCalculator(PriceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        _catalog = catalog;
    }

    /// <inheritdoc />
    /// <remarks>The response model (often a dated variant, or the real model behind an Azure deployment name) is tried first, then the request model.</remarks>
    public CostResult Calculate(AiOperation operation) =>
        operation is null
            ? CostResult.Unpriced
            : Calculate(new PricingInput(operation.Operation, operation.Provider, operation.RequestModel, operation.ResponseModel,
                operation.StartTime, operation.InputTokens, operation.OutputTokens, operation.CachedInputTokens,
                operation.CacheCreationInputTokens, operation.ReasoningTokens));

    /// <inheritdoc />
    public CostResult Calculate(in PricingInput input)
    {
        var model = (input.ResponseModel is { Length: > 0 } responseModel ? _catalog.Find(input.Provider, responseModel) : null)
            ?? _catalog.Find(input.Provider, input.RequestModel);
        if (model is null)
        {
            return CostResult.Unpriced;
        }

        var price = model.PriceAt(input.StartTime);
        var inputOnly = model.Kind == ModelKind.Embedding
            || string.Equals(input.Operation, AiOperationKinds.Embeddings, StringComparison.Ordinal);
        var cost = Compute(
            price,
            inputOnly,
            input.InputTokens,
            input.OutputTokens,
            input.CachedInputTokens,
            input.CacheCreationInputTokens,
            input.ReasoningTokens);
        return new CostResult(PricingStatus.Priced, cost, price.Version);
    }

    /// <summary>Cost in USD of one call's tokens at one price (negative counts and remainders count as zero).</summary>
    /// <remarks>
    /// The price's rates were scaled to whole numbers once (<see cref="ScaledTokenRates"/>), so this is integer arithmetic
    /// with the same decimal, scale included, as the decimal formula below, which remains for rates or sums too large for it.
    /// </remarks>
    public static decimal Compute(PriceEntry price, bool inputOnly, long inputTokens, long outputTokens, long cachedInputTokens, long cacheCreationTokens, long reasoningTokens)
    {
        ArgumentNullException.ThrowIfNull(price);

        // Bad data (negative counts, parts larger than their totals) must never produce a negative cost.
        var input = Math.Max(0, inputTokens);
        var cacheRead = inputOnly ? 0 : Math.Max(0, cachedInputTokens);
        var cacheWrite = inputOnly ? 0 : Math.Max(0, cacheCreationTokens);
        var reasoning = inputOnly ? 0 : Math.Max(0, reasoningTokens);
        var uncachedInput = inputOnly ? input : Math.Max(0, input - cacheRead - cacheWrite);
        var plainOutput = inputOnly ? 0 : Math.Max(0, Math.Max(0, outputTokens) - reasoning);

        if (price.ScaledRatesFor(input).TryCost(inputOnly, uncachedInput, cacheRead, cacheWrite, plainOutput, reasoning, out var cost))
        {
            return cost;
        }

        var rates = price.RatesFor(input);
        if (inputOnly)
        {
            return input * rates.Input / TokensPerUnit;
        }

        var total = (uncachedInput * rates.Input)
            + (cacheRead * rates.CachedInput)
            + (cacheWrite * rates.CacheCreation)
            + (plainOutput * rates.Output)
            + (reasoning * rates.Reasoning);
        return total / TokensPerUnit;
    }
}
