using Conciergus.Core.Model;

namespace Conciergus.Core.Pricing;

/// <summary>Prices an operation from the catalog in force at the operation's start time.</summary>
public interface ICostCalculator
{
    /// <summary>Cost of one operation; <see cref="PricingStatus.Unpriced"/> (never $0) for unknown models.</summary>
    CostResult Calculate(AiOperation operation);
}

/// <summary>Outcome of pricing one operation.</summary>
/// <param name="Status"><see cref="PricingStatus.Priced"/> or <see cref="PricingStatus.Unpriced"/>.</param>
/// <param name="CostUsd">Cost in USD when priced.</param>
/// <param name="PriceVersion">The catalog entry used: "model-id@yyyy-MM-dd" (its effective date).</param>
public readonly record struct CostResult(PricingStatus Status, decimal? CostUsd, string? PriceVersion)
{
    /// <summary>The result for a model the catalog does not know.</summary>
    public static CostResult Unpriced => new(PricingStatus.Unpriced, null, null);
}
