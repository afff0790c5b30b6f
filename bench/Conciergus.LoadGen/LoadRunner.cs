using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Conciergus.Core.Ingestion.Otlp.Proto.Collector.Trace;
using Grpc.Core;

namespace Conciergus.LoadGen;

/// <summary>
/// Sends the load: <see cref="LoadGenOptions.Connections"/> senders, each with one export request in flight, paced to
/// the target rate (or back to back). Only requests started after the warm-up and before the end are measured.
/// Accepted spans = spans sent in requests answered 2xx (gRPC: OK) minus the partial success's rejected_spans.
/// With <paramref name="grpc"/> (one client per sender, each on its own channel), requests go over OTLP/gRPC instead.
/// </summary>
internal sealed class LoadRunner(LoadGenOptions options, HttpClient http, TraceService.TraceServiceClient[]? grpc = null)
{
    private readonly Metadata _metadata = ToMetadata(options.Headers);
    private readonly PayloadFactory _payloads = new(options.Seed, options.ErrorRate, options.UniqueValues, options.Models, options.Users);
    private long _sequence;
    private long _issued;

    /// <summary>Runs warm-up and measurement; <paramref name="measuring"/> fires when measurement starts.</summary>
    public async Task<LoadResult> RunAsync(Action? measuring = null)
    {
        var traces = Math.Max(1, options.BatchSize / PayloadFactory.SpansPerTrace);
        var spansPerBatch = traces * PayloadFactory.SpansPerTrace;
        var clock = Stopwatch.StartNew();
        var measureFrom = options.Warmup;
        var until = options.Warmup + options.Duration;
        var interval = options.Rate > 0 ? TimeSpan.FromSeconds(spansPerBatch * options.Connections / options.Rate) : TimeSpan.Zero;
        var senders = new SenderStats[options.Connections];
        var tasks = new Task[options.Connections];
        var measuringFired = 0;
        for (var c = 0; c < options.Connections; c++)
        {
            var stats = senders[c] = new SenderStats();
            var offset = options.Rate > 0 ? interval * c / options.Connections : TimeSpan.Zero;
            var client = grpc?[c];
            tasks[c] = Task.Run(async () =>
            {
                var next = offset;
                while (clock.Elapsed < until)
                {
                    if (interval > TimeSpan.Zero)
                    {
                        var wait = next - clock.Elapsed;
                        if (wait > TimeSpan.FromMilliseconds(1))
                        {
                            await Task.Delay(wait);
                        }

                        next += interval;
                    }

                    var started = clock.Elapsed;
                    if (started >= until)
                    {
                        break;
                    }

                    var measured = started >= measureFrom;
                    if (measured && measuring is not null && Interlocked.Exchange(ref measuringFired, 1) == 0)
                    {
                        measuring();
                    }

                    if (options.MaxRequests > 0 && Interlocked.Increment(ref _issued) > options.MaxRequests)
                    {
                        break;
                    }

                    var sequence = Interlocked.Increment(ref _sequence);
                    var outcome = client is null
                        ? await SendAsync(_payloads.Batch(sequence, traces))
                        : await SendGrpcAsync(client, _payloads.Request(sequence, traces));
                    var latency = clock.Elapsed - started;
                    stats.AddTotal(outcome, spansPerBatch);
                    if (measured)
                    {
                        stats.Add(outcome, spansPerBatch, latency.TotalMilliseconds, clock.Elapsed);
                    }

                    if (outcome.RetryAfter is { } retry)
                    {
                        await Task.Delay(retry);
                    }
                }
            });
        }

        await Task.WhenAll(tasks);
        return LoadResult.From(options, spansPerBatch, senders, measureFrom);
    }

    /// <summary>One export request: status, rejected spans from the partial success, Retry-After of a 429/503.</summary>
    public async Task<SendOutcome> SendAsync(byte[] body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Url, "/v1/traces"));
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
            var status = (int)response.StatusCode;
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
            {
                var retry = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                return new SendOutcome(status, 0, null, retry > TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retry);
            }

            if (!response.IsSuccessStatusCode)
            {
                return new SendOutcome(status, 0, $"HTTP {status}", null);
            }

            var bytes = await response.Content.ReadAsByteArrayAsync();
            long rejected = 0;
            if (bytes.Length > 0 && response.Content.Headers.ContentType?.MediaType == "application/x-protobuf")
            {
                rejected = ExportTraceServiceResponse.Parser.ParseFrom(bytes).PartialSuccess?.RejectedSpans ?? 0;
            }

            return new SendOutcome(status, rejected, null, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return new SendOutcome(0, 0, e.GetType().Name + ": " + e.Message, TimeSpan.FromMilliseconds(100));
        }
    }

    /// <summary>
    /// One OTLP/gRPC export: the rejected spans of the partial success; RESOURCE_EXHAUSTED / UNAVAILABLE wait 1 s
    /// before the next request (the OTLP exporter's retry, capped like the HTTP path's Retry-After).
    /// </summary>
    public async Task<SendOutcome> SendGrpcAsync(TraceService.TraceServiceClient client, ExportTraceServiceRequest request)
    {
        try
        {
            var reply = await client.ExportAsync(request, _metadata, DateTime.UtcNow.AddSeconds(30));
            return new SendOutcome(200, reply.PartialSuccess?.RejectedSpans ?? 0, null, null, StatusCode.OK);
        }
        catch (RpcException e)
        {
            var retry = e.StatusCode is StatusCode.ResourceExhausted or StatusCode.Unavailable ? TimeSpan.FromSeconds(1) : (TimeSpan?)null;
            return new SendOutcome(0, 0, $"gRPC {e.StatusCode}: {e.Status.Detail}", retry ?? TimeSpan.FromMilliseconds(100), e.StatusCode);
        }
    }

    private static Metadata ToMetadata(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        var metadata = new Metadata();
        foreach (var (name, value) in headers)
        {
            metadata.Add(name.ToLowerInvariant(), value);
        }

        return metadata;
    }
}

