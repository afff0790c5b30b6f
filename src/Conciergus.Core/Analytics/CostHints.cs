using System.Globalization;
using Conciergus.Core.Pricing;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>What an optimisation hint is about.</summary>
public enum CostHintKind
{
    /// <summary>
    /// Traffic on a model that a cheaper model of the same operation and capability class would serve for much less
    /// at the same token counts (and, when that model served such traffic here, with no worse latency or errors).
    /// </summary>
    CheaperModel,

    /// <summary>Few input tokens come from the prompt cache.</summary>
    LowCacheHitRatio,

    /// <summary>Retryable failures (rate limits, timeouts, server errors) whose retries resend the prompt.</summary>
    RetryWaste,

    /// <summary>Operations on models the catalog cannot price.</summary>
    Unpriced,
}

/// <summary>One optimisation hint.</summary>
/// <param name="Kind">What it is about.</param>
/// <param name="Title">One line.</param>
/// <param name="Detail">The figures behind it.</param>
/// <param name="EstimatedSavingsUsd">Rough saving over the same window, when it can be estimated.</param>
/// <param name="Assumptions">What the estimate assumes (token counts, price list and its dates), when there is one.</param>
/// <param name="FromModel">For <see cref="CostHintKind.CheaperModel"/>: "provider/model" of the traffic the hint is about.</param>
/// <param name="ToModel">For <see cref="CostHintKind.CheaperModel"/>: "provider/model" suggested instead.</param>
/// <param name="Untested">The suggested model has served no such traffic here: its latency, errors and quality are unknown.</param>
public sealed record CostHint(
    CostHintKind Kind,
    string Title,
    string Detail,
    decimal? EstimatedSavingsUsd,
    string? Assumptions = null,
    string? FromModel = null,
    string? ToModel = null,
    bool Untested = false);

/// <summary>Thresholds of the cost hints.</summary>
public sealed record CostHintOptions
{
    /// <summary>Requests a model needs in the window before it is compared.</summary>
    public int MinRequests { get; init; } = 20;

    /// <summary>A cheaper model must cost at most this share of the expensive one per request.</summary>
    public double MaxCostRatio { get; init; } = 0.5;

    /// <summary>A cheaper model's p95 may be at most this factor of the expensive one's.</summary>
    public double LatencyTolerance { get; init; } = 1.1;

    /// <summary>A cheaper model's error rate may exceed the expensive one's by at most this (absolute).</summary>
    public double ErrorRateTolerance { get; init; } = 0.01;

    /// <summary>Below this cache hit ratio (with <see cref="MinInputTokensForCache"/> input tokens) a hint is given.</summary>
    public double LowCacheHitRatio { get; init; } = 0.1;

    /// <summary>Input tokens needed before the cache hit ratio is judged.</summary>
    public long MinInputTokensForCache { get; init; } = 100_000;

    /// <summary>Share of requests failing with a retryable category from which a hint is given.</summary>
    public double RetryableErrorShare { get; init; } = 0.02;

    /// <summary>
    /// When no model that served this kind of traffic here qualifies, suggest a catalog model of the same class and
    /// provider, marked untested.
    /// </summary>
    public bool IncludeUntested { get; init; } = true;
}

public sealed partial class AnalyticsService
{
    private static readonly string[] RetryableCategories = ["rate_limit", "timeout", "server_error", "network"];

