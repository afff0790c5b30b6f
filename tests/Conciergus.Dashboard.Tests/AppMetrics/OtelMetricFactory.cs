using Conciergus.Core.AppMetrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Common;
using Conciergus.Core.Ingestion.Otlp.Proto.Metrics;
using Conciergus.Core.Ingestion.Otlp.Proto.Resource;
using Conciergus.Core.TimeSeries;
using Microsoft.Extensions.Time.Testing;

namespace Conciergus.Dashboard.Tests.AppMetrics;

/// <summary>Builds OTLP metric requests and a store on a fake clock.</summary>
internal static class OtelMetricFactory
{
    public static readonly DateTimeOffset Start = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    public static (OtelMetricStore Store, FakeTimeProvider Time) Store(AppMetricsOptions? options = null, FakeTimeProvider? time = null)
    {
        time ??= new FakeTimeProvider(Start);
        var cache = new TimeSeriesCache(new TimeSeriesOptions(), time);
        return (new OtelMetricStore(options ?? new AppMetricsOptions(), cache, time), time);
    }

    public static ulong Nanos(DateTimeOffset at) => (ulong)(at - DateTimeOffset.UnixEpoch).Ticks * 100;

    public static ExportMetricsServiceRequest Request(string service, params Metric[] metrics)
    {
        var scope = new ScopeMetrics();
        scope.Metrics.AddRange(metrics);
        var rm = new ResourceMetrics { Resource = new Resource() };
        rm.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } });
        rm.ScopeMetrics.Add(scope);
        var request = new ExportMetricsServiceRequest();
        request.ResourceMetrics.Add(rm);
        return request;
    }

    public static NumberDataPoint Point(double value, DateTimeOffset at, DateTimeOffset? start = null, params (string Key, string Value)[] attributes)
    {
        var p = new NumberDataPoint { AsDouble = value, TimeUnixNano = Nanos(at), StartTimeUnixNano = start is { } s ? Nanos(s) : 0 };
        foreach (var (k, v) in attributes)
        {
            p.Attributes.Add(new KeyValue { Key = k, Value = new AnyValue { StringValue = v } });
        }

        return p;
    }

    public static Metric Gauge(string name, params NumberDataPoint[] points)
    {
        var g = new Gauge();
        g.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = "By", Gauge = g };
    }

    public static Metric Sum(string name, bool monotonic, bool delta, params NumberDataPoint[] points)
    {
        var s = new Sum { IsMonotonic = monotonic, AggregationTemporality = delta ? AggregationTemporality.Delta : AggregationTemporality.Cumulative };
        s.DataPoints.AddRange(points);
        return new Metric { Name = name, Unit = "{request}", Sum = s };
    }

    public static Metric Histogram(string name, bool delta, params (ulong Count, double Sum, DateTimeOffset At, DateTimeOffset Start)[] points)
    {
        var h = new Histogram { AggregationTemporality = delta ? AggregationTemporality.Delta : AggregationTemporality.Cumulative };
        foreach (var (count, sum, at, start) in points)
        {
            h.DataPoints.Add(new HistogramDataPoint { Count = count, Sum = sum, TimeUnixNano = Nanos(at), StartTimeUnixNano = Nanos(start) });
        }

        return new Metric { Name = name, Unit = "s", Histogram = h };
    }
}
