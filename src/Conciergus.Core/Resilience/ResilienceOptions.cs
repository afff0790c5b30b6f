using Conciergus.Core.Model;

using Microsoft.Extensions.Options;

namespace Conciergus.Core.Resilience;

/// <summary>Retries, circuit breakers and fallback chains of the resilience middleware ("Conciergus:Resilience").</summary>
public sealed class ResilienceOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Conciergus:Resilience";

    /// <summary>Retry with exponential backoff and jitter.</summary>
    public RetrySettings Retry { get; set; } = new();

    /// <summary>Circuit breaker per provider + model.</summary>
    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();

    /// <summary>
    /// Fallback chains for every application: requested model -> models to try next, in order. An entry is
    /// "model" (same provider as the inner client) or "provider/model".
    /// </summary>
    public Dictionary<string, List<string>> Fallbacks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Per application (service.name) overrides; an application's chain for a model replaces the global one.</summary>
    public Dictionary<string, ApplicationResilienceSettings> Applications { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The auto-scaling signal.</summary>
    public ScalingSignalSettings Signals { get; set; } = new();

    /// <summary>The fallback chain (without the requested model) for <paramref name="application"/> and <paramref name="model"/>.</summary>
    public IReadOnlyList<string> FallbacksFor(string application, string model)
    {
        if (Applications.TryGetValue(application, out var app))
        {
            if (app.Fallbacks.TryGetValue(model, out var own))
            {
                return own;
            }

            if (app.DisableGlobalFallbacks)
            {
                return [];
            }
        }

        return Fallbacks.TryGetValue(model, out var chain) ? chain : [];
    }
}

/// <summary>Retry settings.</summary>
public sealed class RetrySettings
{
    /// <summary>Retries after the first attempt on the same model (0 disables retries).</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Delay before the first retry; doubles with each retry.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound on a backoff delay (before jitter).</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jitter: the delay is scaled by a uniform factor in [1 - f, 1 + f].</summary>
    public double JitterFraction { get; set; } = 0.2;

    /// <summary>A Retry-After longer than this is not waited for: the call moves to the fallback chain instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Error categories retried (wire names); others fail at once.</summary>
    public List<string> RetryOn { get; set; } = ["rate_limit", "timeout", "server_error", "network"];
}

/// <summary>Circuit breaker settings (Polly's failure-ratio breaker).</summary>
public sealed class CircuitBreakerSettings
{
    /// <summary>Failure ratio in the sampling window that opens the circuit (0 &lt; x &lt;= 1).</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed in the window before the ratio counts (at least 2).</summary>
    public int MinimumThroughput { get; set; } = 10;

    /// <summary>Sampling window (at least 500 ms).</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the circuit stays open before one half-open probe (at least 500 ms).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Per application settings.</summary>
public sealed class ApplicationResilienceSettings
{
    /// <summary>Requested model -> fallbacks for this application.</summary>
    public Dictionary<string, List<string>> Fallbacks { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>When true, models without an application chain get no fallback (the global chains are ignored).</summary>
    public bool DisableGlobalFallbacks { get; set; }
}

/// <summary>Settings of the auto-scaling signal (GET /api/v1/signals, conciergus_recommended_concurrency).</summary>
public sealed class ScalingSignalSettings
{
    /// <summary>Window the rate and latency are measured over; the trend compares it with the window before.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Head-room multiplier on the Little's-law concurrency (1.25 = 25% spare).</summary>
    public double Headroom { get; set; } = 1.25;

    /// <summary>Concurrent AI calls one replica of the application handles; the replica hint divides by it.</summary>
    public int ConcurrencyPerReplica { get; set; } = 16;
}

/// <summary>Says in words what is wrong with <see cref="ResilienceOptions"/>.</summary>
internal sealed class ResilienceOptionsValidator : IValidateOptions<ResilienceOptions>
{
    public ValidateOptionsResult Validate(string? name, ResilienceOptions options)
    {
        var failures = new List<string>();
        var retry = options.Retry;
        if (retry.MaxRetries is < 0 or > 10)
        {
            failures.Add($"Conciergus:Resilience:Retry:MaxRetries must be between 0 and 10 (was {retry.MaxRetries}).");
        }

        if (retry.BaseDelay <= TimeSpan.Zero || retry.MaxDelay < retry.BaseDelay)
        {
            failures.Add("Conciergus:Resilience:Retry:BaseDelay must be positive and MaxDelay at least BaseDelay.");
        }

        if (retry.JitterFraction is < 0 or >= 1)
        {
            failures.Add($"Conciergus:Resilience:Retry:JitterFraction must be in [0, 1) (was {retry.JitterFraction}).");
        }

        foreach (var category in retry.RetryOn)
        {
            if (!ErrorCategoryNames.TryParse(category, out _))
            {
                failures.Add($"Conciergus:Resilience:Retry:RetryOn has '{category}', which is not an error category (rate_limit, timeout, server_error, network, ...).");
            }
        }

        var breaker = options.CircuitBreaker;
        if (!(breaker.FailureRatio > 0 && breaker.FailureRatio <= 1))
        {
            failures.Add($"Conciergus:Resilience:CircuitBreaker:FailureRatio must be greater than 0 and at most 1 (was {breaker.FailureRatio}).");
        }

        if (breaker.MinimumThroughput < 2)
        {
            failures.Add($"Conciergus:Resilience:CircuitBreaker:MinimumThroughput must be at least 2 (was {breaker.MinimumThroughput}).");
        }

        if (breaker.SamplingDuration < TimeSpan.FromMilliseconds(500) || breaker.BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            failures.Add("Conciergus:Resilience:CircuitBreaker:SamplingDuration and BreakDuration must be at least 500 ms.");
        }

        var signals = options.Signals;
        if (signals.Window < TimeSpan.FromSeconds(10) || signals.Headroom < 1 || signals.ConcurrencyPerReplica < 1)
        {
            failures.Add("Conciergus:Resilience:Signals: Window must be at least 10 s, Headroom at least 1 and ConcurrencyPerReplica at least 1.");
        }

        foreach (var (model, chain) in options.Fallbacks.Concat(options.Applications.Values.SelectMany(a => a.Fallbacks)))
        {
            if (chain.Any(string.IsNullOrWhiteSpace) || chain.Any(c => ModelTarget.Parse(c, null).Model.Equals(model, StringComparison.OrdinalIgnoreCase)))
            {
                failures.Add($"Conciergus:Resilience fallback chain for '{model}' has an empty entry or falls back to itself.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