/// <summary>Result of one request. <paramref name="Status"/>: the HTTP status, 0 without an answer; for gRPC <paramref name="Grpc"/> is set.</summary>
internal sealed record SendOutcome(int Status, long RejectedSpans, string? Error, TimeSpan? RetryAfter, StatusCode? Grpc = null)
{
    public bool Ok => Grpc is { } code ? code == StatusCode.OK : Status is >= 200 and < 300;

    /// <summary>How the status is reported: "200", "429", "none", or "grpc-OK", "grpc-ResourceExhausted".</summary>
    public string Label => Grpc is { } code ? "grpc-" + code
        : Status == 0 ? "none" : Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Counters of one sender (one task, no locking needed).</summary>
internal sealed class SenderStats
{
    public List<double> LatenciesMs { get; } = new(64 * 1024);
    public long Requests { get; private set; }
    public long SentSpans { get; private set; }
    public long AcceptedSpans { get; private set; }
    public long RejectedSpans { get; private set; }
    public long FailedRequests { get; private set; }
    public Dictionary<string, long> Statuses { get; } = [];
    public Dictionary<string, long> Errors { get; } = [];
    public TimeSpan LastCompletion { get; private set; }

    /// <summary>Spans accepted over the whole run, warm-up included (to reconcile with the target's own counters).</summary>
    public long TotalAcceptedSpans { get; private set; }

    /// <summary>Spans sent over the whole run, warm-up included.</summary>
    public long TotalSentSpans { get; private set; }

    public void AddTotal(SendOutcome outcome, int spans)
    {
        TotalSentSpans += spans;
        if (outcome.Ok)
        {
            TotalAcceptedSpans += spans - outcome.RejectedSpans;
        }
    }

    public void Add(SendOutcome outcome, int spans, double latencyMs, TimeSpan completedAt)
    {
        Requests++;
        SentSpans += spans;
        LatenciesMs.Add(latencyMs);
        LastCompletion = completedAt;
        Statuses[outcome.Label] = Statuses.GetValueOrDefault(outcome.Label) + 1;
        if (outcome.Ok)
        {
            AcceptedSpans += spans - outcome.RejectedSpans;
            RejectedSpans += outcome.RejectedSpans;
        }
        else
        {
            FailedRequests++;
            var key = outcome.Error ?? $"HTTP {outcome.Label}";
            Errors[key] = Errors.GetValueOrDefault(key) + 1;
        }
    }
}

/// <summary>What a run measured.</summary>
internal sealed record LoadResult
{
    public required string Label { get; init; }
    public required double Seconds { get; init; }
    public required int Connections { get; init; }
    public required int BatchSpans { get; init; }
    public required double TargetRate { get; init; }
    public required long Requests { get; init; }
    public required long SentSpans { get; init; }
    public required long AcceptedSpans { get; init; }
    public required long RejectedSpans { get; init; }
    public required long FailedRequests { get; init; }
    public required double AcceptedSpansPerSecond { get; init; }
    public required long TotalSentSpans { get; init; }
    public required long TotalAcceptedSpans { get; init; }
    public required double P50Ms { get; init; }
    public required double P95Ms { get; init; }
    public required double P99Ms { get; init; }
    public required double MaxMs { get; init; }
    public required IReadOnlyDictionary<string, long> Statuses { get; init; }
    public required IReadOnlyDictionary<string, long> Errors { get; init; }
    public HubResult? Hub { get; set; }

    public static LoadResult From(LoadGenOptions options, int batchSpans, SenderStats[] senders, TimeSpan measureFrom)
    {
        var latencies = senders.SelectMany(s => s.LatenciesMs).Order().ToArray();
        var end = senders.Max(s => s.LastCompletion);
        var seconds = Math.Max(0.001, (end - measureFrom).TotalSeconds);
        var accepted = senders.Sum(s => s.AcceptedSpans);
        var statuses = new ConcurrentDictionary<string, long>();
        var errors = new ConcurrentDictionary<string, long>();
        foreach (var s in senders)
        {
            foreach (var (k, v) in s.Statuses)
            {
                statuses.AddOrUpdate(k, v, (_, o) => o + v);
            }

            foreach (var (k, v) in s.Errors)
            {
                errors.AddOrUpdate(k, v, (_, o) => o + v);
            }
        }

        return new LoadResult
        {
            Label = options.Label,
            Seconds = Math.Round(seconds, 2),
            Connections = options.Connections,
            BatchSpans = batchSpans,
            TargetRate = options.Rate,
            Requests = senders.Sum(s => s.Requests),
            SentSpans = senders.Sum(s => s.SentSpans),
            AcceptedSpans = accepted,
            RejectedSpans = senders.Sum(s => s.RejectedSpans),
            FailedRequests = senders.Sum(s => s.FailedRequests),
            AcceptedSpansPerSecond = Math.Round(accepted / seconds, 1),
            TotalSentSpans = senders.Sum(s => s.TotalSentSpans),
            TotalAcceptedSpans = senders.Sum(s => s.TotalAcceptedSpans),
            P50Ms = Percentile(latencies, 0.50),
            P95Ms = Percentile(latencies, 0.95),
            P99Ms = Percentile(latencies, 0.99),
            MaxMs = latencies.Length == 0 ? 0 : Math.Round(latencies[^1], 2),
            Statuses = new SortedDictionary<string, long>(statuses),
            Errors = new SortedDictionary<string, long>(errors),
        };
    }

    /// <summary>Nearest-rank percentile of sorted values (0 when empty).</summary>
    public static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}
