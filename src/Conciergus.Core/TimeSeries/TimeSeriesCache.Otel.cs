namespace Conciergus.Core.TimeSeries;

/// <summary>What the application metrics series (<c>Core/AppMetrics</c>) need to share the cache's rings.</summary>
public sealed partial class TimeSeriesCache
{
    /// <summary>
    /// How far back each resolution reaches, finest first (its step times its bucket count, minus the bucket in progress):
    /// application metric series keep rings of the same steps and lengths, aligned the same way.
    /// </summary>
    public IReadOnlyList<TimeSpan> Retentions => [.. _stepTicks.Select((s, i) => TimeSpan.FromTicks(s * (_bucketCounts[i] - 1)))];
}
