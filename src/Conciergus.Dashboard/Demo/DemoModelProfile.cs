namespace Conciergus.Dashboard.Demo;

/// <summary>Probability per call of each simulated failure (before incidents raise them).</summary>
public sealed record DemoFailureRates
{
    /// <summary>HTTP 429 rate limited.</summary>
    public double RateLimit { get; init; } = 0.010;

    /// <summary>HTTP 500 internal error.</summary>
    public double ServerError { get; init; } = 0.003;

    /// <summary>HTTP 503 unavailable (or the provider's overloaded status).</summary>
    public double Unavailable { get; init; } = 0.003;

    /// <summary>The client gave up waiting (TimeoutException).</summary>
    public double Timeout { get; init; } = 0.002;

    /// <summary>Prompt too long for the context window (HTTP 400).</summary>
    public double ContextLength { get; init; } = 0.003;

    /// <summary>Safety system refused (HTTP 400 content filter).</summary>
    public double ContentFilter { get; init; } = 0.002;

    /// <summary>Bad or revoked key (HTTP 401).</summary>
    public double Authentication { get; init; } = 0.0005;
}

/// <summary>How one simulated model behaves: latency, throughput, token shapes and failure rates.</summary>
public sealed record DemoModelProfile
{
    /// <summary>Provider name as a client reports it (openai, anthropic, gcp.gemini, mistral_ai).</summary>
    public required string Provider { get; init; }

    /// <summary>Model id callers ask for.</summary>
    public required string Model { get; init; }

    /// <summary>Model id the provider answers with (often a dated variant).</summary>
    public required string ResponseModel { get; init; }

    /// <summary>Median time to first token in ms (log-normal).</summary>
    public double MedianTimeToFirstTokenMs { get; init; } = 500;

    /// <summary>Log-normal sigma of time to first token.</summary>
    public double TimeToFirstTokenSigma { get; init; } = 0.45;

    /// <summary>Median output throughput in tokens per second (log-normal, sigma 0.25).</summary>
    public double TokensPerSecond { get; init; } = 80;

    /// <summary>Median prompt size in tokens (log-normal).</summary>
    public double MedianInputTokens { get; init; } = 1200;

    /// <summary>Median visible answer size in tokens (log-normal).</summary>
    public double MedianOutputTokens { get; init; } = 220;

    /// <summary>Median hidden reasoning tokens; 0 for models that do not reason.</summary>
    public double MedianReasoningTokens { get; init; }

    /// <summary>Share of calls that hit the prompt cache.</summary>
    public double CacheHitRate { get; init; } = 0.3;

    /// <summary>Share of calls that write the prompt cache (providers with explicit cache writes).</summary>
    public double CacheWriteRate { get; init; }

    /// <summary>Share of successful calls cut off at the output limit (finish reason "length").</summary>
    public double LengthFinishRate { get; init; } = 0.02;

    /// <summary>Per-call failure probabilities.</summary>
    public DemoFailureRates Failures { get; init; } = new();

    /// <summary>HTTP status this provider uses for "overloaded" (Anthropic: 529).</summary>
    public int OverloadedStatus { get; init; } = 503;

    /// <summary>The models the demo drives, with rough public latency and pricing shapes.</summary>
    public static IReadOnlyList<DemoModelProfile> Catalog { get; } =
    [
        new() { Provider = "openai", Model = "gpt-4o", ResponseModel = "gpt-4o-2024-08-06", MedianTimeToFirstTokenMs = 450, TokensPerSecond = 90, CacheHitRate = 0.35 },
        new()
        {
            Provider = "openai", Model = "gpt-4o-mini", ResponseModel = "gpt-4o-mini-2024-07-18", MedianTimeToFirstTokenMs = 320,
            TokensPerSecond = 140, MedianInputTokens = 900, MedianOutputTokens = 180, CacheHitRate = 0.3,
            Failures = new() { RateLimit = 0.006, ServerError = 0.002, Unavailable = 0.002 },
        },
        new()
        {
            Provider = "openai", Model = "o4-mini", ResponseModel = "o4-mini-2025-04-16", MedianTimeToFirstTokenMs = 2600, TimeToFirstTokenSigma = 0.6,
            TokensPerSecond = 120, MedianReasoningTokens = 900, MedianOutputTokens = 260, CacheHitRate = 0.25,
            Failures = new() { RateLimit = 0.012, Timeout = 0.008, ContextLength = 0.004 },
        },
        new()
        {
            Provider = "anthropic", Model = "claude-sonnet-4-5", ResponseModel = "claude-sonnet-4-5-20250929", MedianTimeToFirstTokenMs = 900,
            TokensPerSecond = 70, MedianInputTokens = 2400, MedianOutputTokens = 320, CacheHitRate = 0.45, CacheWriteRate = 0.15, OverloadedStatus = 529,
            Failures = new() { RateLimit = 0.012, Unavailable = 0.008, ContentFilter = 0.001 },
        },
        new()
        {
            Provider = "anthropic", Model = "claude-haiku-4-5", ResponseModel = "claude-haiku-4-5-20251001", MedianTimeToFirstTokenMs = 420,
            TokensPerSecond = 150, MedianInputTokens = 1500, MedianOutputTokens = 160, CacheHitRate = 0.4, CacheWriteRate = 0.15, OverloadedStatus = 529,
            Failures = new() { RateLimit = 0.008, Unavailable = 0.006 },
        },
        new()
        {
            Provider = "gcp.gemini", Model = "gemini-2.5-flash", ResponseModel = "gemini-2.5-flash", MedianTimeToFirstTokenMs = 600,
            TokensPerSecond = 180, MedianReasoningTokens = 350, MedianOutputTokens = 240, CacheHitRate = 0.2,
            Failures = new() { RateLimit = 0.010, Unavailable = 0.008, ContentFilter = 0.004 },
        },
        new()
        {
            Provider = "mistral_ai", Model = "mistral-large-latest", ResponseModel = "mistral-large-2411", MedianTimeToFirstTokenMs = 550,
            TokensPerSecond = 60, CacheHitRate = 0,
            Failures = new() { RateLimit = 0.015, ServerError = 0.006, Timeout = 0.004 },
        },
    ];

    /// <summary>The catalog entry for a model, or a generic profile.</summary>
    public static DemoModelProfile For(string provider, string model) =>
        Catalog.FirstOrDefault(p => p.Provider == provider && p.Model == model)
        ?? new DemoModelProfile { Provider = provider, Model = model, ResponseModel = model };
}
