using System.Diagnostics;
using System.Net;
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

    private readonly Process _process;

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

        // Drain the pipes so a chatty child never blocks on a full buffer.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var child = new ChildDashboard(process, baseAddress);
        await child.WaitUntilReadyAsync();
        return child;
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

    private async Task WaitUntilReadyAsync()
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, "the dashboard exited during start");
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

        Assert.Fail("the dashboard did not answer /healthz within 90 s");
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
