using System.Globalization;

using Conciergus.Core.Model;

namespace Conciergus.Dashboard.Tests.Pricing;

/// <summary>Small factories for pricing tests.</summary>
internal static class PricingTestData
{
    public static AiOperation Operation(
        string model,
        long input = 0,
        long output = 0,
        long cached = 0,
        long creation = 0,
        long reasoning = 0,
        string provider = "openai",
        string start = "2025-11-01",
        string? responseModel = null,
        string operation = AiOperationKinds.Chat) => new()
        {
            OperationId = Guid.NewGuid().ToString("N"),
            StartTime = DateTimeOffset.Parse(start, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
            Provider = provider,
            RequestModel = model,
            ResponseModel = responseModel,
            Operation = operation,
            InputTokens = input,
            OutputTokens = output,
            CachedInputTokens = cached,
            CacheCreationInputTokens = creation,
            ReasoningTokens = reasoning,
        };

    public static decimal Usd(string value) => decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    /// <summary>Writes a catalog file into a fresh temp directory and returns its path.</summary>
    public static string WriteCatalog(string json)
    {
        var directory = Path.Combine(Path.GetTempPath(), "conciergus-pricing-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "prices.json");
        File.WriteAllText(path, json);
        return path;
    }
}
