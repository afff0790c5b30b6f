using Conciergus.Core.Model;

namespace Conciergus.Core.Pricing;

/// <summary>Prices an operation from the catalog in force at the operation's start time.</summary>
public interface ICostCalculator
{
    /// <summary>Cost of one operation; <see cref="PricingStatus.Unpriced"/> (never $0) for unknown models.</summary>
    CostResult Calculate(AiOperation operation);

    /// <summary>
    /// The same price from the parts of a call before its record exists (the middleware prices as it builds the record,
    /// so nobody copies it to add the price). The default builds a record and calls <see cref="Calculate(AiOperation)"/>.
    /// </summary>
    CostResult Calculate(in PricingInput input) => Calculate(new AiOperation
    {
        OperationId = "pricing",
        StartTime = input.StartTime,
        Operation = input.Operation,
        Provider = input.Provider,
        RequestModel = input.RequestModel,
        ResponseModel = input.ResponseModel,
        InputTokens = input.InputTokens,
        OutputTokens = input.OutputTokens,
        CachedInputTokens = input.CachedInputTokens,
        CacheCreationInputTokens = input.CacheCreationInputTokens,
        ReasoningTokens = input.ReasoningTokens,
    });
}

/// <summary>What pricing a call reads: its kind, provider, models, start time and tokens (AiOperation's token rules).</summary>
public readonly record struct PricingInput(
    string Operation,
    string Provider,
    string RequestModel,
    string? ResponseModel,
    DateTimeOffset StartTime,
    long InputTokens,
    long OutputTokens,
    long CachedInputTokens,
    long CacheCreationInputTokens,
    long ReasoningTokens);

/// <summary>Outcome of pricing one operation.</summary>
/// <param name="Status"><see cref="PricingStatus.Priced"/> or <see cref="PricingStatus.Unpriced"/>.</param>
/// <param name="CostUsd">Cost in USD when priced.</param>
/// <param name="PriceVersion">The catalog entry used: "model-id@yyyy-MM-dd" (its effective date).</param>
public readonly record struct CostResult(PricingStatus Status, decimal? CostUsd, string? PriceVersion)
{
    /// <summary>The result for a model the catalog does not know.</summary>
    public static CostResult Unpriced => new(PricingStatus.Unpriced, null, null);
}
