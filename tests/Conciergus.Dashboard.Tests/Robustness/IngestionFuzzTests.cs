using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Conciergus.Core.Collector;
using Conciergus.Dashboard.Tests.Endpoints;
using Conciergus.Dashboard.Tests.Ingestion;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>
/// Sends at least 10,000 seeded fuzz inputs (<see cref="FuzzInputs"/>) to the real app over HTTP and checks that none
/// is answered with a 5xx, that the app still answers afterwards, and that a valid batch sent after the run is accepted
/// and counted exactly. The seed is fixed so CI is deterministic; CONCIERGUS_FUZZ_SEED and CONCIERGUS_FUZZ_INPUTS
/// explore other seeds and longer runs locally. A failure prints the seed, the input's index and its bytes in base64.
/// </summary>
public sealed class IngestionFuzzTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>The CI seed. Any seed must pass; this one is fixed so a red build always means a reproducible input.</summary>
    public const int DefaultSeed = 20261127;

    private const int DefaultInputs = 10_000;
    private const int Parallelism = 4;

    private readonly ConciergusAppFactory _factory = new(new Dictionary<string, string?>
    {
        // Keep the per-request work small so 10,000 inputs fit in CI's time; the limits themselves are under test.
        ["Conciergus:Ingestion:MaxRequestBytes"] = "1048576",
        ["Conciergus:Ingestion:Otlp:MaxDecompressedBytes"] = "4194304",
        ["Conciergus:Api:IngestionRequestsPerMinute"] = "100000000", // the rate limit is not under test here
    });

    public void Dispose() => _factory.Dispose();

    [Fact]
    public async Task FuzzedIngestionAndReads_TenThousandInputs_NoServerErrorAndValidBatchStillCountedExactly()
    {
        var seed = EnvironmentInt("CONCIERGUS_FUZZ_SEED") ?? DefaultSeed;
        var total = EnvironmentInt("CONCIERGUS_FUZZ_INPUTS") ?? DefaultInputs;
        output.WriteLine($"fuzz seed {seed} (reproduce with CONCIERGUS_FUZZ_SEED={seed}), {total} inputs");
        var inputs = new FuzzInputs(seed, _factory.Time.GetUtcNow());
        using var client = _factory.CreateIngestionClient();
        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        var kinds = new Dictionary<string, int>();

        // Inputs are generated in index order from one Random (reproducible), then sent in parallel batches.
        for (var sent = 0; sent < total && failures.Count < 5;)
        {
            var batch = new List<(int Index, FuzzInput Input)>();
            for (; batch.Count < 200 && sent < total; sent++)
            {
                batch.Add((sent, inputs.Next()));
            }

            var results = new (int Status, string? Error)[batch.Count];
            await Parallel.ForEachAsync(Enumerable.Range(0, batch.Count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (i, ct) =>
                results[i] = await SendAsync(client, batch[i].Input, ct));

            for (var i = 0; i < batch.Count; i++)
            {
                var (index, input) = batch[i];
                var (status, error) = results[i];
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
                kinds[input.Kind] = kinds.GetValueOrDefault(input.Kind) + 1;
                if (status >= 500 || error is not null)
                {
                    failures.Add(Describe(seed, index, input, status, error));
                }
            }
        }

        output.WriteLine("statuses: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        output.WriteLine("inputs: " + string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}×{k.Value}")));
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine + Environment.NewLine, failures));
        Assert.True(statuses.Values.Sum() >= total, $"only {statuses.Values.Sum()} of {total} inputs were sent");

        // Still up, and counting exactly: a valid batch on each endpoint adds exactly what it carries.
        await AssertValidBatchesCountedExactlyAsync(client);
    }

    private async Task AssertValidBatchesCountedExactlyAsync(HttpClient client)
    {
        var collector = _factory.Services.GetRequiredService<AiOperationCollector>();
        using (var health = await client.GetAsync("/healthz"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        var before = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h");
        var recordedBefore = collector.Stats.Recorded;
        var now = _factory.Time.GetUtcNow();

        // Three spans with fresh random ids (a mutated input can never have claimed them), 100 + 200 + 300 input tokens.
        var spans = new[] { 100L, 200L, 300L }.Select(tokens =>
        {
            var span = OtlpRequests.ChatSpan(now, input: tokens, output: 7, traceHex: Guid.NewGuid().ToString("N"));
            span.SpanId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray().AsSpan(0, 8));
            return span;
        }).ToArray();
        using var otlp = await client.PostAsync("/v1/traces", OtlpRequests.Protobuf(OtlpRequests.Request("fuzz-check", spans)));
        Assert.Equal(HttpStatusCode.OK, otlp.StatusCode);
        using var operations = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = new object[]
            {
                new { model = "gpt-4o", durationMs = 10, inputTokens = 1000, outputTokens = 1, timestamp = now },
                new { model = "gpt-4o", durationMs = 20, inputTokens = 2000, outputTokens = 2, timestamp = now },
            },
        });
        Assert.Equal(HttpStatusCode.Accepted, operations.StatusCode);
        Assert.Equal(2, (await operations.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());

        var after = await client.GetFromJsonAsync<JsonElement>("/api/v1/summary?window=1h");
        Assert.Equal(5, collector.Stats.Recorded - recordedBefore);
        Assert.Equal(5, after.GetProperty("requests").GetInt64() - before.GetProperty("requests").GetInt64());
        Assert.Equal(3600, after.GetProperty("inputTokens").GetInt64() - before.GetProperty("inputTokens").GetInt64());
        Assert.Equal(24, after.GetProperty("outputTokens").GetInt64() - before.GetProperty("outputTokens").GetInt64());
    }

    private static async Task<(int Status, string? Error)> SendAsync(HttpClient client, FuzzInput input, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(input.Method), input.Path);
        if (input.Method == "POST")
        {
            request.Content = new ByteArrayContent(input.Body);
            if (input.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", input.ContentType);
            }

            if (input.ContentEncoding is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Encoding", input.ContentEncoding);
            }
        }

        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            await response.Content.ReadAsByteArrayAsync(cancellationToken);
            return ((int)response.StatusCode, null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The in-memory server rethrows what escaped the pipeline: in a real process that is a dropped connection or worse.
            return (0, e.ToString());
        }
    }

    private static string Describe(int seed, int index, FuzzInput input, int status, string? error)
    {
        // Large inputs go to a file as well; the message keeps the first 64 KiB of base64.
        var file = Path.Combine(Path.GetTempPath(), $"conciergus-fuzz-{seed}-{index}.bin");
        File.WriteAllBytes(file, input.Body);
        var base64 = Convert.ToBase64String(input.Body);
        return $"seed {seed} input #{index} ({input.Kind}): {input.Method} {input.Path} Content-Type: {input.ContentType} Content-Encoding: {input.ContentEncoding}" +
            $" -> {(status == 0 ? "exception" : status.ToString(CultureInfo.InvariantCulture))}{Environment.NewLine}" +
            $"body ({input.Body.Length} bytes, also in {file}) base64: {(base64.Length > 65536 ? base64[..65536] + "..." : base64)}" +
            (error is null ? "" : Environment.NewLine + error);
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
