using Conciergus.Core.Telemetry;
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
            ErrorCategory = failed ? Core.Errors.ErrorCategory.RateLimit : Core.Errors.ErrorCategory.None,
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

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
