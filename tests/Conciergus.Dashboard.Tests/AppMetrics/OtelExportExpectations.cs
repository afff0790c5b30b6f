using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>
/// What the timeseries API must show for metrics an SDK exported: the exported bodies are decoded and turned into the
/// values a 1 s step must hold, and the API's line is read for comparison (shared by the .NET and Node SDK tests).
/// </summary>
internal static class OtelExportExpectations
{
    /// <summary>The API's line of <paramref name="service"/> for an instrument, 1 s steps: unix ms -> value.</summary>
    public static async Task<Dictionary<long, double>> Line(HttpClient client, string service, string name)
    {
        var report = await client.GetFromJsonAsync<JsonElement>($"/api/v1/timeseries?metric=otel:{name}&window=5m&step=1s&groupBy=application");
        var result = new Dictionary<long, double>();
        foreach (var line in report.GetProperty("series").EnumerateArray().Where(l => l.GetProperty("key").GetString() == service))
        {
            foreach (var point in line.GetProperty("points").EnumerateArray())
            {
                if (point[1].ValueKind == JsonValueKind.Number)
                {
                    result[point[0].GetInt64()] = point[1].GetDouble();
                }
            }
        }

        return result;
    }

    /// <summary>
    /// What a 1 s step must show for a gauge or level: in each second, the points of the latest collection in it
    /// (every attribute set of one collection shares its time), added across attribute sets.
    /// </summary>
    public static Dictionary<long, double> ExpectedPerSecond(IEnumerable<ExportMetricsServiceRequest> requests, string name)
    {
        var points = requests
            .SelectMany(r => r.ResourceMetrics).SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)
            .Where(m => m.Name == name)
            .SelectMany(m => m.DataCase == Conciergus.Core.Ingestion.Otlp.Proto.Metrics.Metric.DataOneofCase.Gauge ? m.Gauge.DataPoints : m.Sum.DataPoints)
            .ToList();
        return points
            .GroupBy(p => (long)(p.TimeUnixNano / 1_000_000_000) * 1000)
            .ToDictionary(g => g.Key, g =>
            {
                var latest = g.Max(p => p.TimeUnixNano);
                return g.Where(p => p.TimeUnixNano == latest)
                    .GroupBy(p => string.Join(",", p.Attributes.Select(a => a.Key + "=" + a.Value)))
                    .Sum(set => Value(set.Last()));
            });

        static double Value(NumberDataPoint p) => p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
    }

    public static async Task WaitUntil(Func<Task<bool>> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
