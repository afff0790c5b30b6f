using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

namespace Conciergus.Benchmarks;

/// <summary>A clock the benchmark sets by hand (no timers).</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <summary>The current time.</summary>
    public DateTimeOffset Now { get; set; } = now;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>Realistic operations for the benchmarks.</summary>
public static class BenchData
{
    /// <summary>Start of the recorded hour (a whole hour, UTC).</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 1, 11, 0, 0, TimeSpan.Zero);

    private static readonly (string Provider, string Model)[] Models =
    [
        ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"), ("gcp.gemini", "gemini-2.5-flash"),
    ];

    /// <summary>A chat call as the middleware records it: priced, streamed, with environment and function id.</summary>
    public static AiOperation Operation(Random random, DateTimeOffset end)
    {
        var (provider, model) = Models[random.Next(Models.Length)];
        var duration = Math.Exp(Math.Log(900) + (0.8 * Normal(random)));
        var failed = random.NextDouble() < 0.02;
        return new AiOperation
        {
            OperationId = "op",
            StartTime = end.AddMilliseconds(-duration),
            DurationMs = duration,
            TimeToFirstTokenMs = duration * 0.3,
            Operation = AiOperationKinds.Chat,
            Provider = provider,
            RequestModel = model,
            Application = "support-bot",
            Environment = "production",
            FunctionId = "answer-ticket",
            InputTokens = 1_200,
            CachedInputTokens = 800,
            OutputTokens = 350,
            CostUsd = 0.0042m,
            Pricing = PricingStatus.Priced,
            Status = failed ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = failed ? Core.Model.ErrorCategory.RateLimit : Core.Model.ErrorCategory.None,
        };
    }

    /// <summary>A cache holding <paramref name="count"/> operations spread evenly over the hour after <see cref="Start"/>.</summary>
    public static (TimeSeriesCache Cache, ManualTimeProvider Clock) FilledCache(int count)
    {
        var clock = new ManualTimeProvider(Start);
        var cache = new TimeSeriesCache(new TimeSeriesOptions(), clock);
        var random = new Random(42);
        var spacing = TimeSpan.FromHours(1) / count;
        for (var i = 0; i < count; i++)
        {
            var end = Start + (spacing * i);
            clock.Now = end;
            cache.Record(Operation(random, end));
        }

        clock.Now = Start.AddHours(1);
        return (cache, clock);
    }

    private static readonly (string Provider, string Model)[] MixModels =
    [
        ("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("openai", "o3-mini"), ("anthropic", "claude-sonnet-4"),
        ("anthropic", "claude-3-5-haiku"), ("gcp.gemini", "gemini-2.5-flash"), ("gcp.gemini", "gemini-2.5-pro"),
        ("aws.bedrock", "amazon.nova-pro-v1"),
    ];

    private static readonly string[] Applications = ["support-bot", "search", "checkout-assistant", "docs-qa"];

    private static readonly string[] Environments = ["production", "staging"];

    private static readonly Core.Model.ErrorCategory[] FailureCategories =
    [
        Core.Model.ErrorCategory.RateLimit, Core.Model.ErrorCategory.Timeout, Core.Model.ErrorCategory.ServerError,
        Core.Model.ErrorCategory.ContentFilter,
    ];

    /// <summary>
    /// The realistic mix: 8 models over 4 providers, 4 applications, 2 environments, 12 function ids, 5% embeddings,
    /// 3% failures over 4 categories, 20% in a two-variant experiment, 200 users. Priced like the middleware's
    /// operations after the collector priced them.
    /// </summary>
    public static AiOperation MixOperation(Random random, DateTimeOffset end)
    {
        var (provider, model) = MixModels[random.Next(MixModels.Length)];
        var embeddings = random.NextDouble() < 0.05;
        var duration = embeddings ? 40 + (random.NextDouble() * 80) : Math.Exp(Math.Log(900) + (0.8 * Normal(random)));
        var failed = random.NextDouble() < 0.03;
        var experiment = random.NextDouble() < 0.2;
        return new AiOperation
        {
            OperationId = "op",
            StartTime = end.AddMilliseconds(-duration),
            DurationMs = duration,
            TimeToFirstTokenMs = embeddings ? null : duration * (0.2 + (random.NextDouble() * 0.2)),
            Operation = embeddings ? AiOperationKinds.Embeddings : AiOperationKinds.Chat,
            Provider = provider,
            RequestModel = model,
            Application = Applications[random.Next(Applications.Length)],
            Environment = Environments[random.Next(10) < 8 ? 0 : 1],
            FunctionId = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"function-{random.Next(12):00}"),
            UserId = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"user-{random.Next(200):000}"),
            ExperimentKey = experiment ? "prompt-v2" : null,
            ExperimentVariant = experiment ? (random.Next(2) == 0 ? "control" : "treatment") : null,
            InputTokens = 200 + random.Next(3_000),
            CachedInputTokens = random.Next(200),
            OutputTokens = embeddings ? 0 : 50 + random.Next(800),
            CostUsd = 0.0001m * (1 + random.Next(100)),
            Pricing = PricingStatus.Priced,
            Status = failed ? AiOperationStatus.Error : AiOperationStatus.Ok,
            ErrorCategory = failed ? FailureCategories[random.Next(FailureCategories.Length)] : Core.Model.ErrorCategory.None,
        };
    }

    /// <summary>
    /// Far enough ahead of any clock the benchmarks use that the cache clamps the completion to "now": a prebuilt
    /// operation then lands in the bucket in progress, as a call that just finished does.
    /// </summary>
    public static DateTimeOffset JustFinished { get; } = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
