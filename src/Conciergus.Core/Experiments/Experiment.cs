using Conciergus.Core.Audit;
namespace Conciergus.Core.Experiments;

/// <summary>Lifecycle state of an experiment: draft -> running -> paused -> running -> completed | cancelled.</summary>
public enum ExperimentState
{
    /// <summary>Being prepared; everything may be edited.</summary>
    Draft = 0,

    /// <summary>Assigning users and collecting outcomes; variants, weights, coverage and seed are frozen.</summary>
    Running = 1,

    /// <summary>Temporarily not assigning; calls go out unchanged. Resume with start.</summary>
    Paused = 2,

    /// <summary>Stopped, optionally with a winner. Final.</summary>
    Completed = 3,

    /// <summary>Abandoned. Final.</summary>
    Cancelled = 4,
}

/// <summary>What an experiment varies.</summary>
public enum ExperimentType
{
    /// <summary>Models.</summary>
    Model = 0,

    /// <summary>Prompts.</summary>
    Prompt = 1,

    /// <summary>Parameters (temperature, max tokens, ...).</summary>
    Parameters = 2,

    /// <summary>Several of the above.</summary>
    Mixed = 3,
}

/// <summary>An A/B experiment (DESIGN.md section 8). Persisted in the "experiments" collection; changed with <c>with</c>.</summary>
public sealed record Experiment
{
    /// <summary>Unique key (lower-case letters, digits, '-', '_', '.').</summary>
    public required string Key { get; init; }

    /// <summary>Display name.</summary>
    public string Name { get; init; } = "";

    /// <summary>What the experiment expects to show.</summary>
    public string? Hypothesis { get; init; }

    /// <summary>What it varies.</summary>
    public ExperimentType Type { get; init; } = ExperimentType.Mixed;

    /// <summary>Version: starts at 1, bumps when a new version replaces the variants of a stopped or paused experiment.</summary>
    public int Version { get; init; } = 1;

    /// <summary>Lifecycle state.</summary>
    public ExperimentState State { get; init; } = ExperimentState.Draft;

    /// <summary>Variants; the first one is control.</summary>
    public IReadOnlyList<ExperimentVariantDefinition> Variants { get; init; } = [];

    /// <summary>Share of targeted users in the experiment, 0 to 1.</summary>
    public double Coverage { get; init; } = 1.0;

    /// <summary>Hash seed; null means the key (GrowthBook's default).</summary>
    public string? Seed { get; init; }

    /// <summary>GrowthBook hash version, 1 or 2.</summary>
    public int HashVersion { get; init; } = 2;

    /// <summary>Which calls the experiment applies to.</summary>
    public ExperimentTargeting Targeting { get; init; } = new();

    /// <summary>Primary metric (success_rate, latency, ttft, cost_per_request, tokens, or an event name).</summary>
    public string PrimaryMetric { get; init; } = ExperimentMetrics.SuccessRate;

    /// <summary>Guardrail metrics: a significant regression on any of them blocks a winner.</summary>
    public IReadOnlyList<string> GuardrailMetrics { get; init; } = [];

    /// <summary>Users per variant needed before any decision.</summary>
    public int MinimumSampleSize { get; init; } = 100;

    /// <summary>Significance level alpha (default 0.05).</summary>
    public double SignificanceLevel { get; init; } = 0.05;

    /// <summary>Relative minimum detectable effect used for power and the remaining sample size (default 5%).</summary>
    public double MinimumDetectableEffect { get; init; } = 0.05;

    /// <summary>Use anytime-valid confidence sequences (default) instead of fixed-horizon tests.</summary>
    public bool Sequential { get; init; } = true;

    /// <summary>How long the experiment is planned to run, when set.</summary>
    public TimeSpan? PlannedDuration { get; init; }

    /// <summary>Winning variant chosen at stop, when any.</summary>
    public string? Winner { get; init; }

    /// <summary>When and by whom it was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it.</summary>
    public string CreatedBy { get; init; } = "system";

    /// <summary>When it last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When it first started running (results are counted from here).</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it completed or was cancelled.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>Every lifecycle transition with who and when, oldest first.</summary>
    public IReadOnlyList<ExperimentTransition> History { get; init; } = [];

    /// <summary>The seed used for hashing: <see cref="Seed"/>, else the key.</summary>
    public string EffectiveSeed => string.IsNullOrEmpty(Seed) ? Key : Seed;

    /// <summary>The control variant (the first).</summary>
    public ExperimentVariantDefinition Control => Variants[0];

    /// <summary>Whether the experiment has ended (completed or cancelled).</summary>
    public bool IsFinal => State is ExperimentState.Completed or ExperimentState.Cancelled;
}

