using Conciergus.Core.Model;

namespace Conciergus.Dashboard.Tests.History;

/// <summary>Deterministic operations spread over a month, denser towards the end so every ring gets many buckets.</summary>
internal static class HistoryTestData
{
    /// <summary>The "now" of the tests: a whole hour plus a few seconds, so windows start mid-bucket.</summary>
    public static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 7, TimeSpan.Zero);

    private static readonly (string Provider, string Model)[] Models =
        [("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4-5"), ("google", "gemini-2.5-pro")];

    private static readonly string[] Applications = ["support-bot", "search", "batch"];
    private static readonly ErrorCategory[] Categories = [ErrorCategory.RateLimit, ErrorCategory.Timeout, ErrorCategory.ServerError];

    /// <summary>
    /// Operations that ended in (now - <paramref name="days"/>, now], each with an arrival delay (0 to 20 s, some 0), sorted by end time.
    /// A third end in the last 48 h and a tenth in the last 15 min.
    /// </summary>
    public static List<(AiOperation Operation, TimeSpan Delay)> Month(int count, int seed = 42, double days = 35)
    {
        var random = new Random(seed);
        var result = new List<(AiOperation, TimeSpan)>(count);
        for (var i = 0; i < count; i++)
        {
            var roll = random.NextDouble();
            var ago = roll < 0.1 ? TimeSpan.FromSeconds(random.NextDouble() * 15 * 60)
                : roll < 0.33 ? TimeSpan.FromHours(random.NextDouble() * 48)
                : TimeSpan.FromDays(random.NextDouble() * days);
            var end = Now - ago;
            var (provider, model) = Models[random.Next(Models.Length)];
            var error = random.NextDouble() < 0.08;
            var duration = Math.Round(20 + (random.NextDouble() * random.NextDouble() * 9000), 3);
            var unpriced = model == "gemini-2.5-pro" && random.NextDouble() < 0.5;
            var input = random.Next(10, 5000);
            var cached = random.Next(0, input / 2);
            var output = random.Next(1, 800);
            var operation = new AiOperation
            {
                OperationId = $"op-{seed}-{i}",
                StartTime = end.AddMilliseconds(-duration),
                DurationMs = duration,
                TimeToFirstTokenMs = random.NextDouble() < 0.5 ? Math.Round(duration * random.NextDouble(), 3) : null,
                Provider = provider,
                RequestModel = model,
                Operation = random.NextDouble() < 0.8 ? AiOperationKinds.Chat : AiOperationKinds.Embeddings,
                Application = Applications[random.Next(Applications.Length)],
                InputTokens = input,
                CachedInputTokens = cached,
                OutputTokens = output,
                ReasoningTokens = random.Next(0, output),
                Pricing = unpriced ? PricingStatus.Unpriced : PricingStatus.Priced,
                CostUsd = unpriced ? null : Math.Round((decimal)random.NextDouble() / 100m, 8),
                Status = error ? AiOperationStatus.Error : AiOperationStatus.Ok,
                ErrorCategory = error ? Categories[random.Next(Categories.Length)] : ErrorCategory.None,
                UserId = random.NextDouble() < 0.7 ? "u-" + random.Next(0, 40) : null,
                Environment = random.NextDouble() < 0.5 ? "eu" : null,
                FunctionId = random.NextDouble() < 0.3 ? "summarize" : null,
                ExperimentKey = random.NextDouble() < 0.2 ? "prompt-v2" : null,
                ExperimentVariant = random.NextDouble() < 0.5 ? "control" : "treatment",
            };
            var delay = random.NextDouble() < 0.5 ? TimeSpan.Zero : TimeSpan.FromSeconds(random.NextDouble() * 20);
            result.Add((operation, delay));
        }

        result.Sort((a, b) => a.Item1.EndTime.CompareTo(b.Item1.EndTime));
        return result;
    }
}