    /// <summary>
    /// Optimisation hints computed from the read models over the window, largest saving first. Model suggestions use
    /// <paramref name="catalog"/>: the same operation and capability class only (<see cref="ModelClasses"/>), the same
    /// token counts priced at both models' current list prices; without a catalog no model is suggested.
    /// </summary>
    public IReadOnlyList<CostHint> CostHints(TimeSpan window, PriceCatalog? catalog = null, CostHintOptions? options = null)
    {
        var o = options ?? new CostHintOptions();
        var hints = new List<CostHint>();
        var total = Summary(window);
        if (total.Requests == 0)
        {
            return hints;
        }

        if (catalog is not null)
        {
            CheaperModelHints(window, catalog, o, total, hints);
        }

        if (CacheHitRatio(total) is { } ratio && total.InputTokens >= o.MinInputTokensForCache && ratio < o.LowCacheHitRatio)
        {
            hints.Add(new CostHint(
                CostHintKind.LowCacheHitRatio,
                Invariant($"Only {ratio:0.0%} of input tokens come from the prompt cache"),
                Invariant($"{total.CachedInputTokens:N0} of {total.InputTokens:N0} input tokens were cached. Put stable instructions and context first so providers can cache the prefix."),
                null));
        }

        var retryable = 0L;
        foreach (var key in _cache.Keys(SeriesDimension.ErrorCategory))
        {
            if (RetryableCategories.Contains(key.Value, StringComparer.Ordinal))
            {
                retryable += Summary(window, key).Requests;
            }
        }

        if (retryable > 0 && (double)retryable / total.Requests >= o.RetryableErrorShare)
        {
            var priced = total.Requests - total.UnpricedRequests;
            var perRequest = priced > 0 ? total.CostUsd / priced : 0m;
            hints.Add(new CostHint(
                CostHintKind.RetryWaste,
                $"{Share(retryable, total.Requests)} of requests failed with a retryable error",
                Invariant($"{retryable:N0} rate-limit, timeout, server or network failures; each retry resends the whole prompt. Back off, spread load over deployments or raise limits."),
                perRequest > 0 ? decimal.Round(perRequest * retryable, 4) : null));
        }

        if (total.UnpricedRequests > 0)
        {
            hints.Add(new CostHint(
                CostHintKind.Unpriced,
                $"{Share(total.UnpricedRequests, total.Requests)} of requests use models without a price",
                Invariant($"{total.UnpricedRequests:N0} requests are not in the cost totals. Add their prices with Conciergus:Pricing:CatalogPath."),
                null));
        }

        return hints.OrderByDescending(h => h.EstimatedSavingsUsd ?? 0).ToList();
    }

    private sealed record Served(ModelReport Report, ModelPricing Pricing, ModelClass Class, PriceEntry Price);

