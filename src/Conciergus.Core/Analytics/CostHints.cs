using System.Globalization;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.Analytics;

/// <summary>What an optimisation hint is about.</summary>
public enum CostHintKind
{
    /// <summary>Traffic on an expensive model whose latency and error rate a cheaper one matches.</summary>
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
public sealed record CostHint(CostHintKind Kind, string Title, string Detail, decimal? EstimatedSavingsUsd);

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
}

public sealed partial class AnalyticsService
{
    private static readonly string[] RetryableCategories = ["rate_limit", "timeout", "server_error", "network"];

    /// <summary>Optimisation hints computed from the read models over the window, largest saving first.</summary>
    public IReadOnlyList<CostHint> CostHints(TimeSpan window, CostHintOptions? options = null)
    {
        var o = options ?? new CostHintOptions();
        var hints = new List<CostHint>();
        var total = Summary(window);
        if (total.Requests == 0)
        {
            return hints;
        }

        var models = Models(window).Where(m => m.Priced && m.Stats.Requests >= o.MinRequests && m.Stats.CostUsd > 0).ToList();
        foreach (var expensive in models)
        {
            var perRequest = expensive.Stats.CostUsd / expensive.Stats.Requests;
            var match = models
                .Where(c => c != expensive
                    && (double)(c.Stats.CostUsd / c.Stats.Requests) <= (double)perRequest * o.MaxCostRatio
                    && c.Stats.ErrorRate <= expensive.Stats.ErrorRate + o.ErrorRateTolerance
                    && c.Stats.LatencyMs.P95 is { } p95 && expensive.Stats.LatencyMs.P95 is { } e95 && p95 <= e95 * o.LatencyTolerance)
                .OrderBy(c => c.Stats.CostUsd / c.Stats.Requests)
                .FirstOrDefault();
            if (match is null)
            {
                continue;
            }

            var cheapPerRequest = match.Stats.CostUsd / match.Stats.Requests;
            var savings = (perRequest - cheapPerRequest) * expensive.Stats.Requests;
            hints.Add(new CostHint(
                CostHintKind.CheaperModel,
                $"{Share(expensive.Stats.Requests, total.Requests)} of traffic runs on {expensive.Provider}/{expensive.Model}; {match.Provider}/{match.Model} matches its latency and error rate",
                Invariant($"{expensive.Model}: ${perRequest:0.#####}/request, p95 {expensive.Stats.LatencyMs.P95:0} ms, {expensive.Stats.ErrorRate:0.0%} errors. {match.Model}: ${cheapPerRequest:0.#####}/request, p95 {match.Stats.LatencyMs.P95:0} ms, {match.Stats.ErrorRate:0.0%} errors."),
                decimal.Round(savings, 4)));
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

    private static string Share(long part, long whole) => ((double)part / whole).ToString("0%", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
