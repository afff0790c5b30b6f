using Conciergus.Core.Model;
using Conciergus.Core.TimeSeries;

using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.TimeSeries;

/// <summary>Small factories for the time-series tests.</summary>
internal static class TimeSeriesTestData
{
    /// <summary>A whole minute, so second and minute buckets start exactly here.</summary>
    public static readonly DateTimeOffset Noon = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider Clock(DateTimeOffset? at = null) => new(at ?? Noon);

    public static TimeSeriesOptions Options(
        int maxSeriesPerDimension = 200,
        int maxUsersPerDay = 10_000,
        int userLedgerDays = 35,
        params (TimeSpan Step, TimeSpan Retention)[] resolutions)
    {
        var options = new TimeSeriesOptions
        {
            MaxSeriesPerDimension = maxSeriesPerDimension,
            MaxUsersPerDay = maxUsersPerDay,
            UserLedgerDays = userLedgerDays,
        };
        if (resolutions.Length > 0)
        {
            options.Resolutions = resolutions.Select(r => new ResolutionOptions { Step = r.Step, Retention = r.Retention }).ToList();
        }

        return options;
    }

    /// <summary>An operation that completes at <paramref name="end"/> (start = end - duration).</summary>
    public static AiOperation Op(
        DateTimeOffset end,
        double durationMs = 100,
        string provider = "openai",
        string model = "gpt-4o",
        string operation = AiOperationKinds.Chat,
        string application = "app",
        long inputTokens = 10,
        long outputTokens = 5,
        long cachedInputTokens = 0,
        long cacheCreationInputTokens = 0,
        long reasoningTokens = 0,
        decimal? costUsd = 0.001m,
        PricingStatus pricing = PricingStatus.Priced,
        double? ttftMs = null,
        AiOperationStatus status = AiOperationStatus.Ok,
        ErrorCategory errorCategory = ErrorCategory.None,
        string? environment = null,
        string? functionId = null,
        string? experimentKey = null,
        string? experimentVariant = null) => new()
        {
            OperationId = Guid.NewGuid().ToString("N"),
            StartTime = end.AddTicks(-(long)(durationMs * TimeSpan.TicksPerMillisecond)),
            DurationMs = durationMs,
            TimeToFirstTokenMs = ttftMs,
            Operation = operation,
            Provider = provider,
            RequestModel = model,
            Application = application,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            CachedInputTokens = cachedInputTokens,
            CacheCreationInputTokens = cacheCreationInputTokens,
            ReasoningTokens = reasoningTokens,
            CostUsd = costUsd,
            Pricing = pricing,
            Status = status,
            ErrorCategory = errorCategory,
            Environment = environment,
            FunctionId = functionId,
            ExperimentKey = experimentKey,
            ExperimentVariant = experimentVariant,
        };
}
