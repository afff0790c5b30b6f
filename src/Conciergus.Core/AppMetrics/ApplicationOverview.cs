using Conciergus.Core.TimeSeries;

namespace Conciergus.Core.AppMetrics;

/// <summary>One application (service.name): its own metrics beside its AI calls over a window.</summary>
/// <param name="Name">service.name (as sent: render as text).</param>
/// <param name="Requests">AI calls.</param>
/// <param name="Errors">Failed AI calls.</param>
/// <param name="P95Ms">p95 latency of its calls (null: no calls).</param>
/// <param name="CostUsd">Cost of its priced calls.</param>
/// <param name="Tokens">Input + output tokens.</param>
/// <param name="CpuUtilization">CPU: process.cpu.utilization, else process.cpu.time (or dotnet.process.cpu.time) as seconds per second; null when not sent.</param>
/// <param name="MemoryBytes">Memory: process.memory.usage, else dotnet.process.memory.working_set, else process.runtime.dotnet.gc.heap.size, else dotnet.gc.last_collection.heap.size.</param>
/// <param name="ActiveRequests">http.server.active_requests.</param>
/// <param name="QueueLength">dotnet.thread_pool.queue.length (or process.runtime.dotnet.thread_pool.queue.length).</param>
/// <param name="EventLoopDelayP99">nodejs.eventloop.delay.p99 (seconds).</param>
/// <param name="LastSeen">Newest call or metric point.</param>
/// <param name="CpuInstrument">The instrument <paramref name="CpuUtilization"/> came from (utilization is 0..1; a cpu.time rate is cores busy).</param>
public sealed record ApplicationRow(
    string Name,
    long Requests,
    long Errors,
    double? P95Ms,
    decimal CostUsd,
    long Tokens,
    double? CpuUtilization,
    double? MemoryBytes,
    double? ActiveRequests,
    double? QueueLength,
    double? EventLoopDelayP99,
    DateTimeOffset? LastSeen,
    string? CpuInstrument = null)
{
    /// <summary>Failed / all calls (0 without calls).</summary>
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;
}

/// <summary>Builds the Applications page and the application health rows from the cache and the metric series.</summary>
public sealed class ApplicationOverview(TimeSeriesCache cache, OtelMetricStore metrics, TimeProvider time)
{
    /// <summary>Instruments read as CPU, first present wins; the bool says whether it is a counter of CPU seconds.</summary>
    public static readonly (string Name, bool Seconds)[] CpuInstruments =
        [("process.cpu.utilization", false), ("process.cpu.time", true), ("dotnet.process.cpu.time", true), ("process.runtime.dotnet.cpu.time", true)];

    /// <summary>Instruments read as memory, first present wins.</summary>
    public static readonly string[] MemoryInstruments =
        ["process.memory.usage", "dotnet.process.memory.working_set", "process.runtime.dotnet.gc.heap.size", "dotnet.gc.last_collection.heap.size"];

    /// <summary>Instruments read as the work queue, first present wins.</summary>
    public static readonly string[] QueueInstruments = ["dotnet.thread_pool.queue.length", "process.runtime.dotnet.thread_pool.queue.length"];

    /// <summary>Every application seen in calls or metrics, over the window ending now, by name.</summary>
    public IReadOnlyList<ApplicationRow> Rows(TimeSpan window)
    {
        var to = time.GetUtcNow().AddTicks(1);
        var from = to - window;
        var names = new SortedSet<string>(StringComparer.Ordinal);
        var calls = new Dictionary<string, WindowAggregate>(StringComparer.Ordinal);
        foreach (var key in cache.Keys(SeriesDimension.Application))
        {
            var a = cache.Aggregate(key, from, to);
            if (a.Requests > 0)
            {
                calls[key.Value] = a;
                names.Add(key.Value);
            }
        }

        var lastMetric = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        foreach (var (service, seen) in metrics.Services())
        {
            if (seen >= from)
            {
                names.Add(service);
                lastMetric[service] = seen;
            }
        }

        return [.. names.Select(name =>
        {
            calls.TryGetValue(name, out var a);
            DateTimeOffset? seen = a?.LastSeen;
            if (lastMetric.TryGetValue(name, out var m) && (seen is null || m > seen))
            {
                seen = m;
            }

            var (cpu, cpuInstrument) = Cpu(name, from, to);
            return new ApplicationRow(
                name,
                a?.Requests ?? 0,
                a?.Errors ?? 0,
                a is { Latency.Count: > 0 } ? a.Latency.Quantile(0.95) : null,
                a?.CostUsd ?? 0,
                (a?.InputTokens ?? 0) + (a?.OutputTokens ?? 0),
                cpu,
                First(MemoryInstruments, name, from, to),
                metrics.Value("http.server.active_requests", OtelAggregation.Last, name, from, to),
                First(QueueInstruments, name, from, to),
                metrics.Value("nodejs.eventloop.delay.p99", OtelAggregation.Last, name, from, to),
                seen,
                cpuInstrument);
        })];
    }

    private (double? Value, string? Instrument) Cpu(string service, DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var (name, seconds) in CpuInstruments)
        {
            if (metrics.Value(name, seconds ? OtelAggregation.Rate : OtelAggregation.Last, service, from, to) is { } v)
            {
                return (v, name);
            }
        }

        return (null, null);
    }

    private double? First(string[] instruments, string service, DateTimeOffset from, DateTimeOffset to)
    {
        foreach (var name in instruments)
        {
            if (metrics.Value(name, OtelAggregation.Last, service, from, to) is { } v)
            {
                return v;
            }
        }

        return null;
    }
}
