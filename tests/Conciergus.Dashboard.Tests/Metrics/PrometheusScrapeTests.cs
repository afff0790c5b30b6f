using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Conciergus.Dashboard.Tests.Endpoints;
using Xunit.Abstractions;

namespace Conciergus.Dashboard.Tests.Metrics;

/// <summary>
/// A real Prometheus (Debian's package, which .ci/run installs) scrapes /metrics over loopback, and a PromQL query
/// for the request counter returns exactly the number of operations posted.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IDisposable
{
    public const string PrometheusPath = "/usr/bin/prometheus";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(45);

    private readonly ConciergusAppFactory _factory = new();
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "conciergus-prometheus", Guid.NewGuid().ToString("N"));
    private Process? _prometheus;

    public void Dispose()
    {
        if (_prometheus is { } process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(10_000);
                }
            }
            catch (InvalidOperationException)
            {
                // already gone
            }

            process.Dispose();
        }

        _factory.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Prometheus_ScrapesMetrics_QueryReturnsThePostedRequestCount()
    {
        if (!File.Exists(PrometheusPath))
        {
            // CI installs the package; there a missing binary is a failure, never a silent pass.
            Assert.False(
                string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase),
                $"The Prometheus scrape test needs Debian's prometheus at {PrometheusPath}: apt-get install -y prometheus");
            output.WriteLine($"{PrometheusPath} is missing: scrape test not run (apt-get install -y prometheus).");
            return;
        }

        // Arrange: the dashboard on a loopback port, Prometheus scraping it every second
        var dashboard = _factory.StartKestrel();
        var prometheusPort = LoopbackPort.Free();
        Directory.CreateDirectory(_directory);
        var config = Path.Combine(_directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: conciergus
                scrape_interval: 1s
                scrape_timeout: 1s
                metrics_path: /metrics
                authorization:
                  type: Bearer
                  credentials: {ConciergusAppFactory.ApiKeys[Conciergus.Dashboard.Security.ConciergusRole.Viewer]}
                static_configs:
                  - targets: ['{dashboard.Host}:{dashboard.Port}']
            """);
        _prometheus = StartPrometheus(config, prometheusPort);

        // Act: post 25 operations
        const int Posted = 25;
        using var client = new HttpClient { BaseAddress = dashboard };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", ConciergusAppFactory.IngestionKey);
        var start = _factory.Time.GetUtcNow().AddMinutes(-1);
        var response = await client.PostAsJsonAsync("/api/v1/operations", new
        {
            operations = Enumerable.Range(0, Posted).Select(i => new
            {
                timestamp = start.AddMilliseconds(i).ToString("O", CultureInfo.InvariantCulture),
                durationMs = 100 + i,
                provider = "openai",
                model = i % 2 == 0 ? "gpt-4o" : "gpt-4o-mini",
                inputTokens = 10,
                outputTokens = 5,
                application = "scrape-test",
            }),
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        // Assert: Prometheus ends up with exactly the posted count
        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{prometheusPort}") };
        var stopwatch = Stopwatch.StartNew();
        string? last = null;
        while (stopwatch.Elapsed < Timeout)
        {
            Assert.False(_prometheus.HasExited, $"prometheus exited with code {(_prometheus.HasExited ? _prometheus.ExitCode : 0)}");
            last = await QueryAsync(prometheus, "sum(conciergus_ai_requests_total)");
            if (last == Posted.ToString(CultureInfo.InvariantCulture))
            {
                var perModel = await QueryAsync(prometheus, "sum(conciergus_ai_requests_total{model=\"gpt-4o\"})");
                Assert.Equal("13", perModel);
                return;
            }

            await Task.Delay(500); // waiting on an external process's scrape interval, not on our own clock
        }

        Assert.Fail($"Prometheus did not report {Posted} requests within {Timeout.TotalSeconds} s; last answer: {last ?? "none"}");
    }

    private Process StartPrometheus(string config, int port)
    {
        var info = new ProcessStartInfo(PrometheusPath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add($"--config.file={config}");
        info.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(_directory, "data")}");
        info.ArgumentList.Add($"--web.listen-address=127.0.0.1:{port}");
        var process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");

        // Drain its logs so a full pipe never blocks it; keep them for a failure's story.
        process.OutputDataReceived += (_, e) => Log(e.Data);
        process.ErrorDataReceived += (_, e) => Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        try
        {
            output.WriteLine("prometheus: " + line);
        }
        catch (InvalidOperationException)
        {
            // the test has finished
        }
    }

    /// <summary>The single value of an instant query, or null while Prometheus is starting or has no sample yet.</summary>
    private static async Task<string?> QueryAsync(HttpClient prometheus, string promQl)
    {
        try
        {
            var json = await prometheus.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(promQl));
            var result = json.GetProperty("data").GetProperty("result");
            return result.GetArrayLength() == 0 ? null : result[0].GetProperty("value")[1].GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
