namespace Conciergus.Core.TimeSeries;

/// <summary>Sums and sketches of one series over a time range (a bucket or merged buckets).</summary>
public sealed class WindowAggregate
{
    /// <summary>Operations.</summary>
    public long Requests { get; set; }

    /// <summary>Failed operations.</summary>
    public long Errors { get; set; }

    /// <summary>Input tokens (including cached and cache-creation).</summary>
    public long InputTokens { get; set; }

    /// <summary>Output tokens (including reasoning).</summary>
    public long OutputTokens { get; set; }

    /// <summary>Cached-read input tokens.</summary>
    public long CachedInputTokens { get; set; }

    /// <summary>Cache-creation input tokens.</summary>
    public long CacheCreationInputTokens { get; set; }

    /// <summary>Reasoning output tokens.</summary>
    public long ReasoningTokens { get; set; }

    /// <summary>Cost of priced (and provided) operations, USD.</summary>
    public decimal CostUsd { get; set; }

    /// <summary>Operations whose model is unpriced (their cost is unknown, not zero).</summary>
    public long UnpricedRequests { get; set; }

    /// <summary>Latency (ms) sketch.</summary>
    public LatencySketch Latency { get; } = new();

    /// <summary>Time to first token (ms) sketch; only operations that reported one.</summary>
    public LatencySketch TimeToFirstToken { get; } = new();

    /// <summary>Completion time of the newest operation in the range, when any.</summary>
    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>Error rate 0..1 (0 when there were no requests).</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>Adds another aggregate into this one.</summary>
    public void Merge(WindowAggregate other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Requests += other.Requests;
        Errors += other.Errors;
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        CachedInputTokens += other.CachedInputTokens;
        CacheCreationInputTokens += other.CacheCreationInputTokens;
        ReasoningTokens += other.ReasoningTokens;
        CostUsd += other.CostUsd;
        UnpricedRequests += other.UnpricedRequests;
        Latency.Merge(other.Latency);
        TimeToFirstToken.Merge(other.TimeToFirstToken);
        if (other.LastSeen is { } seen && (LastSeen is null || seen > LastSeen))
        {
            LastSeen = seen;
        }
    }
}

/// <summary>One step of a range query: the step's start and its aggregate.</summary>
/// <param name="Start">Start of the step (inclusive).</param>
/// <param name="Aggregate">What the cache holds for that step.</param>
public readonly record struct BucketPoint(DateTimeOffset Start, WindowAggregate Aggregate);
