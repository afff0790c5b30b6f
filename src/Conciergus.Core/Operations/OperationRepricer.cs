using Conciergus.Core.Model;
using Conciergus.Core.Pricing;

namespace Conciergus.Core.Operations;

/// <summary>What a re-pricing changed.</summary>
/// <param name="Read">Operations read in the range.</param>
/// <param name="Updated">Operations whose cost, pricing status or price version changed.</param>
/// <param name="CostBeforeUsd">Sum of the stored cost of the changed operations before.</param>
/// <param name="CostAfterUsd">Sum of their cost after.</param>
public sealed record RepriceResult(long Read, long Updated, decimal CostBeforeUsd, decimal CostAfterUsd);

/// <summary>
/// Re-prices stored operations with the current catalog: cost from stored tokens, price in force at each operation's
/// start. Costs the sender provided (<see cref="PricingStatus.Provided"/>) are kept.
/// </summary>
public sealed class OperationRepricer(IOperationStore store, ICostCalculator calculator)
{
    private const int ChunkSize = 5000;

    /// <summary>Re-prices the operations that ended in [from, to).</summary>
    public async Task<RepriceResult> RecomputeAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        await store.FlushAsync(cancellationToken).ConfigureAwait(false);
        long read = 0;
        long updated = 0;
        decimal before = 0;
        decimal after = 0;
        var changed = new List<AiOperation>(ChunkSize);
        await foreach (var operation in store.ReadAsync(from, to, OperationFilter.Empty, cancellationToken).ConfigureAwait(false))
        {
            read++;
            if (operation.Pricing == PricingStatus.Provided)
            {
                continue;
            }

            var cost = calculator.Calculate(operation with { Pricing = PricingStatus.Pending, CostUsd = null, PriceVersion = null });
            var newCost = cost.CostUsd is { } c ? Math.Round(c, 12) : (decimal?)null; // the store keeps 12 decimals
            if (cost.Status == operation.Pricing && newCost == operation.CostUsd && cost.PriceVersion == operation.PriceVersion)
            {
                continue;
            }

            before += operation.CostUsd ?? 0m;
            after += newCost ?? 0m;
            changed.Add(operation with { Pricing = cost.Status, CostUsd = newCost, PriceVersion = cost.PriceVersion });
            if (changed.Count >= ChunkSize)
            {
                updated += await store.UpdateCostsAsync(changed, cancellationToken).ConfigureAwait(false);
                changed.Clear();
            }
        }

        if (changed.Count > 0)
        {
            updated += await store.UpdateCostsAsync(changed, cancellationToken).ConfigureAwait(false);
        }

        return new RepriceResult(read, updated, before, after);
    }
}