    private void CheaperModelHints(TimeSpan window, PriceCatalog catalog, CostHintOptions o, SummaryReport total, List<CostHint> hints)
    {
        var now = _timeProvider.GetUtcNow();
        var served = new List<Served>();
        foreach (var m in Models(window))
        {
            if (m.Stats.Requests >= o.MinRequests && catalog.Find(m.Provider, m.Model) is { } pricing && ModelClasses.Of(pricing) is { } modelClass)
            {
                served.Add(new Served(m, pricing, modelClass, pricing.PriceAt(now)));
            }
        }

        foreach (var expensive in served)
        {
            var stats = expensive.Report.Stats;
            var current = Reprice(expensive.Price, expensive.Class, stats);
            if (current <= 0)
            {
                continue;
            }

            // Models that served the same operation and class here, with their own latency and errors as evidence.
            var tested = served
                .Where(c => c.Pricing != expensive.Pricing && c.Class == expensive.Class
                    && c.Report.Stats.ErrorRate <= stats.ErrorRate + o.ErrorRateTolerance
                    && c.Report.Stats.LatencyMs.P95 is { } p95 && stats.LatencyMs.P95 is { } e95 && p95 <= e95 * o.LatencyTolerance)
                .Select(c => (Candidate: c.Pricing, Price: c.Price, Cost: Reprice(c.Price, expensive.Class, stats), Report: (ModelReport?)c.Report))
                .Where(c => c.Cost <= current * (decimal)o.MaxCostRatio)
                .OrderBy(c => c.Cost)
                .FirstOrDefault();

            var untested = false;
            if (tested.Candidate is null && o.IncludeUntested)
            {
                // Nothing here has served this traffic: a catalog model of the same class and provider family, said to be untested.
                var servedIds = served.Select(s => s.Pricing).ToHashSet();
                tested = catalog.Models
                    .Where(c => !servedIds.Contains(c) && ModelClasses.Of(c) == expensive.Class
                        && string.Equals(c.Provider, expensive.Pricing.Provider, StringComparison.OrdinalIgnoreCase))
                    .Select(c => (Candidate: c, Price: c.PriceAt(now), Cost: Reprice(c.PriceAt(now), expensive.Class, stats), Report: (ModelReport?)null))
                    .Where(c => c.Cost <= current * (decimal)o.MaxCostRatio)
                    .OrderBy(c => c.Cost)
                    .FirstOrDefault();
                untested = tested.Candidate is not null;
            }

            if (tested.Candidate is not { } candidate)
            {
                continue;
            }

            var from = $"{expensive.Report.Provider}/{expensive.Report.Model}";
            var to = tested.Report is { } r ? $"{r.Provider}/{r.Model}" : $"{candidate.Provider}/{candidate.Id}";
            var kind = ModelClasses.Describe(expensive.Class);
            var title = untested
                ? $"{Share(stats.Requests, total.Requests)} of traffic runs on {from}; {to} ({kind}, same provider) would cost less but is untested here"
                : $"{Share(stats.Requests, total.Requests)} of traffic runs on {from}; {to} ({kind}) matches its latency and error rate for less";
            var detail = tested.Report is { } t
                ? Invariant($"{from}: p95 {stats.LatencyMs.P95:0} ms, {stats.ErrorRate:0.0%} errors. {to}: p95 {t.Stats.LatencyMs.P95:0} ms, {t.Stats.ErrorRate:0.0%} errors over its own {t.Stats.Requests:N0} {ModelClasses.Operation(expensive.Class)} requests here. Check answer quality on your own prompts before switching.")
                : Invariant($"{to} has served no {ModelClasses.Operation(expensive.Class)} traffic here: its latency, error rate and answer quality are unknown. Try it in an experiment first.");
            var tokens = expensive.Class == ModelClass.Embedding
                ? Invariant($"{stats.InputTokens:N0} input tokens")
                : Invariant($"{stats.InputTokens:N0} input ({stats.CachedInputTokens:N0} cached), {stats.OutputTokens:N0} output ({stats.ReasoningTokens:N0} reasoning) tokens");
            var assumptions = Invariant(
                $"Same token counts as this window's {stats.Requests:N0} {ModelClasses.Operation(expensive.Class)} requests ({tokens}), at list prices {expensive.Price.Version} (${current:0.####}) and {tested.Price.Version} (${tested.Cost:0.####}) from the price catalog, as in force on {now:yyyy-MM-dd}. Another model may use a different number of tokens for the same work.");
            hints.Add(new CostHint(CostHintKind.CheaperModel, title, detail, decimal.Round(current - tested.Cost, 4), assumptions, from, to, untested));
        }
    }

    /// <summary>
    /// Cost of a window's tokens at one price. Long-context tiers are chosen by the average input per request
    /// (the window keeps sums, not each request); embeddings bill input only.
    /// </summary>
    private static decimal Reprice(PriceEntry price, ModelClass modelClass, SummaryReport stats)
    {
        var rates = price.RatesFor(stats.Requests > 0 ? stats.InputTokens / stats.Requests : 0);
        if (modelClass == ModelClass.Embedding)
        {
            return Math.Max(0, stats.InputTokens) * rates.Input / 1_000_000m;
        }

        var cacheRead = Math.Max(0, stats.CachedInputTokens);
        var cacheWrite = Math.Max(0, stats.CacheCreationInputTokens);
        var reasoning = Math.Max(0, stats.ReasoningTokens);
        var uncached = Math.Max(0, stats.InputTokens - cacheRead - cacheWrite);
        var plainOutput = Math.Max(0, stats.OutputTokens - reasoning);
        return ((uncached * rates.Input) + (cacheRead * rates.CachedInput) + (cacheWrite * rates.CacheCreation)
            + (plainOutput * rates.Output) + (reasoning * rates.Reasoning)) / 1_000_000m;
    }

    private static string Share(long part, long whole) => ((double)part / whole).ToString("0%", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
