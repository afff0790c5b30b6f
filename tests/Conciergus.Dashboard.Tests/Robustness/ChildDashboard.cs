using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Net.Sockets;
using Conciergus.Dashboard.Tests.Audit;
using Conciergus.Dashboard.Tests.Endpoints;

namespace Conciergus.Dashboard.Tests.Robustness;

/// <summary>
/// The built dashboard as a child process on a free loopback port (used by <see cref="AuditKillTests"/> and the crash tests), so a
/// test can SIGKILL it and start another on the same data folder. Waiting for it is polling an external process.
/// </summary>
internal sealed class ChildDashboard : IDisposable
{
    public const string IngestionKey = "crash-test-ingestion-key-0123456789";

    // The child's last output lines (warnings and errors: its log level), for a failing test's message.
    private const int LogLines = 200;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();

    private ChildDashboard(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the app on <paramref name="dataDirectory"/> with the Admin API key of <see cref="AuditApiClients"/> and waits for /healthz.</summary>
    public static async Task<ChildDashboard> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        var dll = DashboardDll();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(baseAddress.ToString().TrimEnd('/'));
        start.Environment["Conciergus__DataDirectory"] = dataDirectory;
        start.Environment["Conciergus__Demo__Enabled"] = "false";
        start.Environment["Conciergus__Ingestion__Otlp__GrpcEndpoint"] = "";
        start.Environment["Conciergus__Ingestion__ApiKeys__0"] = IngestionKey;
        start.Environment["Conciergus__Api__IngestionRequestsPerMinute"] = "1000000";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in AuditApiClients.AdminApiKeyEnvironment.Concat(environment ?? new Dictionary<string, string>()))
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        var child = new ChildDashboard(process, baseAddress);

        // Drain the pipes so a chatty child never blocks on a full buffer; keep the last lines.
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await child.WaitUntilReadyAsync();
        return child;
    }

    /// <summary>The child's last output lines (at most <see cref="LogLines"/>).</summary>
    public string RecentLog() => string.Join(Environment.NewLine, _log);

    /// <summary>GET /healthz with <paramref name="client"/>; a failure carries the body and the child's last output lines.</summary>
    public async Task<JsonElement> HealthAsync(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        using var response = await client.GetAsync("/healthz");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"/healthz answered {(int)response.StatusCode}: {body}{Environment.NewLine}child output:{Environment.NewLine}{RecentLog()}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>An HTTP client with the Admin API key.</summary>
    public HttpClient AdminClient() => AuditApiClients.Create(BaseAddress);

    /// <summary>An HTTP client with the ingestion key.</summary>
    public HttpClient IngestionClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("x-otlp-api-key", IngestionKey);
        return client;
    }

    /// <summary>SIGKILL (no shutdown hooks, no flush) and wait for the exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM (a graceful stop: the host's shutdown runs) and wait for the exit.</summary>
    public async Task TerminateAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > LogLines && _log.TryDequeue(out _))
        {
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"the dashboard exited during start; child output:{Environment.NewLine}{RecentLog()}");
            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(100); // polling an external process (the child dashboard); it has no clock of ours to advance
        }

        Assert.Fail($"the dashboard did not answer /healthz within 90 s; child output:{Environment.NewLine}{RecentLog()}");
    }

    /// <summary>The built dashboard: its own bin folder (same configuration as this test assembly), else the copy next to the tests.</summary>
    private static string DashboardDll()
    {
        var testBin = AppContext.BaseDirectory;
        var configuration = new DirectoryInfo(testBin).Parent!.Name; // bin/<Configuration>/net10.0/
        for (var dir = new DirectoryInfo(testBin); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Conciergus.Dashboard", "bin", configuration, "net10.0", "Conciergus.Dashboard.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(testBin, "Conciergus.Dashboard.dll");
    }
}