/// <summary>One variant: a key, a weight and what it changes in the request.</summary>
public sealed record ExperimentVariantDefinition
{
    /// <summary>Variant key (unique within the experiment).</summary>
    public required string Key { get; init; }

    /// <summary>Display name (defaults to the key).</summary>
    public string? Name { get; init; }

    /// <summary>Relative traffic weight; weights should sum to 1 (else equal weights are used).</summary>
    public double Weight { get; init; }

    /// <summary>What the variant changes.</summary>
    public VariantOverrides Overrides { get; init; } = new();
}

/// <summary>Request overrides of a variant; unset values leave the caller's request unchanged.</summary>
public sealed record VariantOverrides
{
    /// <summary>Model id to send.</summary>
    public string? ModelId { get; init; }

    /// <summary>
    /// Provider that serves <see cref="ModelId"/>. The pipeline's inner client is the real provider, so the override
    /// applies only to calls of this provider (or, when unset, of the catalog's provider of the model).
    /// </summary>
    public string? Provider { get; init; }

    /// <summary>System prompt: replaces the first system message, or is inserted first.</summary>
    public string? SystemPrompt { get; init; }

    /// <summary>
    /// Template for the last user message; <c>{{input}}</c> is the caller's text and <c>{{name}}</c> any
    /// variable from <see cref="Variables"/> or the call's string AdditionalProperties.
    /// </summary>
    public string? PromptTemplate { get; init; }

    /// <summary>Values for the template's variables.</summary>
    public IReadOnlyDictionary<string, string>? Variables { get; init; }

    /// <summary>Temperature.</summary>
    public float? Temperature { get; init; }

    /// <summary>Max output tokens.</summary>
    public int? MaxTokens { get; init; }

    /// <summary>Other options: top_p, top_k, frequency_penalty, presence_penalty, seed map to ChatOptions; the rest go to AdditionalProperties.</summary>
    public IReadOnlyDictionary<string, string>? Options { get; init; }

    /// <summary>Whether nothing is overridden.</summary>
    public bool IsEmpty => ModelId is null && SystemPrompt is null && PromptTemplate is null && Temperature is null
        && MaxTokens is null && (Options is null || Options.Count == 0);
}

/// <summary>Which calls an experiment applies to; empty lists match everything.</summary>
public sealed record ExperimentTargeting
{
    /// <summary>Applications (service.name), case-insensitive.</summary>
    public IReadOnlyList<string> Applications { get; init; } = [];

    /// <summary>Environments, case-insensitive.</summary>
    public IReadOnlyList<string> Environments { get; init; } = [];

    /// <summary>Attribute conditions: the call's AdditionalProperties (or function id, session id) must equal these values.</summary>
    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>One lifecycle transition.</summary>
/// <param name="Action">create, update, start, pause, resume, stop, cancel.</param>
/// <param name="From">State before.</param>
/// <param name="To">State after.</param>
/// <param name="Actor">Who.</param>
/// <param name="At">When (UTC).</param>
public sealed record ExperimentTransition(string Action, ExperimentState From, ExperimentState To, string Actor, DateTimeOffset At);

/// <summary>Built-in metric names.</summary>
public static class ExperimentMetrics
{
    /// <summary>Share of operations that succeeded (two-proportion z-test over operations).</summary>
    public const string SuccessRate = "success_rate";

    /// <summary>Mean latency in ms per operation (Welch).</summary>
    public const string Latency = "latency";

    /// <summary>95th percentile latency (from a mergeable sketch; lift only, a regression beyond 10% blocks).</summary>
    public const string LatencyP95 = "latency_p95";

    /// <summary>Mean time to first token in ms (streaming operations, Welch).</summary>
    public const string TimeToFirstToken = "ttft";

    /// <summary>Mean cost in USD per operation (Welch).</summary>
    public const string CostPerRequest = "cost_per_request";

    /// <summary>Mean total tokens per operation (Welch).</summary>
    public const string Tokens = "tokens";

    /// <summary>How much worse latency_p95 (which has no test) may get before it counts as a regression: 10%.</summary>
    public const double P95Tolerance = 0.10;

    /// <summary>The metrics computed from operations.</summary>
    public static IReadOnlyList<string> Operational { get; } = [SuccessRate, Latency, LatencyP95, TimeToFirstToken, CostPerRequest, Tokens];

    /// <summary>Whether a larger value is better (false for latency, cost and tokens).</summary>
    public static bool HigherIsBetter(string metric) =>
        metric is not (Latency or LatencyP95 or TimeToFirstToken or CostPerRequest or Tokens);
}
